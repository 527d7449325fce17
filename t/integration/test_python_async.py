"""Async cores with Python: uWSGI's example apps (seed: its async
documentation) run unchanged under each engine (gevent's loop engine too), the in-app API works in both
of uWSGI's call patterns, and one worker serves 1,000 concurrent one-second
sleeps."""
import os
import selectors
import sys
import time

import pytest

from weftlib import SRCDIR

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "python"))
import wsgiclient as wc  # noqa: E402

pytestmark = wc.needs("python")

GEVENT = ["--gevent", wc.CORES]
ENGINES = [wc.variant("no-engine", []),
           wc.variant("ugreen", ["--ugreen"], plugin="ugreen"),
           wc.variant("greenlet", ["--greenlet"], plugin="greenlet"),
           wc.variant("gevent", GEVENT, plugin="gevent")]
SUSPENDING = ENGINES[1:]
# Each engine with each of uWSGI's call patterns (suspend() without an
# engine blocks the worker: it has a test of its own).
MODES = [wc.variant("no-engine-yield", [], "yield"),
         wc.variant("ugreen-yield", ["--ugreen"], "yield", plugin="ugreen"),
         wc.variant("ugreen-suspend", ["--ugreen"], "suspend", plugin="ugreen"),
         wc.variant("greenlet-yield", ["--greenlet"], "yield", plugin="greenlet"),
         wc.variant("greenlet-suspend", ["--greenlet"], "suspend", plugin="greenlet"),
         wc.variant("gevent-yield", GEVENT, "yield", plugin="gevent"),
         wc.variant("gevent-suspend", GEVENT, "suspend", plugin="gevent")]
# Without an engine, suspend() blocks the worker; the core says so.
BLOCKING_WARNING = "waits without a suspend engine"


def serve(weft, app, cores, engine, **kw):
    return weft("--plugin", "python", "--wsgi-file", wc.app(app), "--async", str(cores),
                "--listen", "2048", *wc.engine_args(engine, cores), **kw)


# ------------------------------------------------------------------ the seed's apps

@pytest.mark.parametrize("engine", ENGINES)
def test_cpubound_async_shares_the_worker(weft, engine):
    """Two cpubound_async responses (10,000 yields each) interleave: the
    second starts long before the first ends."""
    w = serve(weft, "cpubound_async.py", 10, engine)
    expected = b"".join(b"<h1>%d</h1>" % i for i in range(1, 10000))
    socks = [w.connect(), w.connect()]
    for s in socks:
        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        s.setblocking(False)
    sel = selectors.DefaultSelector()
    data = [b"", b""]
    first, last = [None, None], [None, None]
    for i, s in enumerate(socks):
        sel.register(s, selectors.EVENT_READ, i)
    n = 0
    deadline = time.time() + 30
    while sel.get_map() and time.time() < deadline:
        for key, _ in sel.select(1):
            i = key.data
            d = key.fileobj.recv(4096)      # small reads: an ordered trace
            n += 1
            if d:
                data[i] += d
                first[i] = first[i] if first[i] is not None else n
                last[i] = n
            else:
                sel.unregister(key.fileobj)
                key.fileobj.close()
    for d in data:
        head, _, body = d.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK")
        assert wc.dechunk(body) == expected
    a, b = (0, 1) if first[0] < first[1] else (1, 0)
    assert first[b] < last[a], "the second response waited for the first to end"
    w.wait_text("the app yields str, not bytes")


@pytest.mark.parametrize("engine", ENGINES)
def test_sleeping_app_sleeps_concurrently(weft, engine):
    """uWSGI's sleeping-app pattern (`yield uwsgi.async_sleep(n)`): ten
    one-second sleeps on ten cores take about a second, not ten."""
    w = serve(weft, "sleeping_async.py", 10, engine)
    t = time.time()
    res = wc.many(w, ["/?1"] * 10)
    elapsed = time.time() - t
    assert all(r == (200, b"<h1>Hello World after 1.0 seconds</h1>") for r in res), res
    assert 0.9 < elapsed < 3.0, elapsed


@pytest.mark.parametrize("engine", SUSPENDING)
def test_sleep_then_suspend_sleeps_concurrently(weft, engine):
    w = serve(weft, "sleep_suspend.py", 10, engine)
    t = time.time()
    res = wc.many(w, ["/?0.5"] * 10)
    elapsed = time.time() - t
    assert sorted(body for _, body in res) == sorted(b"slept 0.5 on core %d" % i for i in range(10))
    assert 0.45 < elapsed < 2.0, elapsed


