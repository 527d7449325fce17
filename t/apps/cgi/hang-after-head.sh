#!/bin/sh
# A head and part of a body, then a hang.
echo "Content-Type: text/plain"
echo
echo "partial"
sleep 100 &
echo $! > "$PATH_INFO"
wait
