#!/usr/bin/env python3
"""Issue 3's benchmark: the request engine with the C test plugin.

  1. hello over HTTP keep-alive (100 connections): weft without an engine,
     weft --async 100 --ugreen, nginx's `return 200`;
  2. 1000 concurrent one-second sleeps on one worker: weft --async 1000
     --ugreen against uWSGI --async 1000 with greenlet and with ugreen;
  3. the idle resident memory of a weft worker with --async 1000 --ugreen.

Run from the build tree after `make check` (which builds the test plugin):
    python3 bench/engine.py [seconds] [sleep-seconds]

The sleep case wants a long run (default 60 s): wrk starts all 1,000
connections at once, so a run of D seconds completes at most D-1 rounds.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (BASELINE, HERE, PLUGIN_DIR, TEST_PLUGINS, WEFT, Server,  # noqa: E402
                      free_port, have, run_case, table)

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
SLEEP_SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 60
TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")


def weft_argv(port, *extra, build=None):
    """weft with the C test plugin; build=BASELINE runs the earlier build."""
    weft, plugins, app = WEFT, PLUGIN_DIR, TESTAPP
    if build:
        weft, plugins = build["weft"], build["plugin_dir"]
        app = os.path.join(build["test_plugins"], "testapp.so")
    return [weft, "--plugin-dir", plugins, "--plugin", app, "--disable-logging",
            "--http-socket", "127.0.0.1:%d" % port, "--listen", "4096"] + list(extra)


def nginx_argv(port):
    d = tempfile.mkdtemp(prefix="bench-nginx-")
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write("""worker_processes 1; daemon off; error_log %s/error.log; pid %s/nginx.pid;
events { worker_connections 4096; }
http { access_log off;
  server { listen 127.0.0.1:%d; location / { return 200 "Hello, World!"; } } }
""" % (d, d, port))
    return ["nginx", "-c", os.path.join(d, "nginx.conf"), "-p", d]


def uwsgi_sleep_argv(port, engine):
    argv = ["uwsgi", "--plugin", "python3", "--http-socket", "127.0.0.1:%d" % port,
            "--wsgi-file", os.path.join(HERE, "apps", "sleep_uwsgi.py"), "--async", "1000",
            "--listen", "4096", "--disable-logging", "--master", "--processes", "1"]
    if engine == "greenlet":
        argv[2] = "python3,greenlet_python3"
        argv += ["--greenlet"]
    else:
        argv[2] = "python3,ugreen"
        argv += ["--ugreen"]
    return argv


def case(name, argv_fn, path, rows, connections=100, rss=False, duration=None, **kw):
    port = free_port()
    run_case(name, argv_fn(port), port, path, rows, connections=connections,
             duration=duration or SECONDS, rss=rss, **kw)


def main():
    if not os.path.exists(TESTAPP):
        sys.exit("build the test plugin first: make check (or make t/plugins/testapp.la)")

    rows = []
    case("weft, no engine", lambda p: weft_argv(p), "/hello", rows)
    case("weft --async 100 --ugreen", lambda p: weft_argv(p, "--async", "100", "--ugreen"),
         "/hello", rows)
    if BASELINE:
        b = BASELINE
        case("weft %s, no engine" % b["name"], lambda p: weft_argv(p, build=b), "/hello", rows)
        case("weft %s --async 100 --ugreen" % b["name"],
             lambda p: weft_argv(p, "--async", "100", "--ugreen", build=b), "/hello", rows)
    if have("nginx"):
        case("nginx return 200", nginx_argv, "/hello", rows)
    table("hello, HTTP keep-alive, 100 connections, %ds" % SECONDS, rows, "nginx return 200")

    rows = []
    case("weft --async 1000 --ugreen",
         lambda p: weft_argv(p, "--async", "1000", "--ugreen"), "/sleep?s=1", rows,
         connections=1000, rss=True, warmup=0, duration=SLEEP_SECONDS)
    if have("uwsgi"):
        for engine in ("greenlet", "ugreen"):
            case("uWSGI --async 1000 --%s" % engine,
                 lambda p, e=engine: uwsgi_sleep_argv(p, e), "/", rows, connections=1000,
                 rss=True, warmup=0, duration=SLEEP_SECONDS)
    table("1000 concurrent one-second sleeps, one worker, %ds" % SLEEP_SECONDS, rows,
          "weft --async 1000 --ugreen")

    port = free_port()
    s = Server("weft idle", weft_argv(port, "--async", "1000", "--ugreen"), port)
    time.sleep(1)
    print("\nidle worker, --async 1000 --ugreen: %.1f MiB resident" % (s.rss_kib() / 1024.0))
    s.stop()


if __name__ == "__main__":
    main()
