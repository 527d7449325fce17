#!/bin/sh
# Start a grandchild that keeps stdout open, write its pid to the file
# named by PATH_INFO, and never answer: only the timeout ends this.
sleep 100 &
echo $! > "$PATH_INFO"
wait
