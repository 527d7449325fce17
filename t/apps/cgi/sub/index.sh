#!/bin/sh
echo "Content-Type: text/plain"
echo
echo "index of sub"
echo "script_name=$SCRIPT_NAME"
echo "path_info=$PATH_INFO"
