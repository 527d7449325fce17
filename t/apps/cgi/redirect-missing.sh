#!/bin/sh
echo "Location: /no-such-script.sh"
echo
