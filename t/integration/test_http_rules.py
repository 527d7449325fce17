"""One set of HTTP rules (core/http_rules.c) seen from every side: the same
bad bytes in a response header's value, a bad field name and a bad status
line are refused the same way by a WSGI app (start_response raises) and by a
CGI script (502); an obsolete line fold in a request reaches both whole, as
spaces; wsgi.file_wrapper goes out with api->sendfile_fd from where the app
left the file, and a pipe is read instead."""
import os
import sys
from urllib.parse import quote_from_bytes

import pytest

from weftlib import SRCDIR, plugin_available
from test_cgi_common import APPS, body_of, env_of, raw

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "python"))
import wsgiclient as wc  # noqa: E402

needs_python = wc.needs("python")
needs_cgi = pytest.mark.skipif(not plugin_available("cgi"),
                               reason="cgi.so is not built (configure --enable-cgi)")

APP = wc.app("rules_app.py")
CGI_502 = [r"bad gateway"]

# Bytes no field value may hold, and the ones it may.
BAD_VALUES = [b"a\x01b", b"a\x7fb", b"a\rb", b"a\nb", b"a\x00b", b"\x1f", b"a\x08"]
GOOD_VALUES = [b"plain", b"a\tb", b"caf\xe9", b"\x80\xff", b"\"quoted\" (x) <y>"]
BAD_NAMES = [b"X A", b"X(A)", b"X\"A", b"X@A", b"X\x01A", b"caf\xe9"]
BAD_STATUSES = [b"20 OK", b"099 Low", b"2000 OK", b"OK 200", b"200\tOK", b"200 O\x01K",
                b"200 OK\x7f", b"-20 OK", b"2x0 OK"]
GOOD_STATUSES = [(b"418 I'm a teapot", 418), (b"299 Odd but fine", 299), (b"404 \xe9", 404)]


def q(b):
    return quote_from_bytes(b, safe="")


def python(weft):
    return weft("--plugin", "python", "--wsgi-file", APP)


def cgi(weft):
    return weft("--plugin", "cgi", "--cgi", APPS, allow_errors=CGI_502)


def py_get(w, path):
    r = wc.http(w, "GET", path)
    assert r.status == 200, (path, r)
    return r


def cgi_head(w, head):
    """Run rules.py with this head; the raw response."""
    out = raw(w, b"GET /rules.py?" + q(head).encode() + b" HTTP/1.1\r\nHost: x\r\n"
              b"Connection: close\r\n\r\n")
    status = int(out.split(b" ", 2)[1])
    return status, out


# ------------------------------------------------------------ response fields

@needs_python
@needs_cgi
def test_field_values_are_refused_alike(weft):
    py, cg = python(weft), cgi(weft)
    for v in BAD_VALUES:
        body = py_get(py, "/header?v=" + q(v)).body
        assert body.startswith(b"refused ValueError: invalid header"), (v, body)
        status, out = cgi_head(cg, b"Content-Type: text/plain\nX-Bad: " + v)
        assert status == 502, (v, out)
        assert out.endswith(b"502 Bad Gateway\n"), (v, out)
    for v in GOOD_VALUES:
        r = py_get(py, "/header?v=" + q(v))
        assert r.body == b"accepted", (v, r.body)
        assert r.header("X-Bad") == v.decode("latin-1").strip(), (v, r.headers)
        status, out = cgi_head(cg, b"Content-Type: text/plain\nX-Bad: " + v)
        assert status == 200, (v, out)
        assert b"\r\nX-Bad: " + v + b"\r\n" in out, (v, out)
        assert body_of(out) == b"body\n", out
    for pattern in (r"has a control character", r'is not "Name: value"'):
        cg.wait_log(r"ERROR cgi: .*rules\.py: bad gateway: header line \d+, .*" + pattern)


@needs_python
@needs_cgi
def test_field_names_are_refused_alike(weft):
    py, cg = python(weft), cgi(weft)
    for n in BAD_NAMES + [b""]:
        body = py_get(py, "/header-name?n=" + q(n)).body
        assert body.startswith(b"refused ValueError: invalid header"), (n, body)
        status, out = cgi_head(cg, b"Content-Type: text/plain\n" + n + b": x")
        assert status == 502, (n, out)
    for n in (b"X-Ok", b"x.y_z~!#$%&'*+^`|"):
        assert py_get(py, "/header-name?n=" + q(n)).body == b"accepted"
        status, out = cgi_head(cg, b"Content-Type: text/plain\n" + n + b": x")
        assert status == 200 and b"\r\n" + n + b": x\r\n" in out, (n, out)
    cg.wait_log(r"ERROR cgi: .*rules\.py: bad gateway: header line 2, .* has a bad field name")


