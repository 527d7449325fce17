#!/bin/sh
# The soak's CGI /stream: the /hello bytes with no Content-Length (chunked).
n=$(echo "$QUERY_STRING" | sed -n 's/.*n=\([0-9]*\).*/\1/p')
n=${n:-100}
echo "Content-Type: application/octet-stream"
echo "X-Pid: $PPID"
echo
seq -f %07.0f 0 $((n / 8)) | head -c "$n"
