#!/bin/sh
# Sleep QUERY_STRING seconds (default 1), then answer.
s=${QUERY_STRING:-1}
case $s in *[!0-9.]*|'') s=1 ;; esac
sleep "$s"
echo "Content-Type: text/plain"
echo
echo "slept $s"
