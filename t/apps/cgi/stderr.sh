#!/bin/sh
# Lines on stderr go to the server log, one log line each.
echo "first complaint" >&2
echo "Content-Type: text/plain"
echo
echo "see the log"
printf 'second complaint\nthird complaint' >&2
