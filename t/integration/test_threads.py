"""--threads N: a worker serving N requests at once on N OS threads, for
apps that block (issue 15 item 1).  The app itself observes how many of
its requests run at once (t/apps/python/threads_app.py), so nothing here
asserts a duration."""
import os
import signal
import socket
import subprocess
import threading

import pytest

from weftlib import (SRCDIR, TEST_PLUGINS, http_get, plugin_available, run, wait_for,
                     workers_of)

APPS = os.path.join(SRCDIR, "t", "apps", "python")
APP = os.path.join(APPS, "threads_app.py")
SITES = os.path.join(APPS, "uwsgi_opts")


def need(module, package):
    r = subprocess.run(["/usr/bin/python3", "-c", "import " + module], capture_output=True)
    if r.returncode != 0:
        pytest.fail("%s is needed: apt-get install %s" % (module, package))


def at_once(w, paths, timeout=60):
    """GET every path at the same time, each on its own connection; the
    responses, in order."""
    out = [None] * len(paths)

    def one(i, p):
        try:
            out[i] = http_get(w, p, timeout=timeout)
        except OSError as e:
            out[i] = e
    ts = [threading.Thread(target=one, args=(i, p)) for i, p in enumerate(paths)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout + 5)
    return out


def peak(w):
    return int(http_get(w, "/peak").body)


def test_eight_requests_block_at_once_on_eight_threads(weft):
    w = weft("--wsgi-file", APP, "--threads", "8")
    w.wait_log(r"worker 1 ready \(pid \d+, 8 threads\)")
    # 16 sleeping requests: the app sees 8 of them inside it at once (the
    # eight threads), never more (one request per thread).
    rs = at_once(w, ["/sleep?s=1"] * 16)
    assert all(getattr(r, "status", None) == 200 for r in rs), rs
    assert peak(w) == 8
    # Each request says how many were in flight when it started: 8 at most.
    assert max(int(r.body.split(b"inflight=")[1].split()[0]) for r in rs) == 8
    r = http_get(w, "/thread")
    assert b"multithread=True" in r.body


def test_without_threads_one_request_at_a_time(weft):
    w = weft("--wsgi-file", APP)
    rs = at_once(w, ["/sleep?s=0.3"] * 3)
    assert all(r.status == 200 for r in rs)
    assert peak(w) == 1
    assert b"multithread=False" in http_get(w, "/thread").body


def test_ctypes_callback_inside_a_request_on_a_serving_thread(weft):
    # qsort calls a Python comparator from C: PyGILState_Ensure() must find
    # the serving thread's own thread state (a wrong one would deadlock).
    w = weft("--wsgi-file", APP, "--threads", "4")
    rs = at_once(w, ["/qsort"] * 8)
    for r in rs:
        assert r.status == 200
        assert r.body == b"1 2 3 5 7 9 False\n"      # sorted, off the main thread


def test_sigterm_drains_the_requests_of_every_thread(weft):
    # A fifth thread answers /peak while four sleep.
    w = weft("--wsgi-file", APP, "--threads", "5")
    got = []
    t = threading.Thread(target=lambda: got.extend(at_once(w, ["/sleep?s=2"] * 4)))
    t.start()
    wait_for(lambda: peak(w) == 4, timeout=20, what="four requests inside the app")
    w.send_signal(signal.SIGTERM)
    w.wait_log(r"worker 1 stopping: 5 threads serving")
    t.join(30)
    assert len(got) == 4 and all(getattr(r, "status", None) == 200 for r in got), got
    assert w.stop() == 0
    w.assert_log_count(r'"GET /sleep\?s=2 HTTP/1.1" 200', 4, after=True)


def test_sighup_with_requests_in_flight_on_threads_loses_none(weft):
    w = weft("--wsgi-file", APP, "--master", "--processes", "1", "--threads", "4",
             "--worker-reload-mercy", "30")
    wait_for(lambda: len(workers_of(w)) == 1, what="the worker")
    old = workers_of(w)[0]
    got = []
    t = threading.Thread(target=lambda: got.extend(at_once(w, ["/sleep?s=2"] * 8)))
    t.start()
    wait_for(lambda: peak(w) == 4, timeout=20, what="four requests inside the app")
    w.send_signal(signal.SIGHUP)
    t.join(60)
    assert len(got) == 8, got
    assert all(getattr(r, "status", None) == 200 for r in got), got
    w.wait_log(r"worker 1 \(pid %d\) finished draining and exited with status 0" % old)
    pid = int(http_get(w, "/thread").body.split()[1])
    assert pid != old                                  # the new generation serves


