#!/bin/sh
# The smallest CGI script: a header, the blank line, a body.
echo "Content-Type: text/plain"
echo
echo "Hello, World!"
