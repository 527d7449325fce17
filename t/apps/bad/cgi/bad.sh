#!/bin/sh
# A CGI script that misbehaves in the way PATH_INFO names
# (t/integration/test_bad_apps.py); /ok and /pid behave.
part() { head -c 34000 /dev/zero | tr '\0' p; }
case $PATH_INFO in
/ok)       echo "stderr of the script" >&2; printf 'Content-Type: text/plain\n\nok' ;;
/pid)      printf 'Content-Type: text/plain\n\n%s' "$PPID" ;;
/header_type)      printf 'Content-Type: text/plain\nX-A\n\nx' ;;
/header_crlf)      printf 'Content-Type: text/plain\nX-A: a\rSet-Cookie: evil=1\n\nx' ;;
/header_nul_name)  printf 'Content-Type: text/plain\nX-\000A: v\n\nx' ;;
/header_nul_value) printf 'Content-Type: text/plain\nX-A: a\000b\n\nx' ;;
/status_nodigits)  printf 'Status: OK\nContent-Type: text/plain\n\nx' ;;
/raise_before)     echo "the script failed before its head" >&2; exit 1 ;;
/raise_after_chunked)
    printf 'Content-Type: text/plain\n\n'; part; sleep 0.2
    echo "the script failed halfway" >&2; exit 1 ;;
/raise_after_length)
    printf 'Content-Type: text/plain\nContent-Length: 100000\n\n'; part; sleep 0.2
    echo "the script failed halfway" >&2; exit 1 ;;
/close_stdin)  exec 0<&-; printf 'Content-Type: text/plain\n\nok' ;;
/close_stderr) exec 2>&-; printf 'Content-Type: text/plain\n\nok' ;;
/close_stdout) exec 1>&-; sleep 0.2 ;;
/fork_exit)    (exit 0) & printf 'Content-Type: text/plain\n\nparent %s' $$ ;;
/fork_return)  (printf 'Content-Type: text/plain\n\nchild') & wait; printf 'parent %s' $$ ;;
/fork_linger)  sleep 60 & printf 'Content-Type: text/plain\n\nparent %s' $$ ;;
*) printf 'Status: 404 Not Found\nContent-Type: text/plain\n\nno such case' ;;
esac
