#!/bin/sh
# How many arguments the script got (a query string must never become one).
echo "Content-Type: text/plain"
echo
echo "argc=$#"
for a in "$@"; do echo "arg=$a"; done
