#!/bin/sh
# CRLF line ends, a Content-Length, a bare status code.
printf "Status: 201\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\ncreated"