@needs_python
@needs_cgi
def test_status_lines_are_refused_alike(weft):
    py, cg = python(weft), cgi(weft)
    for s in BAD_STATUSES:
        body = py_get(py, "/status?s=" + q(s)).body
        assert body.startswith(b"refused ValueError: the status must be like"), (s, body)
        status, out = cgi_head(cg, b"Status: " + s + b"\nContent-Type: text/plain")
        assert status == 502, (s, out)
    for s, code in GOOD_STATUSES:
        r = wc.http(py, "GET", "/status?s=" + q(s))
        assert (r.status, r.body) == (code, b"accepted"), (s, r)
        status, out = cgi_head(cg, b"Status: " + s + b"\nContent-Type: text/plain")
        assert status == code, (s, out)
        assert out.startswith(b"HTTP/1.1 " + s + b"\r\n"), out
    cg.wait_log(r"ERROR cgi: .*rules\.py: bad gateway: Status .* is not a final HTTP status")


@needs_cgi
def test_cgi_content_length_rule(weft):
    cg = cgi(weft)
    for v in (b"+4", b"-4", b"4 4", b"0x4", b"99999999999999999999", b""):
        status, out = cgi_head(cg, b"Content-Type: text/plain\nContent-Length: " + v)
        assert status == 502, (v, out)
    # A length given twice must agree, by value.
    status, out = cgi_head(cg, b"Content-Type: text/plain\nContent-Length: 5\n"
                               b"Content-Length: 005")
    assert status == 200 and out.count(b"Content-Length: 5\r\n") == 1, out
    assert out.endswith(b"\r\n\r\nbody\n"), out
    status, out = cgi_head(cg, b"Content-Type: text/plain\nContent-Length: 5\nContent-Length: 6")
    assert status == 502, out
    # The script's length frames the body: "bo" of "body\n".
    status, out = cgi_head(cg, b"Content-Type: text/plain\nContent-Length: 2")
    assert status == 200 and out.endswith(b"\r\n\r\nbo"), out
    cg.wait_log(r"ERROR cgi: .*rules\.py: bad gateway: Content-Length .* is not a length")


@needs_python
def test_python_bad_content_length_is_500(weft):
    w = weft("--plugin", "python", "--wsgi-file", APP,
             allow_errors=[r"ERROR (GET /\S+: the app|Traceback|  |[A-Za-z]+Error: )"])
    r = wc.http(w, "GET", "/header-name?n=Content-Length")       # "Content-Length: x"
    assert r.status == 500, r
    w.wait_log(r"ValueError: invalid header \('Content-Length', 'x'\)")


# ------------------------------------------------------------ request fields

FOLDED = (b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
          b"X-A: 1\r\n continued\r\nX-B: after\r\n\r\n")


@needs_python
def test_obs_fold_reaches_python_whole(weft):
    w = python(weft)
    out = raw(w, FOLDED % b"/echo-header")
    assert out.startswith(b"HTTP/1.1 200 "), out
    assert out.endswith(b"\r\n\r\n1   continued"), out
    # Several folds with tabs, and the head arriving a byte at a time.
    s = w.connect()
    try:
        for ch in (b"GET /echo-header HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                   b"X-A: a\t\r\n\tb\r\n  c \r\n\r\n"):
            s.send(bytes([ch]))
        out = wc.read_to_close(s)
    finally:
        s.close()
    assert out.endswith(b"\r\n\r\na    b    c"), out


@needs_cgi
def test_obs_fold_reaches_cgi_whole(weft):
    w = cgi(weft)
    out = raw(w, FOLDED % b"/env.sh")
    assert out.startswith(b"HTTP/1.1 200 "), out
    env = env_of(out.partition(b"\r\n\r\n")[2])
    assert env["HTTP_X_A"] == "1   continued"
    assert env["HTTP_X_B"] == "after"


@needs_python
@pytest.mark.parametrize("bad", [b"\x01", b"\x7f", b"\x00"], ids=["0x01", "0x7f", "NUL"])
def test_control_bytes_in_a_request_field_are_400(weft, bad):
    w = python(weft)
    out = raw(w, b"GET /echo-header HTTP/1.1\r\nHost: x\r\nX-A: a" + bad + b"b\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400 "), out


# ------------------------------------------------------------ file_wrapper

def patterned(size):
    return bytes((i * 7) % 251 for i in range(size))


@needs_python
def test_file_wrapper_starts_where_the_app_left_the_file(weft):
    w = python(weft)
    for n, size in ((100, 5000), (0, 70000), (8192, 70000), (5000, 5000)):
        r = wc.http(w, "GET", "/file-read?n=%d&size=%d" % (n, size))
        assert r.status == 200
        assert r.header("Content-Length") == str(size - n), (n, size, r.headers)
        assert r.body == patterned(size)[n:], (n, size)
    h = wc.http(w, "HEAD", "/file-read?n=10&size=1000")
    assert (h.status, h.body, h.header("Content-Length")) == (200, b"", "990")


@needs_python
def test_file_wrapper_over_a_pipe_is_read(weft):
    w = python(weft)
    for size in (0, 10, 60000):
        r = wc.http(w, "GET", "/pipe?size=%d" % size)
        assert r.status == 200
        assert r.body == patterned(size), size
