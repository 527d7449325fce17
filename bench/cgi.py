#!/usr/bin/env python3
"""Issue 5's benchmark: a hello-world shell CGI script through weft and
through Debian's uWSGI CGI plugin, in one run.

  1. one request at a time per worker: weft without --async, uWSGI without;
  2. --async 10 --ugreen, both.

uWSGI's --http-socket closes the connection after every response (wrk
counts each close as a read error); weft keeps it open, so weft also runs
with "Connection: close" on every request, to show what keep-alive is worth.

Run from the build tree after `make`:
    python3 bench/cgi.py [seconds]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import HERE, PLUGIN_DIR, WEFT, free_port, have, run_case, table  # noqa: E402

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
APPS = os.path.join(HERE, "apps", "cgi")
CLOSE = os.path.join(APPS, "close.lua")
UWSGI_CGI = "/usr/lib/uwsgi/plugins/cgi_plugin.so"


def weft_argv(port, *extra):
    return [WEFT, "--plugin-dir", PLUGIN_DIR, "--cgi", APPS,
            "--http-socket", "127.0.0.1:%d" % port, "--listen", "4096"] + list(extra)


def uwsgi_argv(port, *extra):
    plugins = "cgi,ugreen" if "--ugreen" in extra else "cgi"
    return ["uwsgi", "--plugin", plugins, "--cgi", APPS, "--http-socket", "127.0.0.1:%d" % port,
            "--http-socket-modifier1", "9", "--listen", "4096", "--disable-logging",
            "--master", "--processes", "1", "--die-on-term"] + list(extra)


def case(name, argv_fn, rows, script=None):
    port = free_port()
    run_case(name, argv_fn(port), port, "/hello.sh", rows, duration=SECONDS, script=script)


def main():
    if not os.path.exists(os.path.join(PLUGIN_DIR, "cgi.so")):
        sys.exit("build weft and its cgi plugin first: make")
    uwsgi = have("uwsgi") and os.path.exists(UWSGI_CGI)
    if not uwsgi:
        print("# uWSGI's CGI plugin is not installed (apt-get install uwsgi-plugins-all)")

    for title, extra, base in (
            ("one request at a time", (), "uWSGI --cgi"),
            ("--async 10 --ugreen", ("--async", "10", "--ugreen"),
             "uWSGI --cgi --async 10 --ugreen")):
        rows = []
        label = " " + " ".join(extra) if extra else ""
        case("weft --cgi" + label, lambda p: weft_argv(p, *extra), rows)
        case("weft --cgi%s, Connection: close" % label, lambda p: weft_argv(p, *extra),
             rows, script=CLOSE)
        if uwsgi:
            case("uWSGI --cgi" + label, lambda p: uwsgi_argv(p, *extra), rows)
        table("hello.sh through CGI, %s, 100 connections, %ds" % (title, SECONDS), rows, base)


if __name__ == "__main__":
    main()
