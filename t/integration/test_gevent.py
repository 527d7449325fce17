"""The gevent loop engine (gevent.so): gevent's hub runs the worker, each
connection runs on a greenlet of its own, and the core keeps graceful stop,
harakiri and recycling.  A monkey-patched app's blocking calls cooperate.

The engine-parametrised Python tests (test_python_async.py,
test_python_engines.py, test_wsgi_validate.py, test_wsgi_input.py) run
under gevent too; this file has what is gevent's own, and the core's
loop-engine scenarios (test_loop_engine.py) with a Python app."""
import os
import signal
import sys
import time

import pytest

from weftlib import SRCDIR, Reader, run, wait_for

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "python"))
import wsgiclient as wc  # noqa: E402
import slow_backend  # noqa: E402

pytestmark = wc.needs("gevent")

APP = wc.app("gevent_app.py")


def serve(weft, cores, *args, app=APP, **kw):
    w = weft("--gevent", str(cores), "--wsgi-file", app, "--listen", "2048", *args, **kw)
    w.wait_log(r"worker 1 ready \(pid \d+, %d cores?, loop engine gevent\)" % cores)
    return w


def get(w, path, **kw):
    return wc.http(w, "GET", path, **kw)


# ------------------------------------------------------------------ loading

def test_gevent_loads_the_python_plugin(weft):
    w = serve(weft, 8, app=wc.app("sleep_suspend.py"))
    w.wait_text("python: Python")
    res = wc.many(w, ["/?0.2"] * 8)
    assert sorted(b for _, b in res) == sorted(b"slept 0.2 on core %d" % i for i in range(8))


@pytest.mark.parametrize("other", [wc.variant("ugreen", "ugreen", plugin="ugreen"),
                                   wc.variant("greenlet", "greenlet", plugin="greenlet")])
@pytest.mark.parametrize("first", ["gevent", "other"])
def test_gevent_refuses_another_engine(other, first):
    gevent = ["--gevent", "4"]
    engines = gevent + ["--" + other] if first == "gevent" else ["--" + other] + gevent
    r = run(["--http-socket", "127.0.0.1:0", "--wsgi-file", wc.app("sleep_suspend.py")]
            + engines)
    assert r.returncode != 0
    chosen, refused = ("gevent", other) if first == "gevent" else (other, "gevent")
    assert "cannot use both the %s and the %s engine: choose one" % (chosen, refused) in r.stderr


def test_gevent_needs_a_number_of_cores():
    r = run(["--http-socket", "127.0.0.1:0", "--wsgi-file", APP, "--gevent", "lots"])
    assert r.returncode != 0 and "--gevent" in r.stderr


def test_a_greenlet_per_connection(weft):
    w = serve(weft, 4)
    ids = set()
    for status, body in wc.many(w, ["/greenlet"] * 4):
        gid, is_hub = body.split()
        assert status == 200 and is_hub == b"False"
        ids.add(gid)
    assert len(ids) == 4


def test_processes_with_a_master(weft):
    """Two workers, each with its own hub (the app ran gevent's hub at
    import, in the master)."""
    w = serve(weft, 10, "--master", "--processes", "2", "--gevent-monkey-patch")
    w.wait_log(r"worker 2 ready")
    pids = set()
    for _ in range(20):             # which worker accepts is the kernel's choice
        res = wc.many(w, ["/pid?s=0.2"] * 10)
        assert all(status == 200 for status, _ in res), res
        pids |= {body for _, body in res}
        if len(pids) == 2:
            break
    assert len(pids) == 2


def test_the_apps_threads_run_while_the_worker_waits(weft):
    """The hub holds the GIL only while it runs: a real thread of the app's
    counts on while the worker is idle."""
    w = serve(weft, 4)
    get(w, "/thread")
    time.sleep(1)
    assert int(get(w, "/thread").body) > 100


# ------------------------------------------------------------------ gevent's own waits

def test_gevent_sleep_cooperates_without_patching(weft):
    w = serve(weft, 50)
    t = time.time()
    res = wc.many(w, ["/gevent-sleep?s=1"] * 50)
    assert all(status == 200 and body.startswith(b"slept 1.") for status, body in res), res
    assert time.time() - t < 3
    assert get(w, "/patched").body == b"time=False socket=False select=False threading=False"


