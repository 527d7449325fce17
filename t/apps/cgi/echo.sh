#!/bin/sh
# The request body back, and what the script knew about it.
echo "Content-Type: application/octet-stream"
echo "X-Content-Length: ${CONTENT_LENGTH:-none}"
echo "X-Method: $REQUEST_METHOD"
echo
exec cat
