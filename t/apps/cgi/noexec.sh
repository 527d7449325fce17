#!/bin/sh
# Not executable (mode 644): refused with 403.
echo "Content-Type: text/plain"
echo
echo "should not run"
