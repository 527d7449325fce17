#!/bin/sh
# A path with a Status: the client is redirected, with that status.
echo "Status: 303 See Other"
echo "Location: /target.sh"
echo
