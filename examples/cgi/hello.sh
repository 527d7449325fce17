#!/bin/sh
# examples/cgi/hello.sh - a CGI script: header lines, a blank line, the body.
#
# From the build tree:
#   ./weft --plugin-dir .plugins --http-socket :8080 --cgi examples/cgi
#   curl 'http://localhost:8080/hello.sh/some/path?name=you'
echo "Content-Type: text/plain"
echo
echo "Hello from a CGI script!"
echo "script:     $SCRIPT_NAME"
echo "path info:  $PATH_INFO"
echo "query:      $QUERY_STRING"
echo "client:     $REMOTE_ADDR"
echo "server:     $SERVER_SOFTWARE"
