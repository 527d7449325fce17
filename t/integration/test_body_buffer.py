"""The request body buffered by the loop before a core takes the request
(--body-buffering), kept in memory up to --body-buffer-size and then in an
unlinked temporary file, and read again with wsgi.input.seek().

A slow upload must not hold a core: a client that sends its head and then
trickles a body is read by the loop, and the app runs only once the whole
body is in; meanwhile every other request is served."""
import hashlib
import json
import os
import random
import socket
import sys
import threading
import time

import pytest

from weftlib import SRCDIR, wait_for

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "python"))
import wsgiclient as wc  # noqa: E402

pytestmark = wc.needs("python")

APP = wc.app("body_app.py")
BODY = bytes(random.Random(7).getrandbits(8) for _ in range(100 * 1024))
LINES = b"".join(b"line %d %s\n" % (i, b"x" * (i % 90)) for i in range(3000)) + b"no newline"


def md5(b):
    return hashlib.md5(b).hexdigest()


def head(path, length=None, extra=""):
    framing = ("Content-Length: %d\r\n" % length) if length is not None \
        else "Transfer-Encoding: chunked\r\n"
    return ("POST %s HTTP/1.1\r\nHost: t\r\n%s%s\r\n" % (path, framing, extra)).encode()


def chunked(data, n):
    out = b""
    for i in range(0, len(data), n):
        piece = data[i:i + n]
        out += b"%x\r\n%s\r\n" % (len(piece), piece)
    return out + b"0\r\n\r\n"


def response(s, timeout=20):
    """One HTTP response from s: (status, headers text, body)."""
    s.settimeout(timeout)
    r = wc.weftlib.Reader(s).read()
    return r


def json_of(r):
    assert r.status == 200, (r.status, r.body)
    return json.loads(r.body)


class Trickler(threading.Thread):
    """Slow uploads: each socket gets its head, then `held` bytes of its body
    a few hundred at a time; it waits for `go`, then trickles the rest."""

    def __init__(self, socks, data, held, step=300, pause=0.004):
        super().__init__(daemon=True)
        self.socks, self.data, self.held = socks, data, held
        self.step, self.pause = step, pause
        self.holding = threading.Event()
        self.go = threading.Event()
        self.error = None

    def trickle(self, start, end):
        for off in range(start, end, self.step):
            for s in self.socks:
                s.sendall(self.data[off:min(off + self.step, end)])
            time.sleep(self.pause)

    def run(self):
        try:
            for s in self.socks:
                s.sendall(head("/hash", len(self.data)))
            self.trickle(0, self.held)
            self.holding.set()
            self.go.wait(60)
            self.trickle(self.held, len(self.data))
        except OSError as e:
            self.error = e
            self.holding.set()


ENGINES = [
    wc.variant("sync", [], 1),
    wc.variant("ugreen", ["--async", "10", "--ugreen"], 10, plugin="ugreen"),
    wc.variant("gevent", ["--gevent", "10"], 10, plugin="gevent"),
]


@pytest.mark.parametrize("args,uploads", ENGINES)
def test_slow_uploads_hold_no_core(weft, args, uploads):
    w = weft("--plugin", "python", "--wsgi-file", APP, *args)
    socks = [w.connect(timeout=30) for _ in range(uploads)]
    t = Trickler(socks, BODY, held=60 * 1024)
    t.start()
    assert t.holding.wait(60) and t.error is None, t.error
    # Every upload is open and incomplete: 20 others are all served, promptly.
    start = time.time()
    got = wc.many(w, ["/fast"] * 20, timeout=15)
    elapsed = time.time() - start
    assert [st for st, _ in got] == [200] * 20, got
    assert elapsed < 10, elapsed
    assert t.is_alive()
    # Now the uploads finish, and the app sees each body whole.
    t.go.set()
    t.join(60)
    assert t.error is None, t.error
    for s in socks:
        got = json_of(response(s))
        assert got == {"size": len(BODY), "md5": md5(BODY)}
        s.close()


def test_without_buffering_the_body_streams_to_the_app(weft, tmp_path):
    w = weft("--plugin", "python", "--wsgi-file", APP, "--body-buffering", "off")
    marker = tmp_path / "first"
    s = w.connect(timeout=20)
    s.sendall(head("/first?path=%s" % marker, len(BODY)) + BODY[:1000])
    # The app got its first bytes while the rest was still unsent.  (The app
    # creates the file before it writes to it: wait for what it wrote.)
    wait_for(lambda: marker.exists() and marker.read_bytes() == BODY[:10], timeout=10,
             what="the app's first bytes in %s" % marker)
    s.sendall(BODY[1000:])
    assert json_of(response(s)) == {"size": len(BODY), "md5": md5(BODY)}
    s.close()


