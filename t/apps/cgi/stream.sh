#!/bin/sh
# A body that comes a line at a time, forever; the pids of the script and
# of a grandchild go to the file named by PATH_INFO.
sleep 100 &
echo "$$ $!" > "$PATH_INFO"
echo "Content-Type: text/plain"
echo
i=0
while :; do
    i=$((i + 1))
    echo "line $i"
    sleep 0.1
done
