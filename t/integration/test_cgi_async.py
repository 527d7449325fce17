"""The CGI plugin inside async cores: slow scripts run side by side in one
worker, a timeout or a client that goes away kills the script's whole
process group, nothing is left unreaped, big bodies stream both ways."""
import os
import threading
import time

import pytest

from weftlib import TEST_PLUGINS
from test_cgi_common import (APPS, assert_no_children, body_of, children, get, gone,
                             kill_quietly, needs_cgi, needs_ugreen, read_all, read_pids,
                             wait_until)

pytestmark = needs_cgi

UGREEN = ("--async", "10", "--ugreen")
ENGINES = [pytest.param(UGREEN, id="ugreen", marks=needs_ugreen),
           pytest.param((), id="no-engine")]


def parallel(w, paths):
    """GET every path at once; returns [(status, body, seconds)] in order."""
    results = [None] * len(paths)

    def one(i):
        t0 = time.time()
        status, _, _, body = get(w, paths[i])
        results[i] = (status, body, time.time() - t0)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(paths))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def echo(w, data):
    """POST data to echo.sh, reading the response while sending; the body."""
    s = w.connect(timeout=30)
    head = b"POST /echo.sh HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
    sender = threading.Thread(target=s.sendall, args=(head % len(data) + data,))
    sender.start()
    out = read_all(s)
    sender.join()
    s.close()
    return body_of(out)


@needs_ugreen
def test_ten_slow_scripts_at_once_with_ugreen(weft):
    w = weft("--plugin", "cgi", "--cgi", APPS, *UGREEN)
    t0 = time.time()
    results = parallel(w, ["/sleep.sh?1"] * 10)
    elapsed = time.time() - t0
    assert all(r[:2] == (200, b"slept 1\n") for r in results), results
    assert elapsed < 2.0, "ten 1 s scripts took %.2f s with --async 10" % elapsed
    assert_no_children(w)


@needs_ugreen
def test_other_requests_are_served_while_scripts_run(weft):
    w = weft("--plugin", "cgi", "--cgi", APPS, *UGREEN)
    slow = threading.Thread(target=parallel, args=(w, ["/sleep.sh?2"] * 5))
    slow.start()
    time.sleep(0.3)
    t0 = time.time()
    status, _, _, body = get(w, "/hello.sh")
    fast = time.time() - t0
    slow.join()
    assert (status, body) == (200, b"Hello, World!\n")
    assert fast < 1.0, "hello waited %.2f s behind the sleeping scripts" % fast


def test_async_without_an_engine_still_overlaps_scripts(weft):
    # request() never blocks on a pipe: it returns WEFT_AGAIN, so even
    # without a suspend engine the worker runs other cores meanwhile.
    w = weft("--plugin", "cgi", "--cgi", APPS, "--async", "10")
    t0 = time.time()
    results = parallel(w, ["/sleep.sh?1"] * 5)
    assert all(r[:2] == (200, b"slept 1\n") for r in results), results
    assert time.time() - t0 < 2.0


def test_without_async_one_request_at_a_time(weft):
    w = weft("--plugin", "cgi", "--cgi", APPS)
    t0 = time.time()
    results = parallel(w, ["/sleep.sh?0.5"] * 3)
    elapsed = time.time() - t0
    assert all(r[:2] == (200, b"slept 0.5\n") for r in results), results
    assert elapsed >= 1.4, "three 0.5 s scripts overlapped (%.2f s) with one core" % elapsed


@pytest.mark.parametrize("engine", ENGINES)
def test_timeout_kills_the_process_group(weft, tmp_path, engine):
    w = weft("--plugin", "cgi", "--cgi", APPS, "--cgi-timeout", "1", *engine,
             allow_errors=[r"hang\.sh: still running after 1 s \(--cgi-timeout\)"])
    pidfile = str(tmp_path / "pid")
    t0 = time.time()
    status, _, _, body = get(w, "/hang.sh" + pidfile)
    elapsed = time.time() - t0
    grandchild = read_pids(pidfile)[0]
    try:
        assert (status, body) == (504, b"504 Gateway Timeout\n")
        assert 0.9 < elapsed < 3.0, elapsed
        # SIGKILL is sent to the group before the 504; dying takes a moment
        assert wait_until(lambda: gone(grandchild), 5), \
            "the script's grandchild (sleep 100) survived the timeout"
        assert_no_children(w, timeout=0.5)
        w.wait_log(r"ERROR cgi: %s/hang\.sh: still running after 1 s" % APPS)
    finally:
        kill_quietly([grandchild])


def test_timeout_after_the_head_cuts_the_response(weft, tmp_path):
    w = weft("--plugin", "cgi", "--cgi", APPS, "--cgi-timeout", "1",
             allow_errors=[r"still running after 1 s"])
    pidfile = str(tmp_path / "pid")
    s = w.connect()
    s.sendall(b"GET /hang-after-head.sh%s HTTP/1.1\r\nHost: x\r\n\r\n" % pidfile.encode())
    out = read_all(s)
    s.close()
    grandchild = read_pids(pidfile)[0]
    try:
        assert out.startswith(b"HTTP/1.1 200 OK"), out
        assert b"partial" in out
        assert not out.endswith(b"0\r\n\r\n"), "a cut response must not look complete"
        assert wait_until(lambda: gone(grandchild), 5)
        assert_no_children(w, timeout=0.5)
    finally:
        kill_quietly([grandchild])