def test_with_buffering_the_app_waits_for_the_whole_body(weft, tmp_path):
    w = weft("--plugin", "python", "--wsgi-file", APP)
    marker = tmp_path / "first"
    s = w.connect(timeout=20)
    s.sendall(head("/first?path=%s" % marker, len(BODY)) + BODY[:1000])
    time.sleep(0.5)
    assert not marker.exists()
    s.sendall(BODY[1000:])
    assert json_of(response(s)) == {"size": len(BODY), "md5": md5(BODY)}
    assert marker.read_bytes() == BODY[:10]
    s.close()


@pytest.mark.parametrize("threshold,streams", [("64k", True), ("200k", False)])
def test_a_size_threshold_buffers_small_bodies_and_streams_big_ones(weft, tmp_path,
                                                                   threshold, streams):
    w = weft("--plugin", "python", "--wsgi-file", APP, "--body-buffering", threshold)
    marker = tmp_path / "first"
    s = w.connect(timeout=20)
    s.sendall(head("/first?path=%s" % marker, len(BODY)) + BODY[:1000])
    deadline = time.time() + (10 if streams else 0.5)
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.02)
    assert marker.exists() == streams
    s.sendall(BODY[1000:])
    assert json_of(response(s)) == {"size": len(BODY), "md5": md5(BODY)}
    s.close()


def check_seeks(got, data):
    assert got["size"] == len(data) and got["md5"] == md5(data)
    assert got["seekable"] is True
    assert got["tell_end"] == len(data) and got["seek0"] == 0
    assert got["again_md5"] == md5(data) and got["lines_md5"] == md5(data)
    assert got["at10"] and got["tell15"] == 15 and got["cur"]
    assert got["seek_end"] == len(data) - 5 and got["tail"]
    assert got["past_end"] == len(data) + 100 and got["read_past_end"] == 0
    assert got["readline_after_seek"]
    assert got["negative"] == 22          # EINVAL


SEEK_ENGINES = [
    wc.variant("sync", []),
    wc.variant("ugreen", ["--async", "4", "--ugreen"], plugin="ugreen"),
    wc.variant("gevent", ["--gevent", "4"], plugin="gevent"),
]


@pytest.mark.parametrize("args", SEEK_ENGINES)
@pytest.mark.parametrize("buffering", ["on", "off"])
@pytest.mark.parametrize("size", ["small", "spilled"])
def test_seek_and_reread(weft, args, buffering, size):
    data = LINES if size == "small" else LINES * 4     # 4x is past 64k: a temp file
    w = weft("--plugin", "python", "--wsgi-file", APP, "--body-buffering", buffering, *args)
    check_seeks(json_of(wc.http(w, "POST", "/seek", body=data)), data)
    check_seeks(json_of(wc.http(w, "POST", "/seek", body=wc_pieces(data, 5000))), data)


def wc_pieces(data, n):
    return [data[i:i + n] for i in range(0, len(data), n)]


def test_seek_over_uwsgi(weft):
    w = weft("--plugin", "python", "--wsgi-file", APP, http=False)
    check_seeks(json_of(wc.uwsgi(w, "POST", "/seek", body=LINES * 4)), LINES * 4)
    check_seeks(json_of(wc.uwsgi(w, "POST", "/seek", body=LINES,
                                 chunks=wc_pieces(LINES, 20000))), LINES)


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_seek_beyond_what_has_arrived(weft, framing):
    """Streaming: a seek past the bytes in reads up to there first, and
    SEEK_END reads the whole body."""
    w = weft("--plugin", "python", "--wsgi-file", APP, "--body-buffering", "off")
    wire = BODY if framing == "length" else chunked(BODY, 4000)
    s = w.connect(timeout=20)
    s.sendall(head("/seek-far?n=50000", len(BODY) if framing == "length" else None)
              + wire[:2000])
    time.sleep(0.3)
    for i in range(2000, len(wire), 20000):
        s.sendall(wire[i:i + 20000])
        time.sleep(0.05)
    got = json_of(response(s))
    assert got["pos"] == 50000
    assert got["piece"] == BODY[50000:50010].decode("latin-1")
    assert got["end"] == len(BODY) and got["md5"] == md5(BODY)
    s.close()


@pytest.mark.parametrize("buffering", ["on", "off"])
def test_seek_end_of_a_chunked_body(weft, buffering):
    w = weft("--plugin", "python", "--wsgi-file", APP, "--body-buffering", buffering)
    got = json_of(wc.http(w, "POST", "/end", body=wc_pieces(BODY, 3333)))
    assert got == {"end": len(BODY), "size": len(BODY), "md5": md5(BODY)}


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_a_big_body_spills_to_an_unlinked_temp_file(weft, tmp_path, framing):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    w = weft("--plugin", "python", "--wsgi-file", APP, "--body-buffer-size", "16k",
             env={"TMPDIR": str(tmp)})
    big = BODY * 3
    body = big if framing == "length" else wc_pieces(big, 10000)
    got = json_of(wc.http(w, "POST", "/tmp", body=body))
    assert got["size"] == len(big) and got["md5"] == md5(big) and got["again_md5"] == md5(big)
    assert got["listing"] == []                       # no name in TMPDIR...
    assert len(got["held"]) == 1 and got["held"][0].endswith("(deleted)")  # ...but a file
    # A small body stays in memory.
    got = json_of(wc.http(w, "POST", "/tmp", body=BODY[:1000]))
    assert got["held"] == [] and got["md5"] == md5(BODY[:1000])
    assert os.listdir(tmp) == []


