"""wsgi.input: every read pattern, over fixed-length and chunked bodies, over
HTTP and the uwsgi protocol, with the body arriving in pieces (the core
suspends while it waits), with and without a suspend engine."""
import hashlib
import json
import os
import sys

import pytest

from weftlib import SRCDIR

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "python"))
import wsgiclient as wc  # noqa: E402

pytestmark = wc.needs("python")

ENGINES = [wc.variant("no-engine", []),
           wc.variant("ugreen", ["--async", "10", "--ugreen"], plugin="ugreen"),
           wc.variant("greenlet", ["--async", "10", "--greenlet"], plugin="greenlet"),
           wc.variant("gevent", ["--gevent", "10"], plugin="gevent")]

# Lines of varied lengths, some longer than the plugin's 16 KiB read step,
# the last without a newline.
BODY = b"".join(b"line %d " % i + b"x" * (i * 37 % 300) + b"\n" for i in range(2000)) \
    + b"y" * 40000 + b"\n" + b"z" * 70000 + b"\ntail without newline"
LINES = BODY.splitlines(keepends=True)


def md5(b):
    return hashlib.md5(b).hexdigest()


def check(resp, lengths=None):
    assert resp.status == 200, resp.body
    got = json.loads(resp.body)
    assert got["size"] == len(BODY) and got["md5"] == md5(BODY)
    assert got["types"] == ["bytes"]
    if lengths is not None:
        assert got["lengths"] == lengths
    return got


def pieces(data, n):
    return [data[i:i + n] for i in range(0, len(data), n)]


PATTERNS = [
    ("/read", lambda: [len(BODY)]),
    ("/read-n?n=1000", lambda: [len(p) for p in pieces(BODY, 1000)]),
    ("/read-n?n=100000", lambda: [len(p) for p in pieces(BODY, 100000)]),
    ("/readline", lambda: [len(x) for x in LINES]),
    ("/readline-n?n=50", lambda: [len(p) for x in LINES for p in pieces(x, 50)]),
    ("/readlines", lambda: [len(x) for x in LINES]),
    ("/readlines-hint?n=5000", None),
    ("/iter", lambda: [len(x) for x in LINES]),
    ("/mixed", None),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path,lengths", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_fixed_length_body(weft, engine, path, lengths):
    w = weft("--plugin", "python", "--wsgi-file", wc.app("input_app.py"), *engine)
    got = check(wc.http(w, "POST", path, body=BODY), lengths() if lengths else None)
    assert got["chunked"] is False


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path,lengths", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_chunked_body(weft, engine, path, lengths):
    w = weft("--plugin", "python", "--wsgi-file", wc.app("input_app.py"), *engine)
    got = check(wc.http(w, "POST", path, body=pieces(BODY, 7777)), lengths() if lengths else None)
    assert got["chunked"] is True


@pytest.mark.parametrize("engine", ENGINES)
def test_body_arriving_in_pieces_over_uwsgi(weft, engine):
    w = weft("--plugin", "python", "--wsgi-file", wc.app("input_app.py"), *engine, http=False)
    for path in ("/read", "/readline", "/read-n?n=4096"):
        p, _, q = path.partition("?")
        r = wc.uwsgi(w, "POST", p, query=q, body=BODY, chunks=pieces(BODY, 60000))
        check(r)
    check(wc.uwsgi(w, "POST", "/iter", body=BODY), [len(x) for x in LINES])


def test_reads_stop_at_the_body(weft):
    w = weft("--plugin", "python", "--wsgi-file", wc.app("input_app.py"))
    got = json.loads(wc.http(w, "POST", "/read-more", body=b"0123456789").body)
    assert got["lengths"] == [10, 0] and got["md5"] == md5(b"0123456789")
    got = json.loads(wc.http(w, "GET", "/read").body)
    assert got["lengths"] == [0]


def test_an_unread_body_does_not_spoil_keep_alive(weft):
    w = weft("--plugin", "python", "--wsgi-file", wc.app("input_app.py"))
    s = w.connect()
    unread = b"POST /no-read HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" + b"q" * 1000
    read = b"POST /read HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
    s.sendall((unread + read) * 3)
    data = b""
    while data.count(b"HTTP/1.1 200 OK") < 6:
        d = s.recv(65536)
        assert d, "the connection closed after %r" % data
        data += d
    assert data.count(md5(b"abc").encode()) == 3
    s.close()


def test_input_of_a_finished_request_refuses_to_read(weft):
    w = weft("--plugin", "python", "--wsgi-file", wc.app("input_app.py"))
    wc.http(w, "POST", "/keep", body=b"abc")
    got = json.loads(wc.http(w, "POST", "/stale", body=b"def").body)
    assert got["text"] == "ValueError: wsgi.input of a finished request"
