#!/bin/sh
# An absolute URL: a redirect for the client, 302 by default.
echo "Location: http://example.com/elsewhere"
echo
