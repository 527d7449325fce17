#!/usr/bin/env python3
"""Issue 13's benchmark: the Perl plugin against uWSGI's psgi plugin,
Feersum and Starman.

  hello-world PSGI (bench/apps/hello.psgi) over HTTP, 100 connections, one
  worker: weft at its defaults; Debian's uWSGI psgi plugin over
  --http11-socket (keep-alive, the fair comparison) and --http-socket;
  Feersum (EV, plackup mode, no pre-fork) and Starman with one worker.
  The ratios of weft to each are printed under the table.

  1,000 concurrent one-second sleeps on one worker (coroae.so's section):
  weft --coroae 1000 with uwsgi::async_sleep(1) then uwsgi::suspend()
  (bench/apps/sleep_coroae.psgi), with Coro::AnyEvent::sleep(1)
  (sleep_coro.psgi), and with an AnyEvent timer and a delayed response
  (sleep_twiggy.psgi), which Twiggy serves beside them; each row has the
  worker's peak resident memory.  wrk keeps every connection busy, so a
  D-second run completes at most D-1 rounds: the ceiling is 1000 (D-1) / D
  requests/s, and the target for weft is 0.98 of it.

Every server runs without an access log, pinned to one CPU with wrk on the
other (benchlib).

Run from the build tree (weft and .plugins/ built):
    python3 bench/psgi.py [hello-seconds [sleep-seconds]]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (BASELINE, HERE, MEMORY, PLUGIN_DIR, case, have, ratio,  # noqa: E402
                      table, uwsgi_plugin, weft_serving)

HELLO_SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
SLEEP_SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 60
HELLO = os.path.join(HERE, "apps", "hello.psgi")


def weft_argv(port, app, *extra, build=None):
    """weft serving app; build=BASELINE runs the earlier build."""
    return weft_serving(port, ["--psgi", app], extra, build)


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


# ------------------------------------------------------------------ coroae

SLEEP_COROAE = os.path.join(HERE, "apps", "sleep_coroae.psgi")
SLEEP_CORO = os.path.join(HERE, "apps", "sleep_coro.psgi")
SLEEP_TWIGGY = os.path.join(HERE, "apps", "sleep_twiggy.psgi")


def twiggy_argv(port):
    return ["twiggy", "--listen", "127.0.0.1:%d" % port, "--backlog", "4096", SLEEP_TWIGGY]


def sleep_case(name, argv_fn, rows):
    case(name, argv_fn, rows, SLEEP_SECONDS, connections=1000, rss=True, warmup=0)


def sleeps():
    rows = []
    if not os.path.exists(os.path.join(PLUGIN_DIR, "coroae.so")):
        print("# coroae.so is not built (apt-get install libcoro-perl libanyevent-perl "
              "libev-perl, then re-run configure)")
        return
    for label, app in (("async_sleep", SLEEP_COROAE), ("Coro sleep", SLEEP_CORO),
                       ("AE timer", SLEEP_TWIGGY)):
        sleep_case("weft --coroae 1000 (%s)" % label,
                   lambda p, a=app: weft_argv(p, a, "--coroae", "1000"), rows)
    if have("twiggy"):
        sleep_case("Twiggy (AE timer)", twiggy_argv, rows)
    else:
        print("# twiggy is missing (apt-get install twiggy)")
    base = "weft --coroae 1000 (async_sleep)"
    table("1000 concurrent one-second sleeps, one worker, %ds" % SLEEP_SECONDS, rows, base)
    ceiling = 1000.0 * (SLEEP_SECONDS - 1) / SLEEP_SECONDS
    print("ceiling: %d rounds of 1000 in %ds = %.0f requests/s; target: weft >= 0.98 of it"
          % (SLEEP_SECONDS - 1, SLEEP_SECONDS, ceiling))
    for name, rps, _, _ in rows:
        print("  %-50s %.3f of the ceiling" % (name, rps / ceiling))
    twiggy = MEMORY.get("Twiggy (AE timer)")
    if twiggy:
        for name, mem in MEMORY.items():
            if name.startswith("weft --coroae"):
                print("  %-50s worker RSS peak %.1f MiB, %.2f of Twiggy's %.1f MiB"
                      % (name, mem[0], mem[0] / twiggy[0], twiggy[0]))


def main():
    if not os.path.exists(os.path.join(PLUGIN_DIR, "perl.so")):
        sys.exit("build weft and the perl plugin first (make)")
    hello()
    if SLEEP_SECONDS > 0:       # "psgi.py 10 0": the hello-world table only
        sleeps()


if __name__ == "__main__":
    main()
