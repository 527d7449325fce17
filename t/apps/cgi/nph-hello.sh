#!/bin/sh
# A non-parsed-header script: its output starts with the status line.
printf "HTTP/1.1 202 Accepted\r\nContent-Type: text/plain\r\nX-Nph: yes\r\n\r\nnph body\n"
