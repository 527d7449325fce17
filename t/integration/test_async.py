"""Async cores: concurrency inside one worker, the wait API, the FIFO of
requests waiting for a core, uGreen's stacks, and idle connections that
must cost no core."""
import os
import selectors
import socket
import time

import pytest

from weftlib import TEST_PLUGINS, Reader, http_get, plugin_available

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")

needs_ugreen = pytest.mark.skipif(not plugin_available("ugreen"),
                                  reason="ugreen.so is not built (it needs makecontext)")


@pytest.fixture
def app(weft):
    def start(*args, **kw):
        return weft("--plugin", TESTAPP, *args, **kw)
    return start


def concurrent(w, n, path, timeout=30):
    """n requests at once, each on its own connection; returns bodies."""
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(n):
        s = socket.create_connection(w.addr, timeout=10)
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, [b""])
        socks.append(s)
    done = []
    deadline = time.time() + timeout
    while len(done) < n and time.time() < deadline:
        for key, _ in sel.select(1):
            d = key.fileobj.recv(65536)
            if d:
                key.data[0] += d
            else:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                done.append(key.data[0])
    assert len(done) == n, "only %d of %d answered in %ss" % (len(done), n, timeout)
    return done


@needs_ugreen
def test_1000_concurrent_sleeps_on_one_worker(app):
    w = app("--async", "1000", "--ugreen", "--listen", "2048")
    t0 = time.time()
    bodies = concurrent(w, 1000, "/sleep?s=1")
    elapsed = time.time() - t0
    assert all(b.startswith(b"HTTP/1.1 200 ") and b.endswith(b"slept") for b in bodies)
    assert elapsed < 5, "1000 one-second sleeps took %.1fs" % elapsed


@needs_ugreen
def test_more_requests_than_cores_wait_in_the_fifo(app):
    w = app("--async", "10", "--ugreen")
    t0 = time.time()
    bodies = concurrent(w, 30, "/sleep?s=0.5")
    elapsed = time.time() - t0
    assert all(b.endswith(b"slept") for b in bodies)
    # 30 half-second sleeps through 10 cores: three rounds, not one, not 30.
    assert 1.4 < elapsed < 4, elapsed


