#!/usr/bin/env python3
"""Issue 13's benchmark: the Perl plugin against uWSGI's psgi plugin,
Feersum and Starman.

  hello-world PSGI (bench/apps/hello.psgi) over HTTP, 100 connections, one
  worker: weft at its defaults; Debian's uWSGI psgi plugin over
  --http11-socket (keep-alive, the fair comparison) and --http-socket;
  Feersum (EV, plackup mode, no pre-fork) and Starman with one worker.
  The ratios of weft to each are printed under the table.

Every server runs without an access log, pinned to one CPU with wrk on the
other (benchlib).  The --coroae cases (1,000 concurrent one-second sleeps,
Twiggy beside them) are coroae.so's, in its own section of this file.

Run from the build tree (weft and .plugins/ built):
    python3 bench/psgi.py [hello-seconds]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (BASELINE, HERE, PLUGIN_DIR, WEFT, case, have,  # noqa: E402
                      ratio, table)

HELLO_SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
HELLO = os.path.join(HERE, "apps", "hello.psgi")
UWSGI_PLUGINS = ("/usr/lib/uwsgi/plugins", "/usr/lib/uwsgi")


def uwsgi_plugin(name):
    return have("uwsgi") and any(os.path.exists(os.path.join(d, name + "_plugin.so"))
                                 for d in UWSGI_PLUGINS)


def weft_argv(port, app, *extra, build=None):
    """weft serving app; build=BASELINE runs the earlier build."""
    weft, plugins = (build["weft"], build["plugin_dir"]) if build else (WEFT, PLUGIN_DIR)
    return [weft, "--plugin-dir", plugins, "--psgi", app,
            "--http-socket", "127.0.0.1:%d" % port, "--listen", "4096",
            "--disable-logging"] + list(extra)


def uwsgi_argv(port, socket_opt):
    return ["uwsgi", "--plugin", "psgi", socket_opt, "127.0.0.1:%d" % port,
            "--psgi", HELLO, "--disable-logging", "--listen", "4096"]


def feersum_argv(port):
    return ["feersum", "--listen", "127.0.0.1:%d" % port, HELLO]


def starman_argv(port):
    return ["starman", "--workers", "1", "--backlog", "4096",
            "--listen", "127.0.0.1:%d" % port, HELLO]


def hello():
    rows = []
    case("weft", lambda p: weft_argv(p, HELLO), rows, HELLO_SECONDS)
    if BASELINE:
        b = BASELINE
        case("weft %s" % b["name"], lambda p: weft_argv(p, HELLO, build=b), rows, HELLO_SECONDS)
    if uwsgi_plugin("psgi"):
        case("uWSGI --http11-socket", lambda p: uwsgi_argv(p, "--http11-socket"), rows,
             HELLO_SECONDS)
        case("uWSGI --http-socket", lambda p: uwsgi_argv(p, "--http-socket"), rows,
             HELLO_SECONDS)
    else:
        print("# uWSGI's psgi plugin is missing (apt-get install uwsgi-core uwsgi-plugin-psgi)")
    if have("feersum"):
        case("Feersum", feersum_argv, rows, HELLO_SECONDS)
    else:
        print("# feersum is missing (apt-get install feersum)")
    if have("starman"):
        case("Starman --workers 1", starman_argv, rows, HELLO_SECONDS)
    else:
        print("# starman is missing (apt-get install starman)")
    table("hello-world PSGI, HTTP, 100 connections, one worker, %ds" % HELLO_SECONDS, rows,
          "weft")
    print("weft / uWSGI --http11-socket: %s (target >= 3.5x)"
          % ratio(rows, "weft", "uWSGI --http11-socket"))
    print("weft / uWSGI --http-socket:   %s" % ratio(rows, "weft", "uWSGI --http-socket"))
    print("weft / Feersum:               %s (target >= 3.5x)" % ratio(rows, "weft", "Feersum"))
    print("weft / Starman --workers 1:   %s" % ratio(rows, "weft", "Starman --workers 1"))
    if BASELINE:
        n = BASELINE["name"]
        print("weft / weft %s:             %s" % (n, ratio(rows, "weft", "weft " + n)))


def main():
    if not os.path.exists(os.path.join(PLUGIN_DIR, "perl.so")):
        sys.exit("build weft and the perl plugin first (make)")
    hello()


if __name__ == "__main__":
    main()
