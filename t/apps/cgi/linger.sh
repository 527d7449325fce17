#!/bin/sh
# A whole response, then stdout closed, and the script carries on.
echo "Content-Type: text/plain"
echo
echo "done, but not gone"
exec >&-
sleep 30