@needs_ugreen
def test_full_cores_do_not_spin(app):
    w = app("--async", "2", "--ugreen")
    socks = []
    for _ in range(20):
        s = w.connect()
        s.sendall(b"GET /sleep?s=2 HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(s)
    time.sleep(0.3)

    def cpu():
        with open("/proc/%d/stat" % w.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    c0 = cpu()
    time.sleep(1.5)
    used = cpu() - c0
    assert used < 0.2, "the worker used %.2fs of CPU in 1.5s with every core asleep" % used
    for s in socks:
        s.close()


@needs_ugreen
def test_idle_and_half_sent_connections_hold_no_core(app):
    w = app("--async", "10", "--ugreen", "--socket-timeout", "30", "--keepalive-timeout", "30",
            "--listen", "1024")
    held = []
    for i in range(200):                       # half-sent heads
        s = w.connect()
        s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Half: ")
        held.append(s)
    for i in range(200):                       # idle keep-alive connections
        s = w.connect()
        s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        assert Reader(s).read().status == 200
        held.append(s)
    t0 = time.time()
    for i in range(20):                        # other clients are answered at once
        assert http_get(w, "/hello").body == b"Hello, World!"
    assert time.time() - t0 < 2
    # and ten slow requests still run at once on the ten cores
    t0 = time.time()
    assert all(b.endswith(b"slept") for b in concurrent(w, 10, "/sleep?s=1"))
    assert time.time() - t0 < 1.9
    for s in held:
        s.close()


def test_async_without_engine_warns_once_and_serves_yielding_apps(app):
    w = app("--async", "10")
    w.assert_log_count(r"without a suspend engine", 1)
    # A streaming app yields after each chunk: a second request is served
    # while the first is still streaming.
    s = w.connect(timeout=30)
    s.sendall(b"GET /stream?n=20000&size=100 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.05)
    t0 = time.time()
    assert http_get(w, "/hello").status == 200
    fast = time.time() - t0
    r = Reader(s).read()
    assert len(r.body) == 2000000
    assert fast < 1.0
    s.close()


def test_uwsgi_style_yield_waits_without_engine(app):
    w = app("--async", "10")
    t0 = time.time()
    bodies = concurrent(w, 10, "/sleep-yield?s=1")
    assert all(b.endswith(b"slept (timer)") for b in bodies)
    assert time.time() - t0 < 1.9                 # ten timers at once, no engine


@needs_ugreen
@pytest.mark.parametrize("engine", [(), ("--ugreen",)])
def test_wait_api(app, engine):
    w = app("--async", "4", *engine)
    assert http_get(w, "/waitfd?timeout=0.2").body == b"timeout"
    assert http_get(w, "/waitfd-ready").body == b"ready"
    assert http_get(w, "/suspend-wait?s=0.2").body == b"timer fired"
    assert http_get(w, "/sleep-yield?s=0.2").body == b"slept (timer)"
    t0 = time.time()
    assert http_get(w, "/sleep?s=0.25").body == b"slept"
    assert 0.2 < time.time() - t0 < 1          # milliseconds are honoured


@needs_ugreen
def test_sleep_has_millisecond_precision(app):
    w = app("--async", "4", "--ugreen")
    for s in (0.05, 0.3):
        t0 = time.time()
        http_get(w, "/sleep?s=%s" % s)
        took = time.time() - t0
        assert s <= took < s + 0.1, (s, took)


@needs_ugreen
def test_stack_overflow_is_caught_by_the_guard_page(app):
    w = app("--async", "4", "--ugreen", "--ugreen-stacksize", "16", allow_errors=[])
    # another core is mid-request when the overflow happens
    s = w.connect()
    s.sendall(b"GET /sleep?s=5 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.2)
    with pytest.raises((EOFError, ConnectionResetError)):
        http_get(w, "/overflow")
    w.wait_log(r"core \d overflowed its 64 KiB uGreen stack serving GET /overflow")
    w.proc.wait(timeout=5)
    assert w.proc.returncode == -11          # the worker died of SIGSEGV, as designed
    w.stopped = True
    s.close()


def test_ids(app):
    w = app("--async", "3")
    assert http_get(w, "/ids").body.startswith(b"worker 1 core ")


def test_unix_socket_with_chmod(weft, tmp_path):
    path = str(tmp_path / "weft.sock")
    w = weft("--plugin", TESTAPP, "--http-socket", path, "--chmod-socket=660", port=False,
             wait=False)
    deadline = time.time() + 10
    while not os.path.exists(path) and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    assert oct(os.stat(path).st_mode & 0o777) == "0o660"
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(b"GET /vars HTTP/1.1\r\nHost: x\r\n\r\n")
    r = Reader(s).read()
    assert b"REMOTE_ADDR=unix\n" in r.body
    s.close()


def test_ipv6_listener(weft):
    try:
        probe = socket.socket(socket.AF_INET6)
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]
        probe.close()
    except OSError:
        pytest.fail("this machine has no IPv6 loopback (::1)")
    w = weft("--plugin", TESTAPP, "--http-socket", "[::1]:%d" % port, port=False, wait=False)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            s = socket.create_connection(("::1", port), timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    s.sendall(b"GET /vars HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b"REMOTE_ADDR=::1\n" in Reader(s).read().body
    s.close()


def test_bad_socket_address_is_a_clear_error(weft):
    import subprocess
    from weftlib import WEFT_BIN
    r = subprocess.run([WEFT_BIN, "--plugin", TESTAPP, "--http-socket", "127.0.0.1:notaport"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode != 0 and "'notaport' is not a port number" in r.stderr
