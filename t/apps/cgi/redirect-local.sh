#!/bin/sh
# A local redirect (RFC 3875 6.2.2): the server runs the target instead.
echo "Location: /target.sh/extra%20path?from=redirect&x=%41"
echo
echo "this body is discarded"