def test_script_outliving_its_stdout_is_ended(weft):
    # The response is whole when stdout closes; the script gets a grace
    # period to exit (at most --cgi-timeout), then its group is killed.
    w = weft("--plugin", "cgi", "--cgi", APPS, "--cgi-timeout", "1")
    t0 = time.time()
    status, _, _, body = get(w, "/linger.sh")
    assert (status, body) == (200, b"done, but not gone\n")
    assert time.time() - t0 < 2.5
    w.wait_log(r"WARN cgi: %s/linger\.sh: closed its output but did not exit" % APPS)
    assert_no_children(w, timeout=0.5)


@pytest.mark.parametrize("engine", ENGINES)
def test_client_disconnect_kills_the_script(weft, tmp_path, engine):
    w = weft("--plugin", "cgi", "--cgi", APPS, *engine)
    pidfile = str(tmp_path / "pids")
    s = w.connect()
    s.sendall(b"GET /stream.sh%s HTTP/1.1\r\nHost: x\r\n\r\n" % pidfile.encode())
    got = b""
    while got.count(b"line ") < 3:
        got += s.recv(4096)
    pids = read_pids(pidfile)
    try:
        assert all(not gone(p) for p in pids)
        s.close()                                   # mid-stream
        assert wait_until(lambda: all(gone(p) for p in pids), 5), \
            "the script or its grandchild outlived its client"
        assert_no_children(w)
        # the worker is still fine
        assert get(w, "/hello.sh")[0] == 200
    finally:
        kill_quietly(pids)


def test_body_streams_as_the_script_writes_it(weft):
    w = weft("--plugin", "cgi", "--cgi", APPS)
    s = w.connect()
    t0 = time.time()
    s.sendall(b"GET /stream-n.sh HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    out, first = bytearray(), None
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
        if first is None and b"line 1" in out:
            first = time.time() - t0
    total = time.time() - t0
    s.close()
    assert b"line 5" in out and out.endswith(b"0\r\n\r\n"), out
    assert first is not None and first < 0.8 and total > 1.2, (first, total)


@pytest.mark.parametrize("engine", ENGINES)
def test_big_bodies_both_ways(weft, engine):
    w = weft("--plugin", "cgi", "--cgi", APPS, *engine)
    status, _, _, body = get(w, "/big.sh?20000000")
    assert status == 200 and len(body) == 20000000 and body.count(b"x") == 20000000
    # cat writes while it reads: the pipes must never deadlock (the client
    # must read while it sends, as curl does, or its own socket fills up)
    data = os.urandom(8 * 1024 * 1024)
    results = []
    threads = [threading.Thread(target=lambda: results.append(echo(w, data) == data))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [True, True, True]
    assert_no_children(w)


@needs_ugreen
def test_slow_reader_gets_the_whole_body(weft):
    # The client reads slowly: the core's socket fills up, the script's
    # pipe fills up, and everything still arrives.
    w = weft("--plugin", "cgi", "--cgi", APPS, *UGREEN)
    s = w.connect()
    s.sendall(b"GET /big.sh?30000000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    time.sleep(1)                   # every buffer on the way fills up meanwhile
    assert get(w, "/hello.sh")[0] == 200
    out = read_all(s)
    s.close()
    assert out.count(b"x") == 30000000
    assert_no_children(w)


@needs_ugreen
def test_many_requests_leave_no_zombies(weft):
    w = weft("--plugin", "cgi", "--cgi", APPS, *UGREEN, allow_errors=[r"bad gateway"])
    results = parallel(w, ["/hello.sh"] * 40 + ["/bad.sh/nothing"] * 5 + ["/no-such"] * 5)
    assert [r[0] for r in results] == [200] * 40 + [502] * 5 + [404] * 5
    assert_no_children(w)
    zombies = [p for p, st in children(w.proc.pid).items() if st == "Z"]
    assert not zombies


@needs_ugreen
def test_graceful_stop_lets_a_script_finish(weft):
    w = weft("--plugin", "cgi", "--cgi", APPS, *UGREEN)
    results = []
    t = threading.Thread(target=lambda: results.append(get(w, "/sleep.sh?1")[::3]))
    t.start()
    time.sleep(0.3)
    w.stop()
    t.join(10)
    assert results == [(200, b"slept 1\n")]


def test_under_a_loop_engine(weft):
    # The same waits work when a loop engine (here the core's test engine)
    # owns the loop and the coroutines.
    testloop = os.path.join(TEST_PLUGINS, "testloop.so")
    if not os.path.exists(testloop):
        pytest.fail("t/plugins/testloop.so is not built (make check builds it)")
    w = weft("--plugin", testloop, "--testloop", "10", "--plugin", "cgi", "--cgi", APPS)
    t0 = time.time()
    results = parallel(w, ["/sleep.sh?1"] * 5 + ["/hello.sh"])
    assert [r[:2] for r in results] == [(200, b"slept 1\n")] * 5 + [(200, b"Hello, World!\n")]
    assert time.time() - t0 < 2.0
    assert_no_children(w)
