#!/bin/sh
# Malformed output, chosen by PATH_INFO.
case $PATH_INFO in
/no-colon)   printf 'Content-Type: text/plain\nhello there\n\nbody\n' ;;
/body-first) printf 'Hello, World!\n\n' ;;
/no-blank)   printf 'Content-Type: text/plain\n' ;;
/nothing)    exit 3 ;;
/status)     printf 'Status: two hundred\n\nbody\n' ;;
/fold)       printf 'Content-Type: text/plain\n folded: value\n\nbody\n' ;;
/length)     printf 'Content-Length: many\n\nbody\n' ;;
/nph-less)   printf 'Status: 100 Continue\n\n' ;;
/huge)       printf 'X-Big: '; head -c 200000 /dev/zero | tr '\0' a; printf '\n\nbody\n' ;;
esac
