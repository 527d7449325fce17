#!/bin/sh
# "//host/path" is another host, not a local path.
echo "Location: //example.com/x"
echo
