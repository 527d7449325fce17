#!/usr/bin/env python3
"""Issue 15 item 1's benchmark: --threads, one worker, in one run.

  1. A WSGI app that blocks 50 ms per request (bench/apps/sleep50.py:
     time.sleep(0.05), which releases the GIL), 32 connections, one
     worker with 8 threads: weft --threads 8, Debian's uWSGI --threads 8
     (over --http11-socket: keep-alive on both sides) and gunicorn
     --worker-class gthread --threads 8.  Eight threads can serve at most
     8 / 0.05 = 160 requests/s; the target is weft >= 0.95 of that.
  2. Hello-world (bench/apps/hello_uwsgi.py), 100 connections: the same
     three with 8 threads, and weft without --threads (what --threads
     costs a server whose app never blocks).

Every server runs without an access log.

Run from the build tree (weft and .plugins/ built):
    python3 bench/threads.py [sleep-seconds [hello-seconds]]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import HERE, PLUGIN_DIR, case, have, ratio, table, weft_serving  # noqa: E402

SLEEP_SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
HELLO_SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
SLEEP = os.path.join(HERE, "apps", "sleep50.py")
HELLO = os.path.join(HERE, "apps", "hello_uwsgi.py")
CEILING = 8 / 0.05


def weft_argv(port, app, *extra):
    return weft_serving(port, ["--plugin", "python", "--wsgi-file", app], extra)


def uwsgi_argv(port, app):
    return ["uwsgi", "--plugin", "python3", "--http11-socket", "127.0.0.1:%d" % port,
            "--wsgi-file", app, "--disable-logging", "--listen", "4096",
            "--master", "--processes", "1", "--threads", "8"]


def gunicorn_argv(port, app):
    return ["gunicorn", "-w", "1", "--worker-class", "gthread", "--threads", "8",
            "-b", "127.0.0.1:%d" % port, "--backlog", "4096",
            "--chdir", os.path.dirname(app),
            os.path.splitext(os.path.basename(app))[0] + ":application"]


def contenders(app, rows, seconds, connections, plain_weft=False):
    case("weft --threads 8", lambda p: weft_argv(p, app, "--threads", "8"), rows, seconds,
         connections=connections)
    if plain_weft:
        case("weft", lambda p: weft_argv(p, app), rows, seconds, connections=connections)
    if have("uwsgi"):
        case("uWSGI --threads 8", lambda p: uwsgi_argv(p, app), rows, seconds,
             connections=connections)
    if have("gunicorn"):
        case("gunicorn gthread --threads 8", lambda p: gunicorn_argv(p, app), rows, seconds,
             connections=connections)


def main():
    if not os.path.exists(os.path.join(PLUGIN_DIR, "python.so")):
        sys.exit("build weft and the python plugin first (make)")
    rows = []
    contenders(SLEEP, rows, SLEEP_SECONDS, 32)
    table("WSGI app blocking 50 ms, HTTP, 32 connections, one worker, 8 threads, %ds"
          % SLEEP_SECONDS, rows, "weft --threads 8")
    weft_rps = next((r[1] for r in rows if r[0] == "weft --threads 8"), 0)
    print("weft --threads 8 / the ceiling of %.0f requests/s: %.2f (target >= 0.95)"
          % (CEILING, weft_rps / CEILING))
    print("weft / uWSGI --threads 8:    %s" % ratio(rows, "weft --threads 8", "uWSGI --threads 8"))
    print("weft / gunicorn gthread:     %s"
          % ratio(rows, "weft --threads 8", "gunicorn gthread --threads 8"))
    if HELLO_SECONDS <= 0:      # "threads.py 20 0": the blocking table only
        return
    rows = []
    contenders(HELLO, rows, HELLO_SECONDS, 100, plain_weft=True)
    table("hello-world WSGI, HTTP, 100 connections, one worker, %ds" % HELLO_SECONDS, rows,
          "weft")
    print("weft --threads 8 / weft:            %s" % ratio(rows, "weft --threads 8", "weft"))
    print("weft --threads 8 / uWSGI --threads 8: %s"
          % ratio(rows, "weft --threads 8", "uWSGI --threads 8"))
    print("weft --threads 8 / gunicorn gthread:  %s"
          % ratio(rows, "weft --threads 8", "gunicorn gthread --threads 8"))


if __name__ == "__main__":
    main()