@pytest.mark.parametrize("engine", SUSPENDING)
def test_body_sent_while_the_app_sleeps(weft, engine):
    # A suspended request gives its empty input buffer back; the body that
    # arrives meanwhile, and the next request on the connection, still come
    # through whole.
    w = serve(weft, "sleep_suspend.py", 4, engine)
    with w.connect(timeout=10) as s:
        s.sendall(b"POST /?0.3 HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n")
        time.sleep(0.15)
        s.sendall(b"hello")
        time.sleep(0.05)
        s.sendall(b" world" b"GET /?0.01 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        data = wc.read_to_close(s)
    assert data.count(b"HTTP/1.1 200 OK") == 2, data
    assert b"slept 0.3 on core 0, read hello world" in data, data
    assert b"slept 0.01 on core" in data, data


def test_suspend_without_an_engine_blocks_but_works(weft):
    w = serve(weft, "sleep_suspend.py", 4, [])
    t = time.time()
    res = wc.many(w, ["/?0.3"] * 3)
    assert all(status == 200 for status, _ in res)
    assert time.time() - t >= 0.85          # one after the other
    w.wait_text(BLOCKING_WARNING)


# ------------------------------------------------------------------ 1,000 at once

@pytest.mark.parametrize("engine,mode", MODES)
def test_a_thousand_concurrent_sleeps(weft, engine, mode):
    app = "sleep_suspend.py" if mode == "suspend" else "sleeping_async.py"
    w = serve(weft, app, 1000, engine)
    t = time.time()
    res = wc.many(w, ["/?1"] * 1000)
    elapsed = time.time() - t
    if app == "sleep_suspend.py":
        want = sorted(b"slept 1 on core %d" % i for i in range(1000))
        assert sorted(body for _, body in res) == want
    else:
        assert all(r == (200, b"<h1>Hello World after 1.0 seconds</h1>") for r in res)
    assert all(status == 200 for status, _ in res)
    assert elapsed < 6, "1,000 one-second sleeps took %.1fs" % elapsed


# ------------------------------------------------------------------ the in-app API

def api(weft, engine, cores=10):
    return serve(weft, "api_app.py", cores, engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("mode", ["yield", "suspend"])
def test_async_sleep_takes_fractions(weft, engine, mode):
    w = api(weft, engine)
    r = wc.http(w, "GET", "/sleep?s=0.3&mode=%s" % mode)
    assert r.status == 200
    slept = float(r.body.split()[1])
    assert 0.28 <= slept < 1.0, slept


@pytest.mark.parametrize("engine,mode", MODES)
def test_wait_fd_read_is_woken_by_another_request(weft, engine, mode):
    """(suspend() without an engine blocks the worker: nobody could poke.)"""
    w = api(weft, engine)
    s = w.connect()
    s.sendall(b"GET /wait?mode=%s&timeout=10 HTTP/1.1\r\nHost: t\r\n\r\n" % mode.encode())
    time.sleep(0.3)
    t = time.time()
    assert wc.http(w, "GET", "/poke").body == b"poked"
    data = b""
    while not data.endswith(b"fd") and not data.endswith(b"0\r\n\r\n"):
        d = s.recv(4096)
        assert d
        data += d
    s.close()
    assert time.time() - t < 2
    head, _, body = data.partition(b"\r\n\r\n")
    assert body == b"fd" or wc.dechunk(body) == b"fd"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("mode", ["yield", "suspend"])
def test_wait_fd_timeouts_and_ready_fds(weft, engine, mode):
    w = api(weft, engine)
    t = time.time()
    assert wc.http(w, "GET", "/wait?mode=%s&timeout=0.3" % mode).body == b"timeout"
    assert 0.28 <= time.time() - t < 2
    assert wc.http(w, "GET", "/ready?mode=%s" % mode).body == b"fd"
    assert wc.http(w, "GET", "/writable?mode=%s" % mode).body == b"fd"


@pytest.mark.parametrize("engine", ENGINES)
def test_ids_and_outside_a_request(weft, engine):
    w = api(weft, engine)
    assert wc.http(w, "GET", "/ids").body == b"worker 1 core 0"
    assert wc.http(w, "GET", "/outside").body == b"RuntimeError: weft: not inside a request"
    assert wc.http(w, "GET", "/suspend-alone").body == b"resumed"
