#!/bin/sh
# An absolute URL with "Status: 200" is still a redirect (Apache's way).
echo "Status: 200 OK"
echo "Location: https://example.com/"
echo
