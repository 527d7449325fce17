"""rack.hijack, full (the app gets the client's socket and speaks HTTP
itself) and partial (the "rack.hijack" response header: weft sends the
head, the app the rest), and rack.early_hints (103), through the core's
api->hijack and api->early_hints."""
import os
import sys

from weftlib import SRCDIR

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "ruby"))
import rackclient as rk  # noqa: E402
from rackclient import _needs_ruby  # noqa: E402,F401

APP = rk.app("hijack_app.ru")


def read_until(s, marker):
    data = b""
    while marker not in data:
        d = s.recv(65536)
        assert d, "closed before %r: %r" % (marker, data)
        data += d
    return data


def test_full_hijack_echo(weft):
    w = weft("--rack", APP)
    for _ in range(3):                  # the worker serves on after each
        s = w.connect()
        s.sendall(b"GET /full HTTP/1.1\r\nHost: x\r\n\r\n")
        head = read_until(s, b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n"), head
        s.sendall(b"one\n")
        assert read_until(s, b"echo: one\n").endswith(b"echo: one\n")
        s.sendall(b"two\nbye\n")
        rest = rk.wsgiclient.read_to_close(s)
        assert rest == b"echo: two\ndone\n", rest
        s.close()
    assert rk.http(w, "GET", "/").body == b"hello"
    w.wait_log(r'"GET /full HTTP/1.1" 101')


def test_partial_hijack(weft):
    w = weft("--rack", APP)
    data = rk.raw(w, b"GET /partial HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n"), data
    assert b"Content-Type: text/plain" in head
    assert b"Connection: close" in head
    assert b"Transfer-Encoding" not in head and b"Content-Length" not in head
    assert b"rack.hijack" not in head
    assert body == b"partial hijack\n"
    assert rk.http(w, "GET", "/").body == b"hello"


def test_early_hints(weft):
    w = weft("--rack", APP)
    data = rk.raw(w, b"GET /hints HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n"
                           b"Link: </b.js>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\n"), data
    assert data.endswith(b"after hints")
    # HTTP/1.0 clients and the uwsgi protocol get no interim response.
    data = rk.raw(w, b"GET /hints HTTP/1.0\r\nHost: x\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200 OK\r\n") and data.endswith(b"after hints"), data


def test_early_hints_over_uwsgi_are_dropped(weft):
    w = weft("--rack", APP, http=False)
    r = rk.uwsgi(w, "GET", "/hints", modifier1=7)
    assert (r.status, r.body) == (200, b"after hints")


def test_env_advertises_hijack(weft):
    w = weft("--rack", APP)
    assert rk.http(w, "GET", "/hints-late").body == b"hinted=true hijack?=true"
