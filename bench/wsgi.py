#!/usr/bin/env python3
"""Issue 6's benchmark: the Python plugin against uWSGI and gunicorn.

  1. hello-world WSGI (bench/apps/hello_uwsgi.py) over HTTP, 100
     connections, one worker: weft; Debian's uWSGI with --http-socket (no
     keep-alive: every request pays a new connection) and with
     --http11-socket (keep-alive, the fair comparison); gunicorn's sync
     worker (which closes every connection too);
  2. 1,000 concurrent one-second sleeps (bench/apps/sleep_uwsgi.py:
     uwsgi.async_sleep(1) then uwsgi.suspend()) on one worker: weft with
     uGreen, greenlet and gevent, uWSGI with greenlet and with uGreen; and,
     since uWSGI's gevent mode returns from uwsgi.async_sleep() at once,
     gevent.sleep(1) (bench/apps/sleep_gevent.py) under weft's and uWSGI's
     gevent; and each worker's resident memory: its peak (VmHWM) and what
     it holds 3 s after the run; and, for scale, the floor under the
     greenlet engine: CPython embedded alone with 1,000 greenlets suspended
     in a one-frame app (bench/floor/greenlet_floor.c), no server at all.

Every server runs without an access log (uWSGI --disable-logging, weft
--disable-logging; gunicorn logs no requests by default).

weft --gevent 1000 and uWSGI --gevent 1000 also serve the hello-world case.

wrk opens all 1,000 connections at once and each completes one request a
second, so a run of D seconds can count at most D - 1 requests per
connection: the sleep case runs 60 s by default (a ceiling of 983/s).

Run from the build tree (weft and .plugins/ built):
    python3 bench/wsgi.py [hello-seconds [sleep-seconds]]
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (BASELINE, HERE, MEMORY, PLUGIN_DIR, SERVER_CPU,  # noqa: E402
                      case, have, ratio, table, uwsgi_plugin, weft_serving)

HELLO_SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
SLEEP_SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 60
HELLO = os.path.join(HERE, "apps", "hello_uwsgi.py")
SLEEP = os.path.join(HERE, "apps", "sleep_uwsgi.py")
SLEEP_GEVENT = os.path.join(HERE, "apps", "sleep_gevent.py")
UWSGI_GEVENT = ["--plugin", "python3,gevent_python3", "--gevent", "1000"]


def weft_argv(port, app, *extra, build=None):
    """weft serving app; build=BASELINE runs the earlier build."""
    return weft_serving(port, ["--plugin", "python", "--wsgi-file", app], extra, build)


def uwsgi_argv(port, app, socket_opt, *extra):
    return ["uwsgi", "--plugin", "python3", socket_opt, "127.0.0.1:%d" % port,
            "--wsgi-file", app, "--disable-logging", "--listen", "4096"] + list(extra)


def have_gevent():
    """weft's gevent.so is built."""
    return os.path.exists(os.path.join(PLUGIN_DIR, "gevent.so"))


def have_uwsgi_gevent():
    """Debian's uwsgi-plugin-gevent-python3 is installed."""
    return uwsgi_plugin("gevent_python3")


def gunicorn_argv(port):
    return ["gunicorn", "-w", "1", "-b", "127.0.0.1:%d" % port, "--backlog", "4096",
            "--chdir", os.path.dirname(HELLO), "hello_uwsgi:application"]


def hello():
    rows = []
    case("weft", lambda p: weft_argv(p, HELLO), rows, HELLO_SECONDS)
    if have_gevent():
        case("weft --gevent 1000", lambda p: weft_argv(p, HELLO, "--gevent", "1000"), rows,
             HELLO_SECONDS)
    if BASELINE:
        b = BASELINE
        case("weft %s" % b["name"], lambda p: weft_argv(p, HELLO, build=b), rows, HELLO_SECONDS)
        if have_gevent():
            case("weft %s --gevent 1000" % b["name"],
                 lambda p: weft_argv(p, HELLO, "--gevent", "1000", build=b), rows,
                 HELLO_SECONDS)
    if have("uwsgi"):
        case("uWSGI --http-socket", lambda p: uwsgi_argv(p, HELLO, "--http-socket"), rows,
             HELLO_SECONDS)
        case("uWSGI --http11-socket", lambda p: uwsgi_argv(p, HELLO, "--http11-socket"), rows,
             HELLO_SECONDS)
    if have_uwsgi_gevent():
        case("uWSGI --http-socket --gevent 1000",
             lambda p: uwsgi_argv(p, HELLO, "--http-socket", *UWSGI_GEVENT), rows,
             HELLO_SECONDS)
    if have("gunicorn"):
        case("gunicorn -w 1 (sync)", gunicorn_argv, rows, HELLO_SECONDS)
    table("hello-world WSGI, HTTP, 100 connections, one worker, %ds" % HELLO_SECONDS, rows,
          "weft")
    print("weft / uWSGI --http-socket:   %s (target >= 3.0x)"
          % ratio(rows, "weft", "uWSGI --http-socket"))
    print("weft / uWSGI --http11-socket: %s (keep-alive on both sides)"
          % ratio(rows, "weft", "uWSGI --http11-socket"))
    print("weft / gunicorn:              %s (target >= 8x)"
          % ratio(rows, "weft", "gunicorn -w 1 (sync)"))
    print("weft --gevent / uWSGI --gevent: %s"
          % ratio(rows, "weft --gevent 1000", "uWSGI --http-socket --gevent 1000"))
    if BASELINE:
        n = BASELINE["name"]
        print("weft / weft %s:                 %s" % (n, ratio(rows, "weft", "weft " + n)))
        print("weft --gevent / weft %s --gevent: %s"
              % (n, ratio(rows, "weft --gevent 1000", "weft %s --gevent 1000" % n)))