@pytest.mark.parametrize("lazy", [[], ["--lazy-apps"]], ids=["preloaded", "lazy"])
def test_monkey_patched_time_sleep(weft, lazy):
    """100 requests that each call time.sleep(1) take about a second."""
    w = serve(weft, 100, "--gevent-monkey-patch", *lazy)
    assert get(w, "/patched").body == b"time=True socket=True select=True threading=True"
    t = time.time()
    res = wc.many(w, ["/time-sleep?s=1"] * 100)
    elapsed = time.time() - t
    assert all(status == 200 and body.startswith(b"slept 1.") for status, body in res), res
    assert elapsed < 3, "100 monkey-patched sleeps of 1 s took %.1fs" % elapsed



def test_monkey_patched_socket(weft):
    """Twenty requests, each waiting a second for a slow backend through a
    plain socket, are served together."""
    backend = slow_backend.SlowServer(1.0)
    try:
        w = serve(weft, 20, "--gevent-monkey-patch")
        t = time.time()
        res = wc.many(w, ["/socket?port=%d" % backend.port] * 20)
        elapsed = time.time() - t
    finally:
        backend.close()
    assert res == [(200, b"slow server got hello")] * 20
    assert elapsed < 3, elapsed


def test_monkey_patched_select(weft):
    w = serve(weft, 20, "--gevent-monkey-patch")
    t = time.time()
    res = wc.many(w, ["/select?s=1"] * 20)
    assert all(status == 200 and body.startswith(b"nothing after 1.") for status, body in res)
    assert time.time() - t < 3


def test_python_import_runs_before_the_app(weft):
    """--gevent-monkey-patch is --python-import gevent.monkey:patch_all."""
    w = serve(weft, 4, "--python-import", "gevent.monkey:patch_all")
    assert get(w, "/patched").body == b"time=True socket=True select=True threading=True"


# ------------------------------------------------------------------ the loop-engine scenarios

def test_keep_alive_pipelining_and_big_bodies(weft):
    w = serve(weft, 4, app=wc.app("input_app.py"))
    s = w.connect()
    rd = Reader(s)
    for _ in range(3):
        s.sendall(b"POST /read HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello")
        assert rd.read().status == 200
    s.sendall(b"POST /read HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
              b"POST /read HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\ndef")
    assert rd.read().status == 200 and rd.read().status == 200
    s.close()
    body = os.urandom(3000000)
    r = wc.http(w, "POST", "/read", body=body)
    assert r.status == 200 and str(len(body)).encode() in r.body


