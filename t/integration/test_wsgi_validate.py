"""Python's own WSGI conformance checker, wsgiref.validate, wraps the app:
weft must pass it without one assertion or warning (the app makes every
warning an error, and any error fails the request and logs at ERROR, which
fails the test) across GET, HEAD, POST with a body, chunked upload, and large
and streamed responses, over HTTP and over the uwsgi protocol."""
import hashlib
import os
import sys

import pytest

from weftlib import SRCDIR

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "python"))
import wsgiclient as wc  # noqa: E402

pytestmark = wc.needs("python")

ENGINES = [wc.variant("no-engine", []),
           wc.variant("async-no-engine", ["--async", "10"]),
           wc.variant("ugreen", ["--async", "10", "--ugreen"], plugin="ugreen"),
           wc.variant("greenlet", ["--async", "10", "--greenlet"], plugin="greenlet"),
           wc.variant("gevent", ["--gevent", "10"], plugin="gevent")]

BODY = b"".join(b"%d: " % i + b"v" * (i % 90) + b"\n" for i in range(5000))
# The validator's complaints: none may appear.
COMPLAINTS = ["AssertionError", "WSGIWarning", "Exception ignored", "Traceback"]


def start(weft, engine, http=True):
    return weft("--plugin", "python", "--wsgi-file", wc.app("validate_app.py"), *engine,
                http=http)


def no_complaints(w):
    log = w.log()
    for c in COMPLAINTS:
        assert c not in log, log


def expect(r, status, body=None):
    assert r.status == status, (r, r.body[:500])
    if body is not None:
        assert r.body == body


def big(size):
    block = bytes(range(256)) * 256
    return block * (size // len(block)) + block[:size % len(block)]


def requests(send):
    """The conversation, whichever protocol send() speaks."""
    expect(send("GET", "/"), 200, b"validated\n")
    head = send("HEAD", "/")
    expect(head, 200, b"")
    expect(send("POST", "/post", body=BODY), 200,
           b"%d %s" % (len(BODY), hashlib.md5(BODY).hexdigest().encode()))
    expect(send("POST", "/post", body=b""), 200,
           b"0 " + hashlib.md5(b"").hexdigest().encode())
    expect(send("POST", "/lines", body=BODY), 200,
           b"%d %s" % (len(BODY), hashlib.md5(BODY).hexdigest().encode()))
    expect(send("GET", "/big", query="size=5000001"), 200, big(5000001))
    expect(send("GET", "/stream", query="n=2000"), 200,
           b"".join(b"line %d\n" % i for i in range(2000)))
    expect(send("GET", "/file", query="size=300000"), 200, b"f" * 300000)
    expect(send("HEAD", "/file", query="size=300000"), 200, b"")
    expect(send("GET", "/write"), 200, b"written and returned")
    empty = send("GET", "/empty")
    expect(empty, 204, b"")
    assert empty.header("Content-Length") is None


@pytest.mark.parametrize("engine", ENGINES)
def test_validator_over_http(weft, engine):
    w = start(weft, engine)

    def send(method, path, query="", body=None):
        return wc.http(w, method, path + ("?" + query if query else ""), body=body)
    requests(send)
    # A chunked upload.
    expect(wc.http(w, "POST", "/post", body=[BODY[i:i + 3000] for i in range(0, len(BODY), 3000)]),
           200, b"%d %s" % (len(BODY), hashlib.md5(BODY).hexdigest().encode()))
    expect(wc.http(w, "POST", "/lines", body=[BODY[i:i + 999] for i in range(0, len(BODY), 999)]),
           200, b"%d %s" % (len(BODY), hashlib.md5(BODY).hexdigest().encode()))
    w.stop()
    no_complaints(w)


@pytest.mark.parametrize("engine", ENGINES)
def test_validator_over_uwsgi(weft, engine):
    w = start(weft, engine, http=False)

    def send(method, path, query="", body=None):
        return wc.uwsgi(w, method, path, query=query, body=body or b"")
    requests(send)
    # The body trickling in, as from a slow client behind nginx.
    expect(wc.uwsgi(w, "POST", "/post", body=BODY, chunks=[BODY[:1000], BODY[1000:50000], BODY[50000:]]),
           200, b"%d %s" % (len(BODY), hashlib.md5(BODY).hexdigest().encode()))
    w.stop()
    no_complaints(w)
