#!/bin/sh
echo "Location: /redirect-loop.sh"
echo
