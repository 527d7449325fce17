#!/bin/sh
# The soak's CGI /sleep: answer after s seconds (the stuck request).
s=$(echo "$QUERY_STRING" | sed -n 's/.*s=\([0-9.]*\).*/\1/p')
sleep "${s:-1}"
echo "Content-Type: text/plain"
echo "X-Pid: $PPID"
echo
echo slept
