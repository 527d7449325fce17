#!/bin/sh
# The soak's CGI /echo: the request body back (fixed-length or chunked upload).
echo "Content-Type: application/octet-stream"
echo "X-Pid: $PPID"
echo
exec cat
