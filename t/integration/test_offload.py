"""A slow reader holds no core once the app is done (issue 11, item 5).

Once the app has produced its whole response -- a list body, a
wsgi.file_wrapper, a generator that has ended -- the core is freed (its
access line is written then) and the connection drains the rest from the
loop.  So one client that does not read a 20 MB response does not stop a
sync worker, and ten do not stop ten cores.  A list body's bytes are kept by
reference (api->write_ref: no copy); copies are capped per connection by
--offload-buffer-size, past which the core waits for the socket as before.

Every slow reader here is a raw socket with a small receive buffer that
sends its request and reads nothing until the end; then it reads the whole
response, which must be intact."""
import hashlib
import os
import select
import signal
import socket
import sys
import time

import pytest

from weftlib import SRCDIR

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "python"))
import wsgiclient as wc  # noqa: E402
import offload_app  # noqa: E402

pytestmark = wc.needs("python")

APP = wc.app("offload_app.py")
MB = 20
SIZE = MB << 20
DIGEST = hashlib.sha256(offload_app.body(MB)).hexdigest()

# (engine arguments, cores = slow readers held at once)
ENGINES = [wc.variant("no-engine", [], 1),
           wc.variant("ugreen", ["--async", "10", "--ugreen"], 10, plugin="ugreen"),
           wc.variant("gevent", ["--gevent", "10"], 10, plugin="gevent")]
# Bodies the app has finished producing; a generator's copies need a cap
# above its size to be kept whole.
BODIES = [pytest.param("/list?%d" % MB, [], id="list"),
          pytest.param("/file?%d" % MB, [], id="file"),
          pytest.param("/gen?%d" % MB, ["--offload-buffer-size", "32m"], id="generator")]


def serve(weft, engine, *args, **kw):
    w = weft("--plugin", "python", "--wsgi-file", APP, "--listen", "1024", *engine, *args,
             **kw)
    w.worker_pid = int(w.wait_log(r"worker 1 ready \(pid (\d+)").group(1))
    return w


