#!/bin/sh
# A Status: field with a reason phrase, and a header that repeats.
echo "Status: 418 I'm a teapot"
echo "Content-Type: text/plain"
echo "Set-Cookie: a=1"
echo "Set-Cookie: b=2"
echo
echo "short and stout"
