"""Operations: --health answered by the core (200 while the worker takes
work, 503 while it drains), and reloads asked for by touching a file
(--touch-reload, --touch-workers-reload)."""
import os
import signal
import socket
import time

from weftlib import SRCDIR, Reader, http_get, run, wait_for, workers_of

APP = os.path.join(SRCDIR, "t", "apps", "python", "wsgi_app.py")


def serve(weft, *args, **kw):
    return weft("--plugin", "python", "--wsgi-file", APP, *args, **kw)


# ------------------------------------------------------------------ --health

def test_health_is_answered_by_the_core(weft):
    w = serve(weft, "--health", "/healthz")
    r = http_get(w, "/healthz")
    assert (r.status, r.body) == (200, b"ok\n")      # the app has no such page
    assert r.header("Cache-Control") == "no-store"
    assert http_get(w, "/healthz", method="HEAD").status == 200
    assert http_get(w, "/healthz/more").status == 404   # the app's answer
    assert http_get(w, "/hello").body == b"Hello, World!"


def test_health_says_503_while_the_worker_drains(weft):
    w = serve(weft, "--health", "/healthz")
    s = w.connect()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")   # half a head
    time.sleep(0.2)
    w.send_signal(signal.SIGTERM)
    w.wait_log(r"worker 1 stopping")
    s.sendall(b"\r\n")
    r = Reader(s).read()
    assert (r.status, r.body) == (503, b"draining\n")
    assert r.header("Connection") == "close"
    s.close()


def test_health_path_must_be_a_path():
    r = run(["--plugin", "python", "--wsgi-file", APP, "--http-socket", "127.0.0.1:0",
             "--health", "healthz"])
    assert r.returncode != 0
    assert "--health healthz: the path must start with /" in r.stderr


# ------------------------------------------------------------------ touch

def touch(path):
    t = time.time() + 5                  # a new mtime, whatever the clock's grain
    os.utime(path, (t, t))


def test_touch_reload_reloads_gracefully(weft, tmp_path):
    f = tmp_path / "reload.trigger"
    f.write_text("")
    w = serve(weft, "--touch-reload", str(f))
    w.wait_log(r"--touch-reload needs a master process")
    wait_for(lambda: len(workers_of(w)) == 1, what="the worker")
    old = workers_of(w)
    touch(f)
    w.wait_log(r"reload.trigger changed \(--touch-reload\): reloading")
    w.wait_log(r"master: graceful reload")
    wait_for(lambda: workers_of(w) and set(workers_of(w)) - set(old), what="a new worker")
    assert http_get(w, "/hello").status == 200
    assert w.proc.poll() is None                     # the same master process


def test_touch_workers_reload_replaces_only_the_workers(weft, tmp_path):
    f = tmp_path / "workers.trigger"                 # made later: its creation counts
    w = serve(weft, "--touch-workers-reload", str(f), "--processes", "2")
    wait_for(lambda: len(workers_of(w)) == 2, what="two workers")
    old = set(workers_of(w))
    f.write_text("")
    w.wait_log(r"workers.trigger changed \(--touch-workers-reload\): replacing the workers")
    w.wait_log(r"is replaced \(--touch-workers-reload\)", count=2)
    wait_for(lambda: len(workers_of(w)) == 2 and not set(workers_of(w)) & old,
             what="two new workers")
    assert http_get(w, "/hello").status == 200
    w.stop()
    w.assert_not_logged(r"master: graceful reload")        # no re-exec