def test_harakiri_kills_the_worker_of_one_stuck_thread_while_others_serve(weft):
    w = weft("--wsgi-file", APP, "--master", "--processes", "1", "--threads", "4",
             "--harakiri", "2",
             allow_errors=[r"HARAKIRI", r"was killed by SIGKILL"])
    wait_for(lambda: len(workers_of(w)) == 1, what="the worker")
    old = workers_of(w)[0]
    stuck = socket.create_connection(w.addr, timeout=30)
    stuck.sendall(b"GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n")
    # The other threads answer meanwhile, in the same worker.
    for _ in range(5):
        r = http_get(w, "/sleep?s=0.05")
        assert r.status == 200 and b"pid=%d" % old in r.body
    w.wait_log(r'HARAKIRI: worker 1 \(pid %d\) core \d has served "GET /stuck"' % old,
               timeout=30)
    wait_for(lambda: workers_of(w) and workers_of(w)[0] != old, timeout=30,
             what="a new worker")
    stuck.close()
    assert http_get(w, "/peak").status == 200


def test_max_requests_counts_the_requests_of_every_thread(weft):
    w = weft("--wsgi-file", APP, "--master", "--processes", "1", "--threads", "4",
             "--max-requests", "12")
    wait_for(lambda: len(workers_of(w)) == 1, what="the worker")
    old = workers_of(w)[0]
    rs = at_once(w, ["/sleep?s=0.2"] * 4)
    rs += at_once(w, ["/sleep?s=0.2"] * 4)
    rs += at_once(w, ["/sleep?s=0.2"] * 4)
    assert all(r.status == 200 for r in rs)
    w.wait_log(r"worker 1 served 12 requests \(--max-requests\): recycling")
    w.wait_log(r"worker 1 \(pid %d\) finished draining and exited with status 0" % old)
    wait_for(lambda: workers_of(w) and workers_of(w)[0] != old, what="a new worker")
    w.assert_log_count(r"served \d+ requests \(--max-requests\)", 1,
                       after=r"worker 1 \(pid %d\) finished draining" % old)


def test_threads_stacksize(weft):
    w = weft("--wsgi-file", APP, "--threads", "2", "--threads-stacksize", "1024")
    rs = at_once(w, ["/qsort"] * 2)
    assert all(r.status == 200 for r in rs)
    r = run(["--http-socket", "127.0.0.1:1", "--wsgi-file", APP, "--threads", "2",
             "--threads-stacksize", "4"])
    assert r.returncode != 0
    assert "--threads-stacksize 4: a thread's stack must be at least" in r.stdout + r.stderr


@pytest.mark.parametrize("extra,message", [
    (["--async", "4"], "--threads 2 cannot run with --async 4"),
    (["--ugreen"], "--threads cannot run with the ugreen engine"),
])
def test_threads_refused_with_async_or_an_engine(extra, message):
    if "--ugreen" in extra and not plugin_available("ugreen"):
        pytest.skip("ugreen.so is not built (it needs makecontext)")
    r = run(["--http-socket", "127.0.0.1:1", "--wsgi-file", APP, "--threads", "2"] + extra)
    assert r.returncode != 0
    assert message in r.stdout + r.stderr, r.stdout + r.stderr


@pytest.mark.parametrize("args,name", [
    (["--plugin", os.path.join(TEST_PLUGINS, "testapp.so")], "testapp"),
    (["--cgi", os.path.join(SRCDIR, "t", "apps", "cgi")], "cgi"),
])
def test_a_language_that_cannot_run_threads_refuses_them(args, name):
    r = run(["--http-socket", "127.0.0.1:1", "--threads", "2"] + args)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "--threads: the %s plugin cannot serve requests on several threads" % name in out, out


def test_flask_under_four_threads(weft, tmp_path):
    need("flask", "python3-flask")
    w = weft("--chdir", APPS, "--module", "threads_flask:app", "--threads", "4")
    rs = at_once(w, ["/sleep"] * 8)
    assert all(r.status == 200 and r.body.startswith(b"flask slept") for r in rs), rs
    assert http_get(w, "/peak").body == b"4"


def test_django_under_four_threads(weft):
    need("django", "python3-django")
    w = weft("--chdir", SITES, "--module", "djsite.wsgi:application", "--threads", "4",
             env={"DJANGO_SETTINGS_MODULE": "djsite.settings", "SITE_NAME": "example.org"})
    rs = at_once(w, ["/"] * 12)
    for r in rs:
        assert r.status == 200, r.body
        assert r.body == b"django says hello to example.org"
