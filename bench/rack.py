#!/usr/bin/env python3
"""Issue 12's benchmark: the Ruby plugin against uWSGI's rack plugin and Puma.

  1. hello-world Rack (bench/apps/hello.ru) over HTTP, 100 connections, one
     worker: weft at its defaults (which never run the GC per request);
     Debian's uWSGI rack plugin with --ruby-gc-freq 1000 (its default runs
     the GC after every request) over --http11-socket (keep-alive, the fair
     comparison) and --http-socket; and Puma with one thread (-t 1:1).
  2. when fiber.so is built: 1,000 concurrent one-second sleeps
     (bench/apps/sleep_uwsgi.ru: UWSGI.async_sleep(1) then UWSGI.suspend)
     under weft --fiber --async 1000 on one worker, and the worker's peak
     RSS; the same with plain Kernel#sleep (bench/apps/sleep_plain.ru: the
     fiber scheduler switches); uWSGI --fiber beside it when Debian ships
     its fiber plugin (apt-get install uwsgi-plugin-fiber).

Every server runs without an access log.  wrk keeps each of the 1,000
connections busy, so a D-second sleep run completes at most D - 1 rounds
(the 60 s default: a ceiling of 983/s).

Run from the build tree (weft and .plugins/ built):
    python3 bench/rack.py [hello-seconds [sleep-seconds]]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (BASELINE, HERE, MEMORY, PLUGIN_DIR, case, have, ratio,  # noqa: E402
                      table, uwsgi_plugin, weft_serving)

HELLO_SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
SLEEP_SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 60
HELLO = os.path.join(HERE, "apps", "hello.ru")
SLEEP = os.path.join(HERE, "apps", "sleep_uwsgi.ru")
SLEEP_PLAIN = os.path.join(HERE, "apps", "sleep_plain.ru")


def weft_argv(port, app, *extra, build=None):
    """weft serving app; build=BASELINE runs the earlier build."""
    return weft_serving(port, ["--rack", app], extra, build)


def uwsgi_argv(port, app, socket_opt, *extra):
    return ["uwsgi", "--plugin", "rack_ruby31", socket_opt, "127.0.0.1:%d" % port,
            "--rack", app, "--disable-logging", "--listen", "4096"] + list(extra)


def puma_argv(port):
    return ["puma", "-e", "production", "-t", "1:1", "-w", "0", "-q",
            "-b", "tcp://127.0.0.1:%d?backlog=4096" % port, HELLO]


def hello():
    rows = []
    case("weft", lambda p: weft_argv(p, HELLO), rows, HELLO_SECONDS)
    if BASELINE:
        b = BASELINE
        case("weft %s" % b["name"], lambda p: weft_argv(p, HELLO, build=b), rows, HELLO_SECONDS)
    if uwsgi_plugin("rack_ruby31"):
        case("uWSGI --http11-socket gc-freq 1000",
             lambda p: uwsgi_argv(p, HELLO, "--http11-socket", "--ruby-gc-freq", "1000"),
             rows, HELLO_SECONDS)
        case("uWSGI --http-socket gc-freq 1000",
             lambda p: uwsgi_argv(p, HELLO, "--http-socket", "--ruby-gc-freq", "1000"),
             rows, HELLO_SECONDS)
    else:
        print("# uWSGI's rack plugin is missing (apt-get install uwsgi-core uwsgi-plugin-rack-ruby3.1)")
    if have("puma"):
        case("Puma -t 1:1", puma_argv, rows, HELLO_SECONDS)
    else:
        print("# puma is missing (apt-get install puma)")
    table("hello-world Rack, HTTP, 100 connections, one worker, %ds" % HELLO_SECONDS, rows,
          "weft")
    print("weft / uWSGI --http11-socket --ruby-gc-freq 1000: %s (target >= 3.5x)"
          % ratio(rows, "weft", "uWSGI --http11-socket gc-freq 1000"))
    print("weft / uWSGI --http-socket --ruby-gc-freq 1000:   %s"
          % ratio(rows, "weft", "uWSGI --http-socket gc-freq 1000"))
    print("weft / Puma -t 1:1:                              %s (target >= 8x)"
          % ratio(rows, "weft", "Puma -t 1:1"))
    if BASELINE:
        n = BASELINE["name"]
        print("weft / weft %s:                                 %s" % (n, ratio(rows, "weft", "weft " + n)))


def sleeps():
    if not os.path.exists(os.path.join(PLUGIN_DIR, "fiber.so")):
        print("\n# fiber.so is not built: no sleep case")
        return
    rows = []
    case("weft --fiber --async 1000", lambda p: weft_argv(p, SLEEP, "--fiber", "--async", "1000"),
         rows, SLEEP_SECONDS, connections=1000, rss=True, warmup=0)
    case("weft --fiber --async 1000, Kernel#sleep",
         lambda p: weft_argv(p, SLEEP_PLAIN, "--fiber", "--async", "1000"),
         rows, SLEEP_SECONDS, connections=1000, rss=True, warmup=0)
    if uwsgi_plugin("fiber"):
        case("uWSGI --fiber --async 1000",
             lambda p: ["uwsgi", "--plugin", "rack_ruby31,fiber", "--http-socket",
                        "127.0.0.1:%d" % p, "--rack", SLEEP, "--async", "1000", "--fiber",
                        "--listen", "4096", "--disable-logging", "--master", "--processes", "1"],
             rows, SLEEP_SECONDS, connections=1000, rss=True, warmup=0)
    table("1000 concurrent one-second sleeps, one worker, %ds" % SLEEP_SECONDS, rows,
          "weft --fiber --async 1000")
    ceiling = 1000.0 * (SLEEP_SECONDS - 1) / SLEEP_SECONDS
    for name in ("weft --fiber --async 1000", "weft --fiber --async 1000, Kernel#sleep"):
        got = next((r[1] for r in rows if r[0] == name), 0)
        print("%s: %.3f of the ceiling %.0f/s (target >= 0.98)" % (name, got / ceiling, ceiling))
    for name, (peak, after) in MEMORY.items():
        print("%s: worker RSS peak %.1f MiB, %.1f MiB after 3 s" % (name, peak, after))


def main():
    if not os.path.exists(os.path.join(PLUGIN_DIR, "ruby.so")):
        sys.exit("build weft and the ruby plugin first (make)")
    hello()
    if SLEEP_SECONDS > 0:       # "rack.py 10 0": the hello-world table only
        sleeps()


if __name__ == "__main__":
    main()
