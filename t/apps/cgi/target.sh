#!/bin/sh
# The target of redirect-local.sh: what the redirected request looks like.
echo "Content-Type: text/plain"
echo
echo "target"
echo "method=$REQUEST_METHOD"
echo "query=$QUERY_STRING"
echo "path_info=$PATH_INFO"
echo "script_name=$SCRIPT_NAME"
echo "redirect_url=$REDIRECT_URL"
echo "content_length=${CONTENT_LENGTH:-unset}"
