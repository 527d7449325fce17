#!/usr/bin/env python3
"""Issue 12's fiber benchmark: 1,000 concurrent one-second sleeps on one
worker, weft --fiber against uWSGI --fiber (Debian's uwsgi-plugin-fiber on
uwsgi-plugin-rack-ruby3.1) in the same run, with each worker's peak RSS.

  weft --fiber, UWSGI.async_sleep   the uWSGI API, as uWSGI apps sleep
  weft --fiber, Kernel#sleep        plain `sleep 1` (the fiber scheduler)
  uWSGI --fiber, UWSGI.async_sleep  (uWSGI cannot switch on plain sleep)

Run from the build tree after `make`:
    python3 bench/fiber.py [seconds]

wrk opens all 1,000 connections at once and keeps each busy, so a run of
D seconds (default 60) completes at most D-1 rounds: the "of max" column
is requests/s against 1000 * (D-1) / D.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import HERE, PLUGIN_DIR, WEFT, free_port, have, run_case  # noqa: E402

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 60
APP = os.path.join(HERE, "apps", "sleep_fiber.ru")
CORES = 1000


def weft_argv(port):
    return [WEFT, "--plugin-dir", PLUGIN_DIR, "--disable-logging",
            "--http-socket", "127.0.0.1:%d" % port, "--listen", "4096",
            "--rack", APP, "--fiber", "--async", str(CORES)]


def uwsgi_argv(port):
    return ["uwsgi", "--plugins", "rack_ruby31,fiber", "--http-socket", "127.0.0.1:%d" % port,
            "--rack", APP, "--async", str(CORES), "--fiber", "--ruby-gc-freq", "1000",
            "--listen", "4096", "--disable-logging", "--master", "--processes", "1"]


def main():
    rows = []
    for name, argv_fn, path in [
            ("weft --fiber, UWSGI.async_sleep", weft_argv, "/async"),
            ("weft --fiber, Kernel#sleep", weft_argv, "/sleep"),
            ("uWSGI --fiber, UWSGI.async_sleep", uwsgi_argv, "/async")]:
        if argv_fn is uwsgi_argv and not (have("uwsgi") and os.path.exists(
                "/usr/lib/uwsgi/plugins/fiber_plugin.so")):
            print("# %s: skipped (apt-get install uwsgi-plugin-fiber uwsgi-plugin-rack-ruby3.1)"
                  % name)
            continue
        port = free_port()
        run_case(name, argv_fn(port), port, path, rows, connections=CORES,
                 duration=SECONDS, rss=True, warmup=0)
    most = CORES * (SECONDS - 1) / float(SECONDS)
    print("\n1,000 concurrent one-second sleeps, one worker, %ds (most a run can do: %.1f/s)"
          % (SECONDS, most))
    print("%-36s %10s %8s %7s  %s" % ("server", "req/s", "of max", "errors", ""))
    for name, rps, errors, extra in rows:
        print("%-36s %10.1f %7.3f %7d  %s" % (name, rps, rps / most, errors, extra))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
