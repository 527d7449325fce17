#!/bin/sh
# The soak's CGI /hello: n bytes of the counting pattern (see t/soak/app.py).
n=$(echo "$QUERY_STRING" | sed -n 's/.*n=\([0-9]*\).*/\1/p')
n=${n:-100}
echo "Content-Type: application/octet-stream"
echo "Content-Length: $n"
echo "X-Pid: $PPID"
echo
seq -f %07.0f 0 $((n / 8)) | head -c "$n"