@pytest.fixture
def slow_reader(weft):
    """Factory: slow_reader(w, path) is a client that asks for path and reads
    nothing yet.  Each is closed before the servers stop (a failed test
    must not leave a graceful stop waiting for its drain)."""
    socks = []

    def open_one(w, path):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        socks.append(s)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.settimeout(20)
        s.connect(w.addr)
        s.sendall(("GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % path).encode())
        return s

    yield open_one
    for s in socks:
        s.close()


def handed_off(w, path, n):
    """The access line is written when the core is freed: wait for n."""
    rx = r'"GET %s HTTP/1.1" 200 %d ' % (path.replace("?", r"\?"), SIZE)
    w.wait_log(rx, timeout=20, count=n)


def dechunk(data, pos):
    out = bytearray()
    while True:
        eol = data.index(b"\r\n", pos)
        size = int(bytes(data[pos:eol]).split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += data[eol + 2:eol + 2 + size]
        pos = eol + 2 + size + 2


def read_response(s):
    """Read one whole response (Content-Length or chunked) from s: the body."""
    data = bytearray()
    while b"\r\n\r\n" not in data:
        d = s.recv(65536)
        assert d, "closed before the head"
        data += d
    end = data.index(b"\r\n\r\n") + 4
    head = bytes(data[:end]).lower()
    assert head.startswith(b"http/1.1 200"), head
    if b"transfer-encoding: chunked" in head:
        while not data.endswith(b"\r\n0\r\n\r\n"):
            d = s.recv(1 << 20)
            assert d, "closed mid-body"
            data += d
        return dechunk(data, end)
    length = int(head.split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(data) < end + length:
        d = s.recv(1 << 20)
        assert d, "closed mid-body after %d of %d bytes" % (len(data) - end, length)
        data += d
    return bytes(data[end:])


def assert_intact(s):
    body = read_response(s)
    assert len(body) == SIZE
    assert hashlib.sha256(body).hexdigest() == DIGEST


def others_served(w, n=20, timeout=10):
    """n other requests, all at once, each answered within timeout."""
    started = time.time()
    res = wc.many(w, ["/small"] * n, timeout=timeout)
    assert res == [(200, b"small")] * n, res
    assert time.time() - started < timeout


# ------------------------------------------------------------------ the core is freed

@pytest.mark.parametrize("path,extra", BODIES)
@pytest.mark.parametrize("engine,cores", ENGINES + [
    wc.variant("greenlet", ["--async", "10", "--greenlet"], 10, plugin="greenlet")])
def test_slow_readers_hold_no_core(weft, slow_reader, engine, cores, path, extra):
    w = serve(weft, engine, *extra)
    slow = [slow_reader(w, path) for _ in range(cores)]
    handed_off(w, path, cores)
    others_served(w)
    for s in slow:
        assert_intact(s)
        s.close()
    # The connections kept alive: served again, at once.
    w2 = slow_reader(w, "/small")
    assert read_response(w2) == b"small"
    w2.close()


@pytest.mark.parametrize("engine,cores", ENGINES)
def test_a_slow_reader_keeps_its_connection(weft, slow_reader, engine, cores):
    """After the drain, the same connection serves its next request."""
    w = serve(weft, engine)
    s = slow_reader(w, "/list?%d" % MB)
    handed_off(w, "/list?%d" % MB, 1)
    others_served(w)
    assert_intact(s)
    s.sendall(b"GET /small HTTP/1.1\r\nHost: t\r\n\r\n")
    assert read_response(s) == b"small"
    s.close()


@pytest.mark.parametrize("engine,cores", ENGINES)
def test_a_half_closed_reader_still_gets_it_all(weft, slow_reader, engine, cores):
    """A client that shuts its sending side after the request still reads
    the whole response; then the connection closes."""
    w = serve(weft, engine)
    s = slow_reader(w, "/list?%d" % MB)
    handed_off(w, "/list?%d" % MB, 1)
    s.shutdown(socket.SHUT_WR)
    others_served(w)
    assert_intact(s)
    assert s.recv(1) == b""


# ------------------------------------------------------------------ the cap

def silent(s, seconds):
    """True when nothing arrives on s for `seconds` (a bounded negative)."""
    r, _, _ = select.select([s], [], [], seconds)
    return not r


@pytest.mark.parametrize("engine", [wc.variant("ugreen", ["--async", "1", "--ugreen"],
                                               plugin="ugreen"),
                                    wc.variant("gevent", ["--gevent", "1"], plugin="gevent")])
def test_past_the_cap_the_core_waits(weft, slow_reader, engine):
    """A generator's 20 MB are copies: past the default 1m cap its core waits
    for the socket (so a single core answers nobody else), and is freed
    once the rest fits."""
    w = serve(weft, engine)
    slow = slow_reader(w, "/gen?%d" % MB)
    # The generator's first bytes are out: it holds the only core (else the
    # small request, accepted in the same loop turn, could take it first).
    assert not silent(slow, 10), "the generator never started"
    other = slow_reader(w, "/small")
    assert silent(other, 1.0), "the only core answered while past the cap"
    assert_intact(slow)
    assert read_response(other) == b"small"
    handed_off(w, "/gen?%d" % MB, 1)
    slow.close()
    other.close()


@pytest.mark.parametrize("engine", [wc.variant("ugreen", ["--async", "1", "--ugreen"],
                                               plugin="ugreen"),
                                    wc.variant("gevent", ["--gevent", "1"], plugin="gevent")])
def test_references_do_not_count_against_the_cap(weft, slow_reader, engine):
    """A list body goes by reference: even with no copies allowed, its one
    core is free for the next client."""
    w = serve(weft, engine, "--offload-buffer-size", "0")
    slow = slow_reader(w, "/list?%d" % MB)
    handed_off(w, "/list?%d" % MB, 1)
    others_served(w)
    assert_intact(slow)
    slow.close()


def test_the_option_takes_a_size(weft):
    w = serve(weft, [], "--offload-buffer-size", "64k")
    assert wc.many(w, ["/small"]) == [(200, b"small")]
    r = wc.weftlib.run(["--http-socket", "127.0.0.1:0", "--offload-buffer-size", "lots",
                        "--wsgi-file", APP])
    assert r.returncode != 0
    assert "--offload-buffer-size: 'lots' is not a size" in r.stderr


# ------------------------------------------------------------------ going away, stopping

def worker_fds(w):
    return len(os.listdir("/proc/%d/fd" % w.worker_pid))


@pytest.mark.parametrize("engine,cores", ENGINES)
def test_a_client_that_leaves_mid_drain_frees_everything(weft, slow_reader, engine, cores):
    w = serve(weft, engine)
    fds = worker_fds(w)
    assert wc.many(w, ["/alive"]) == [(200, b"0")]
    for path in ("/tracked?%d" % MB, "/file?%d" % MB):
        s = slow_reader(w, path)
        w.wait_log(r'"GET %s HTTP/1.1" 200 %d ' % (path.replace("?", r"\?"), SIZE), timeout=20)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()                                 # a reset, mid-drain
    w.wait_log(r"client went away with \d+ bytes of its response still queued", timeout=20,
               count=2)
    # The file's dup'd fd is closed; the list's chunks are let go of (the
    # plugin drops them when it next holds the GIL: one request, then ask).
    assert worker_fds(w) == fds
    assert wc.many(w, ["/small"]) == [(200, b"small")]
    assert wc.many(w, ["/alive"]) == [(200, b"0")]


@pytest.mark.parametrize("engine,cores", ENGINES)
def test_a_graceful_stop_lets_a_drain_finish(weft, slow_reader, engine, cores):
    w = serve(weft, engine)
    s = slow_reader(w, "/list?%d" % MB)
    handed_off(w, "/list?%d" % MB, 1)
    w.send_signal(signal.SIGTERM)
    w.wait_log(r"worker 1 stopping")
    assert_intact(s)
    s.close()
    w.proc.wait(timeout=20)
    assert w.proc.returncode == 0, w.log()