def test_big_response_to_a_slow_reader(weft):
    w = serve(weft, 4)
    s = w.connect()
    s.sendall(b"GET /big?size=30000000 HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.5)                 # the worker waits on a full socket
    t = time.time()
    assert get(w, "/gevent-sleep?s=0").status == 200     # and serves others
    assert time.time() - t < 1
    r = Reader(s).read()
    assert len(r.body) == 30000000
    s.close()


def test_client_gone_is_noticed(weft):
    w = serve(weft, 1, app=wc.app("sleep_suspend.py"))
    s = w.connect()
    s.sendall(b"GET /?30 HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.3)
    s.close()
    w.wait_log(r"client went away during GET /\?30 \(core 0\)")
    assert get(w, "/?0").body == b"slept 0 on core 0"


def test_more_requests_than_cores_wait_their_turn(weft):
    w = serve(weft, 10, app=wc.app("sleep_suspend.py"))
    t = time.time()
    res = wc.many(w, ["/?0.5"] * 40)
    assert all(status == 200 for status, _ in res)
    assert 1.9 < time.time() - t < 4


# ------------------------------------------------------------------ stopping

def test_graceful_stop_drains_greenlets(weft):
    """SIGTERM with requests in flight, in weft's waits and in gevent's: the
    responses are complete, and the worker exits 0."""
    w = serve(weft, 10, "--gevent-monkey-patch")
    socks = []
    for path in ["/time-sleep?s=1", "/gevent-sleep?s=1"] * 3:
        s = w.connect()
        s.sendall(b"GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % path.encode())
        socks.append(s)
    idle = w.connect()              # an idle keep-alive client
    time.sleep(0.3)
    w.send_signal(signal.SIGTERM)
    for s in socks:
        r = Reader(s).read()
        assert r.status == 200 and r.body.startswith(b"slept 1.")
    # The idle keep-alive client does not hold the stop: were it waited for,
    # the exit would come after --keepalive-timeout (15 s), past this wait.
    assert w.proc.wait(timeout=10) == 0
    idle.close()


def test_hard_stop_cuts_requests_off(weft):
    """SIGQUIT: weft's waits fail at once, greenlets in gevent's own waits
    are cut off; the worker exits at once without a crash."""
    w = serve(weft, 10, "--gevent-monkey-patch")
    socks = []
    for path in ["/time-sleep?s=30", "/gevent-sleep?s=30"]:
        s = w.connect()
        s.sendall(b"GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % path.encode())
        socks.append(s)
    s = w.connect()
    s.sendall(b"GET /?30 HTTP/1.1\r\nHost: t\r\n\r\n")
    socks.append(s)
    time.sleep(0.3)
    t = time.time()
    assert w.stop(sig=signal.SIGQUIT) == 0
    assert time.time() - t < 3
    for s in socks:
        s.close()


def test_harakiri_catches_one_stuck_greenlet(weft):
    w = serve(weft, 4, "--master", "--harakiri", "2", app=wc.app("sleep_suspend.py"),
              allow_errors=[r"HARAKIRI", r"was killed by SIGKILL"])
    stuck = w.connect()
    stuck.sendall(b"GET /?100 HTTP/1.1\r\nHost: t\r\n\r\n")
    t0 = time.time()
    while time.time() - t0 < 1.5:   # others are served meanwhile
        assert get(w, "/?0.05").status == 200
    w.wait_log(r'HARAKIRI: worker 1 \(pid \d+\) core \d has served "GET /\?100"')
    w.wait_log(r"worker 1 started \(pid \d+\)")
    time.sleep(0.5)
    assert get(w, "/?0").status == 200
    stuck.close()


def test_max_requests_recycles_the_worker(weft):
    w = serve(weft, 4, "--master", "--max-requests", "3", app=wc.app("api_app.py"))
    pids = [get(w, "/whoami?s=0").body.split()[0] for _ in range(8)]
    assert pids[0] == pids[1] == pids[2] != pids[3]
    w.wait_log(r"finished draining")


# ------------------------------------------------------------------ gevent's own switches


def test_after_gevents_own_wait_a_big_response_waits_for_its_client(weft):
    """gevent switches back to a request after its gevent.sleep() without
    going through weft; its big response must still wait on its own socket
    while another request is in flight (python.so's out_of_step())."""
    w = serve(weft, 4)
    a = w.in_flight("/big?size=30000000&s=0.3")
    time.sleep(0.1)
    b = w.in_flight("/gevent-sleep?s=1.5")
    time.sleep(0.8)                 # a's socket is full by now
    assert len(Reader(a).read().body) == 30000000
    assert Reader(b).read().body.startswith(b"slept 1.")


def test_sigusr1_reopens_the_log_and_keeps_the_worker(weft, tmp_path):
    """The master passes SIGUSR1 on to its workers: under gevent the worker
    reopens the log file, and neither dies nor drops the request in flight
    (SIGUSR1's default action used to kill it)."""
    path = tmp_path / "weft.log"
    w = weft("--gevent", "4", "--wsgi-file", APP, "--master", "--logto", str(path))
    wait_for(lambda: path.exists() and b"loop engine gevent" in path.read_bytes(),
             timeout=20, what="the worker")
    pid = get(w, "/pid").body
    s = w.connect()
    s.sendall(b"GET /pid?s=1 HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.3)
    os.rename(str(path), str(path) + ".1")
    w.send_signal(signal.SIGUSR1)
    r = Reader(s).read()
    assert (r.status, r.body) == (200, pid)
    s.close()
    assert get(w, "/pid").body == pid                   # the same worker serves on
    w.stop()
    assert path.exists()                                  # the log was opened anew
    assert b"killed" not in (tmp_path / "weft.log.1").read_bytes() + path.read_bytes()
