"""HTTP/1.1 through the request engine, with the C test plugin
(t/plugins/testapp.c): keep-alive, pipelining, chunked uploads,
100-continue, HEAD, framing, limits and request smuggling."""
import os
import socket
import time

import pytest

from weftlib import TEST_PLUGINS, Reader, http_get

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")


@pytest.fixture
def app(weft):
    def start(*args, **kw):
        return weft("--plugin", TESTAPP, *args, **kw)
    return start


def send(s, data):
    s.sendall(data.encode("latin-1") if isinstance(data, str) else data)


def test_hello_has_length_and_date(app):
    w = app()
    r = http_get(w, "/hello")
    assert r.status == 200 and r.body == b"Hello, World!"
    assert r.header("Content-Length") == "13"
    assert r.header("Date", "").endswith(" GMT")
    assert r.header("Connection") == "close"


def test_keepalive_reuses_the_connection(app):
    w = app()
    s = w.connect()
    rd = Reader(s)
    port = s.getsockname()[1]
    for i in range(5):
        send(s, "GET /vars?i=%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
        r = rd.read()
        assert r.status == 200
        assert r.header("Connection") is None       # keep-alive is 1.1's default
        assert b"QUERY_STRING=i=%d\n" % i in r.body
        assert b"REMOTE_PORT=%d\n" % port in r.body   # the same connection
    s.close()


def test_repeated_fields_become_one_variable(app):
    # A proxy that splits cookies sends forty Cookie lines: they reach the app
    # as one HTTP_COOKIE joined with "; ", other repeats joined with ", ".
    w = app()
    s = w.connect()
    crumbs = ["c%02d=%s" % (i, "v" * 90) for i in range(40)]
    send(s, "GET /vars HTTP/1.1\r\nHost: x\r\n"
            + "".join("Cookie: %s\r\nX-Seen: %d\r\n" % (c, i) for i, c in enumerate(crumbs))
            + "Connection: close\r\n\r\n")
    r = Reader(s).read()
    assert r.status == 200
    assert ("HTTP_COOKIE=%s\n" % "; ".join(crumbs)).encode() in r.body
    assert ("HTTP_X_SEEN=%s\n" % ", ".join(str(i) for i in range(40))).encode() in r.body
    s.close()


def test_http10_keepalive_only_when_asked(app):
    w = app()
    s = w.connect()
    send(s, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    r = Reader(s).read()
    assert r.header("Connection") == "keep-alive"
    send(s, "GET /hello HTTP/1.0\r\n\r\n")
    r = Reader(s).read()
    assert r.body == b"Hello, World!"
    assert s.recv(10) == b""                         # closed after a plain 1.0 request
    s.close()


def test_three_pipelined_requests_in_one_write(app):
    w = app()
    s = w.connect()
    send(s, "GET /vars?n=1 HTTP/1.1\r\nHost: x\r\n\r\n"
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            "GET /vars?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    rd = Reader(s)
    a, b, c = rd.read(), rd.read(), rd.read()
    assert b"QUERY_STRING=n=1\n" in a.body
    assert b.body == b"hello"
    assert b"QUERY_STRING=n=3\n" in c.body
    assert c.header("Connection") == "close"
    s.close()


def test_pipelined_behind_a_slow_request_stay_in_order(app):
    w = app("--async", "10", "--ugreen")
    s = w.connect()
    send(s, "GET /sleep?s=0.3 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
    rd = Reader(s)
    assert rd.read().body == b"slept"
    assert rd.read().body == b"Hello, World!"
    s.close()


def test_chunked_upload_echoed(app):
    w = app()
    s = w.connect()
    chunks = [b"a" * 10, b"b" * 70000, b"c"]
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    send(s, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    for i in range(0, len(body), 4096):          # trickled in pieces
        s.sendall(body[i:i + 4096])
    r = Reader(s).read()
    assert r.status == 200
    assert r.header("X-Chunked-Upload") == "yes"
    assert r.body == b"".join(chunks)
    # the connection is still good for another request
    send(s, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
    assert Reader(s).read().body == b"Hello, World!"
    s.close()


def test_large_fixed_length_upload(app):
    w = app("--async", "4", "--ugreen")
    data = os.urandom(3 * 1024 * 1024)
    r = http_get(w, "/echo", method="POST", body=data, timeout=30)
    assert r.status == 200 and r.body == data


def test_expect_100_continue(app):
    w = app()
    s = w.connect()
    send(s, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    s.settimeout(5)
    interim = s.recv(100)
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    send(s, "data")
    r = Reader(s).read()
    assert r.status == 200 and r.body == b"data"
    s.close()


def test_expect_unknown_is_417(app):
    w = app()
    r = http_get(w, "/echo", headers=[("Expect", "something")])
    assert r.status == 417


def test_head_gets_headers_without_body(app):
    w = app()
    s = w.connect()
    send(s, "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
    rd = Reader(s)
    h = rd.read(head=True)
    assert h.status == 200 and h.header("Content-Length") == "13"
    g = rd.read()                 # the next response starts right after the head
    assert g.body == b"Hello, World!"
    s.close()


def test_head_of_an_unsized_body_gets_its_length(app):
    w = app()
    r = http_get(w, "/vars", method="HEAD")
    assert r.status == 200 and r.body == b""
    assert int(r.header("Content-Length")) > 100


def test_unsized_streamed_body_is_chunked_on_11(app):
    w = app("--async", "4")
    r = http_get(w, "/stream?n=50&size=1000")
    assert r.header("Transfer-Encoding") == "chunked"
    assert r.body == b"x" * 50000


def test_unsized_body_is_close_delimited_on_10(app):
    w = app("--async", "4")
    s = w.connect()
    send(s, "GET /stream?n=50&size=1000 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    r = Reader(s).read()
    assert r.header("Transfer-Encoding") is None and r.header("Content-Length") is None
    assert r.header("Connection") == "close"
    assert r.body == b"x" * 50000
    s.close()


def test_status_without_body(app):
    w = app()
    r = http_get(w, "/status?code=204")
    assert r.status == 204 and r.header("Content-Length") is None
    r = http_get(w, "/status?code=404")
    assert r.status == 404 and r.header("Content-Length") == "0"


def test_app_error_before_output_is_500(app):
    w = app()
    r = http_get(w, "/error")
    assert r.status == 500
    assert http_get(w, "/hello").status == 200       # the worker keeps serving


def test_app_error_mid_body_cuts_the_connection(app):
    w = app("--async", "2", "--ugreen", allow_errors=[])
    s = w.connect()
    send(s, "GET /error-mid HTTP/1.1\r\nHost: x\r\n\r\n")
    with pytest.raises(EOFError):
        Reader(s).read()         # promised 100000 bytes, got 7, then a close
    s.close()


def test_big_responses_without_and_with_engine(app):
    for args in ((), ("--async", "2", "--ugreen")):
        w = app(*args)
        s = w.connect(timeout=30)
        send(s, "GET /big?size=20000000 HTTP/1.1\r\nHost: x\r\n\r\n"
                "GET /file?size=20000000 HTTP/1.1\r\nHost: x\r\n\r\n"
                "GET /file?size=3000000&length=0 HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.5)          # let the socket buffers fill: EAGAIN paths
        rd = Reader(s)
        a, b, c = rd.read(), rd.read(), rd.read()
        assert len(a.body) == 20000000 and a.body[:26] == b"abcdefghijklmnopqrstuvwxyz"
        assert len(b.body) == 20000000 and b.body[-1:] == bytes([ord("a") + (19999999 % 4096) % 26])
        assert c.header("Transfer-Encoding") == "chunked" and len(c.body) == 3000000
        s.close()
        w.stop()


# ------------------------------------------------------------ bad input

def raw(w, data, timeout=5):
    """Send bytes; return everything the server says before closing."""
    s = w.connect(timeout=timeout)
    send(s, data)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except socket.timeout:
        pass
    s.close()
    return out


@pytest.mark.parametrize("request_bytes,status", [
    ("GARBAGE\r\n\r\n", 400),
    ("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 400),       # a TLS hello
    ("GET / HTTP/1.1\r\n\r\n", 400),                            # no Host
    ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400),
    ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde", 400),
    ("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400),
    ("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    ("GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
])
def test_malformed_requests_are_refused(app, request_bytes, status):
    w = app()
    out = raw(w, request_bytes)
    assert out.startswith(b"HTTP/1.1 %d " % status), out
    assert b"Connection: close" in out
    assert http_get(w, "/hello").status == 200


def test_smuggled_request_never_reaches_the_app(app):
    w = app()
    # If the server honoured Content-Length here, "GET /smuggled" would be a
    # second request.  It must be refused as a whole instead.
    out = raw(w, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /vars?smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400 ")
    assert b"smuggled" not in out


def test_head_over_buffer_size_is_431(app):
    w = app("--buffer-size", "4k")
    out = raw(w, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n" % ("a" * 5000))
    assert out.startswith(b"HTTP/1.1 431 ")
    out = raw(w, "GET / HTTP/1.1\r\nHost: x\r\n" + "".join("X-%d: v\r\n" % i for i in range(200)) + "\r\n")
    assert out.startswith(b"HTTP/1.1 431 ")
    assert http_get(w, "/hello").status == 200


def test_body_over_limit_post_is_413(app):
    w = app("--limit-post", "1000")
    r = http_get(w, "/echo", method="POST", body=b"x" * 1001)
    assert r.status == 413
    r = http_get(w, "/echo", method="POST", body=b"x" * 1000)
    assert r.status == 200 and len(r.body) == 1000
    # A chunked body that grows past the limit.
    s = w.connect()
    send(s, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    send(s, "400\r\n" + "y" * 1024 + "\r\n0\r\n\r\n")
    r = Reader(s).read()
    assert r.status == 413
    s.close()


def test_silent_client_is_closed_after_socket_timeout(app):
    w = app("--socket-timeout", "0.5")
    s = w.connect()
    t0 = time.time()
    assert s.recv(10) == b""
    assert 0.4 < time.time() - t0 < 3
    s.close()


def test_slowloris_is_closed_after_socket_timeout(app):
    w = app("--socket-timeout", "1")
    s = w.connect()
    t0 = time.time()
    head = "GET / HTTP/1.1\r\nHost: x\r\n" + "X-A: b\r\n" * 100
    closed = False
    for ch in head:              # one byte every 50 ms: never finishes in time
        try:
            s.sendall(ch.encode())
        except OSError:
            closed = True
            break
        time.sleep(0.05)
        if time.time() - t0 > 4:
            break
    if not closed:
        s.settimeout(2)
        try:
            closed = s.recv(10) == b""
        except OSError:
            closed = True
    assert closed, "a trickling client was still connected after 4 s"
    assert time.time() - t0 < 3
    s.close()
    assert http_get(w, "/hello").status == 200


def test_idle_keepalive_is_closed_after_keepalive_timeout(app):
    w = app("--keepalive-timeout", "0.5")
    s = w.connect()
    send(s, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
    Reader(s).read()
    t0 = time.time()
    s.settimeout(5)
    assert s.recv(10) == b""
    assert time.time() - t0 < 3
    s.close()


def test_client_gone_while_suspended_frees_the_core(app):
    w = app("--async", "1", "--ugreen")
    s = w.connect()
    send(s, "GET /sleep?s=30 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.3)
    s.close()
    w.wait_log(r"client went away during GET /sleep\?s=30 \(core 0\)")
    # The only core is free again: the next request is served at once.
    t0 = time.time()
    assert http_get(w, "/hello").status == 200
    assert time.time() - t0 < 2
    w.assert_log_count(r"client went away", 1)
