#!/bin/sh
# Five lines, 0.3 s apart: the client must see the first before the last.
echo "Content-Type: text/plain"
echo
for i in 1 2 3 4 5; do
    echo "line $i"
    sleep 0.3
done
