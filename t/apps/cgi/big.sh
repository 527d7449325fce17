#!/bin/sh
# QUERY_STRING bytes of 'x' (default 4 MiB).
n=${QUERY_STRING:-4194304}
case $n in *[!0-9]*|'') n=4194304 ;; esac
echo "Content-Type: application/octet-stream"
echo
head -c "$n" /dev/zero | tr '\0' x
