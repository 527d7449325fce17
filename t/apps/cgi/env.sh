#!/bin/sh
# Every meta-variable the script got, one NAME=value per line.
echo "Content-Type: text/plain"
echo
env
echo "CWD=$(pwd)"
