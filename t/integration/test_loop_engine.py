"""The loop-engine ABI, driven by a small C engine (t/plugins/testloop.c):
the core's request machinery, harakiri, recycling and graceful stop must
work the same when an engine owns the loop."""
import os
import signal
import socket
import subprocess
import time

import pytest

from weftlib import TEST_PLUGINS, Reader, http_get

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")
TESTLOOP = os.path.join(TEST_PLUGINS, "testloop.so")


@pytest.fixture
def app(weft):
    def start(*args, **kw):
        return weft("--plugin", TESTAPP, "--plugin", TESTLOOP, *args, **kw)
    return start


def concurrent(w, n, path, timeout=30):
    socks = []
    for _ in range(n):
        s = socket.create_connection(w.addr, timeout=timeout)
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
        socks.append(s)
    out = []
    for s in socks:
        out.append(Reader(s).read())
        s.close()
    return out


def test_serves_and_keeps_alive(app):
    w = app("--testloop", "4")
    w.wait_log(r"loop engine testloop")
    s = w.connect()
    for i in range(3):
        s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        assert Reader(s).read().body == b"Hello, World!"
    s.sendall(b"GET /vars HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
    rd = Reader(s)
    assert b"REQUEST_METHOD=GET" in rd.read().body
    assert rd.read().body == b"Hello, World!"
    s.close()
    assert http_get(w, "/echo", method="POST", body=b"x" * 300000).body == b"x" * 300000


def test_concurrent_sleeps_and_the_core_limit(app):
    w = app("--testloop", "50")
    t0 = time.time()
    rs = concurrent(w, 50, "/sleep?s=1")
    assert all(r.body == b"slept" for r in rs)
    assert time.time() - t0 < 2.5
    # more requests than cores wait for one, in order, without spinning
    t0 = time.time()
    rs = concurrent(w, 100, "/sleep?s=0.5")
    assert all(r.body == b"slept" for r in rs)
    assert 0.9 < time.time() - t0 < 3


def test_wait_api_and_streaming(app):
    w = app("--testloop", "4")
    assert http_get(w, "/waitfd?timeout=0.2").body == b"timeout"
    assert http_get(w, "/waitfd-ready").body == b"ready"
    assert http_get(w, "/sleep-yield?s=0.2").body == b"slept (timer)"
    r = http_get(w, "/stream?n=1000&size=100")
    assert r.body == b"x" * 100000
    r = http_get(w, "/big?size=10000000", timeout=30)
    assert len(r.body) == 10000000


def test_client_gone_is_noticed(app):
    w = app("--testloop", "1")
    s = w.connect()
    s.sendall(b"GET /sleep?s=30 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.3)
    s.close()
    w.wait_log(r"client went away during GET /sleep\?s=30 \(core 0\)")
    assert http_get(w, "/hello").status == 200


def test_graceful_stop_drains(app):
    w = app("--testloop", "10")
    socks = []
    for _ in range(5):
        s = w.connect()
        s.sendall(b"GET /sleep?s=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(s)
    idle = w.connect()                       # an idle keep-alive client
    time.sleep(0.2)
    w.send_signal(signal.SIGTERM)
    for s in socks:
        assert Reader(s).read().body == b"slept"
    assert w.proc.wait(timeout=10) == 0


def test_harakiri_under_a_loop_engine(app):
    w = app("--testloop", "4", "--harakiri", "2",
            allow_errors=[r"HARAKIRI", r"was killed by SIGKILL"])
    stuck = w.connect()
    stuck.sendall(b"GET /sleep?s=100 HTTP/1.1\r\nHost: x\r\n\r\n")
    t0 = time.time()
    while time.time() - t0 < 3.5:
        http_get(w, "/hello")
        time.sleep(0.05)
    w.wait_log(r'HARAKIRI: worker 1 \(pid \d+\) core \d has served "GET /sleep\?s=100"')
    w.wait_log(r"worker 1 started \(pid \d+\)")
    time.sleep(0.5)
    assert http_get(w, "/hello").status == 200


def test_max_requests_under_a_loop_engine(app):
    w = app("--testloop", "4", "--max-requests", "3")
    pids = [http_get(w, "/pid").body for _ in range(8)]
    assert pids[0] == pids[2] and pids[3] != pids[0]
    w.wait_log(r"finished draining")
    w.stop()
    w.assert_not_logged(r" ERROR ")