def sleep_case(name, argv_fn, rows):
    case(name, argv_fn, rows, SLEEP_SECONDS, connections=1000, rss=True, warmup=0)


def sleeps():
    rows = []
    for engine in ("ugreen", "greenlet"):
        sleep_case("weft --async 1000 --%s" % engine,
                   lambda p, e=engine: weft_argv(p, SLEEP, "--async", "1000", "--" + e), rows)
    if have_gevent():
        sleep_case("weft --gevent 1000", lambda p: weft_argv(p, SLEEP, "--gevent", "1000"),
                   rows)
        sleep_case("weft --gevent 1000 (gevent.sleep)",
                   lambda p: weft_argv(p, SLEEP_GEVENT, "--gevent", "1000"), rows)
    if have("uwsgi"):
        for engine in ("greenlet", "ugreen"):
            plugins = "python3,greenlet_python3" if engine == "greenlet" else "python3,ugreen"
            sleep_case("uWSGI --async 1000 --%s" % engine,
                       lambda p, e=engine, pl=plugins: ["uwsgi", "--plugin", pl, "--http-socket",
                                                        "127.0.0.1:%d" % p, "--wsgi-file", SLEEP,
                                                        "--async", "1000", "--" + e, "--listen",
                                                        "4096", "--disable-logging", "--master",
                                                        "--processes", "1"],
                       rows)
    if have_uwsgi_gevent():
        sleep_case("uWSGI --gevent 1000 (gevent.sleep)",
                   lambda p: ["uwsgi"] + UWSGI_GEVENT + [
                       "--http-socket", "127.0.0.1:%d" % p, "--wsgi-file", SLEEP_GEVENT,
                       "--listen", "4096", "--disable-logging", "--master", "--processes", "1"],
                   rows)
    table("1000 concurrent one-second sleeps, one worker, %ds" % SLEEP_SECONDS, rows,
          "weft --async 1000 --greenlet")
    print("targets: >= 980 requests/s on each weft engine; weft's greenlet worker RSS "
          "<= half of uWSGI's greenlet worker")
    weft_mem = MEMORY.get("weft --async 1000 --greenlet")
    uwsgi_mem = MEMORY.get("uWSGI --async 1000 --greenlet")
    if weft_mem and uwsgi_mem:
        print("weft greenlet / uWSGI greenlet, worker RSS: peak %.2f, after 3 s %.2f"
              % (weft_mem[0] / uwsgi_mem[0], weft_mem[1] / uwsgi_mem[1]))
        floor = greenlet_floor(1000)
        if floor:
            print("floor: CPython + greenlet alone, 1000 greenlets suspended: %.1f MiB "
                  "(%.2f of uWSGI's peak)" % (floor, floor / uwsgi_mem[0]))


def greenlet_floor(n):
    """Resident MiB of bench/floor/greenlet_floor.c run with n greenlets, or
    None when it cannot be built (no C compiler or python3-config)."""
    python = os.environ.get("PYTHON", "/usr/bin/python3")
    src = os.path.join(HERE, "floor", "greenlet_floor.c")
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "greenlet_floor")
        try:
            flags = subprocess.run([python + "-config", "--cflags", "--ldflags", "--embed"],
                                   capture_output=True, text=True, check=True).stdout.split()
            subprocess.run(["cc", "-O2", src, "-o", exe] + flags, check=True,
                           capture_output=True)
            out = subprocess.run(["taskset", "-c", SERVER_CPU, exe, str(n), python],
                                 capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return None
    return int(out.split()[-1]) / 1024.0


def main():
    if not os.path.exists(os.path.join(PLUGIN_DIR, "python.so")):
        sys.exit("build weft and the python plugin first (make)")
    hello()
    if SLEEP_SECONDS > 0:       # "wsgi.py 10 0": the hello-world table only
        sleeps()


if __name__ == "__main__":
    main()