def test_body_buffer_size_is_checked(weft):
    r = wc.weftlib.run(["--body-buffering", "sometimes", "--http-socket", "127.0.0.1:1"])
    assert r.returncode != 0 and "on, off or a size" in (r.stderr + r.stdout)


def ran(w):
    return json_of(wc.http(w, "GET", "/count"))["ran"]


def test_a_body_over_limit_post_is_413_without_running_the_app(weft):
    w = weft("--plugin", "python", "--wsgi-file", APP, "--limit-post", "10k")
    s = w.connect()
    s.sendall(head("/hash") + chunked(BODY[:5000], 1000)[:-5])   # no last chunk yet
    s.sendall(chunked(BODY[5000:20000], 1000))
    assert response(s).status == 413
    s.close()
    # By Content-Length, even when the client waits for 100 Continue.
    s = w.connect()
    s.sendall(head("/hash", 20000, "Expect: 100-continue\r\n"))
    r = response(s)
    assert r.status == 413
    s.close()
    assert ran(w) == 0


def test_a_malformed_chunked_body_is_400_without_running_the_app(weft):
    w = weft("--plugin", "python", "--wsgi-file", APP)
    s = w.connect()
    s.sendall(head("/hash") + b"10\r\n" + b"a" * 16 + b"\r\nzz\r\nabc\r\n0\r\n\r\n")
    assert response(s).status == 400
    s.close()
    assert ran(w) == 0


@pytest.mark.parametrize("args", SEEK_ENGINES)
def test_a_stalled_body_is_408_without_running_the_app(weft, args):
    w = weft("--plugin", "python", "--wsgi-file", APP, "--socket-timeout", "1", *args)
    s = w.connect()
    s.sendall(head("/hash", 1000) + b"a" * 100)
    start = time.time()
    assert response(s).status == 408
    assert time.time() - start < 5
    s.close()
    w.wait_log(r"timed out waiting for the request body")
    assert ran(w) == 0


def test_a_client_that_leaves_mid_body_costs_nothing(weft):
    w = weft("--plugin", "python", "--wsgi-file", APP)
    s = w.connect()
    s.sendall(head("/hash", 100000) + BODY[:5000])
    s.close()
    w.wait_log(r"closed before sending the whole body")
    assert ran(w) == 0


@pytest.mark.parametrize("args", SEEK_ENGINES)
@pytest.mark.parametrize("buffering", ["on", "off"])
def test_100_continue_comes_before_the_body(weft, args, buffering):
    w = weft("--plugin", "python", "--wsgi-file", APP, "--body-buffering", buffering, *args)
    s = w.connect()
    s.sendall(head("/hash", len(BODY), "Expect: 100-continue\r\n"))
    s.settimeout(10)
    interim = b""
    while b"\r\n\r\n" not in interim:
        d = s.recv(1)
        assert d, interim
        interim += d
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    s.sendall(BODY)
    assert json_of(response(s)) == {"size": len(BODY), "md5": md5(BODY)}
    s.close()


def test_pipelined_requests_behind_a_buffered_body(weft):
    w = weft("--plugin", "python", "--wsgi-file", APP)
    s = w.connect()
    one = head("/hash", len(BODY)) + BODY
    two = head("/hash") + chunked(BODY[:7000], 999)
    s.sendall(one + two + one)
    s.settimeout(20)
    reader = wc.weftlib.Reader(s)        # one reader: the answers may come together
    for data in (BODY, BODY[:7000], BODY):
        assert json_of(reader.read()) == {"size": len(data), "md5": md5(data)}
    s.close()


def test_a_slow_uwsgi_upload_holds_no_core(weft):
    """The uwsgi protocol's body (nginx with uwsgi_request_buffering off) is
    buffered by the loop as well."""
    port, uport = wc.weftlib.free_port(), wc.weftlib.free_port()
    w = weft("--plugin", "python", "--wsgi-file", APP, "--http-socket", "127.0.0.1:%d" % port,
             "--socket", "127.0.0.1:%d" % uport, port=port)
    s = socket.create_connection(("127.0.0.1", uport), timeout=20)
    v = {"REQUEST_METHOD": "POST", "REQUEST_URI": "/hash", "PATH_INFO": "/hash",
         "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "t",
         "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1", "CONTENT_LENGTH": str(len(BODY))}
    s.sendall(wc.weftlib.uwsgi_packet(v) + BODY[:30000])
    got = wc.many(w, ["/fast"] * 20, timeout=15)
    assert [st for st, _ in got] == [200] * 20, got
    for i in range(30000, len(BODY), 10000):
        s.sendall(BODY[i:i + 10000])
        time.sleep(0.01)
    assert json_of(response(s)) == {"size": len(BODY), "md5": md5(BODY)}
    s.close()
