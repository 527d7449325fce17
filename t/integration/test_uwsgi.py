"""The uwsgi binary protocol (what nginx's uwsgi_pass speaks), through the
same engine as HTTP: the app sees the same variables either way."""
import os
import struct
import time

import pytest

from weftlib import TEST_PLUGINS, Reader, uwsgi_packet, uwsgi_request

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")


@pytest.fixture
def app(weft):
    def start(*args, **kw):
        return weft("--plugin", TESTAPP, *args, http=False, **kw)
    return start


def test_vars_pass_through(app):
    w = app()
    r = uwsgi_request(w, "/vars?a=1", extra={"HTTP_X_THING": "yes", "HTTPS": "on"})
    assert r.status == 200
    body = r.body.decode()
    assert "REQUEST_METHOD=GET\n" in body
    assert "QUERY_STRING=a=1\n" in body
    assert "HTTP_X_THING=yes\n" in body
    assert "HTTPS=on\n" in body


def test_body_and_length(app):
    w = app()
    data = os.urandom(200000)
    r = uwsgi_request(w, "/echo", method="POST", body=data)
    assert r.status == 200 and r.body == data


def test_response_is_http_with_length_or_close(app):
    w = app("--async", "4")
    r = uwsgi_request(w, "/hello")
    assert r.version == "HTTP/1.1" and r.header("Content-Length") == "13"
    r = uwsgi_request(w, "/stream?n=30&size=100")
    # no chunking on the uwsgi protocol: the close ends the body
    assert r.header("Transfer-Encoding") is None and r.body == b"x" * 3000


def test_modifier1_routes_to_the_only_language(app):
    w = app()
    # testapp registers modifier1 99; alone, it serves any modifier1
    assert uwsgi_request(w, "/hello", modifier1=0).status == 200
    assert uwsgi_request(w, "/hello", modifier1=5).status == 200


def test_sleep_over_uwsgi(app):
    w = app("--async", "10", "--ugreen")
    t0 = time.time()
    assert uwsgi_request(w, "/sleep?s=0.3").body == b"slept"
    assert time.time() - t0 < 2


def raw(w, data):
    s = w.connect(timeout=5)
    s.sendall(data)
    out = b""
    try:
        while True:
            d = s.recv(4096)
            if not d:
                break
            out += d
    except OSError:
        pass
    s.close()
    return out


@pytest.mark.parametrize("packet", [
    struct.pack("<BHB", 0, 65000, 0) + b"x" * 100,                   # over --buffer-size
    struct.pack("<BHB", 0, 6, 0) + b"\x00\x00\x02\x00ab",            # zero-length key
    struct.pack("<BHB", 0, 7, 0) + b"\x01\x00A\x7f\x00xy",           # value past the end
    struct.pack("<BHB", 0, 5, 0) + b"\x40\x00AB\x00",                # key past the end
    uwsgi_packet({"REQUEST_METHOD": "GET", "CONTENT_LENGTH": "12x"}),  # bad length
])
def test_malformed_packets_are_closed(app, packet):
    w = app()
    assert raw(w, packet) == b""
    # and the server still answers
    assert uwsgi_request(w, "/hello").status == 200
    w.stop()
    assert "malformed uwsgi packet" in w.log() or "over --buffer-size" in w.log() \
        or "bad CONTENT_LENGTH" in w.log()


def test_truncated_packet_then_close(app):
    w = app()
    assert raw(w, struct.pack("<BHB", 0, 100, 0) + b"\x01\x00") == b""
    assert uwsgi_request(w, "/hello").status == 200


def test_body_over_limit_post_is_413(app):
    w = app("--limit-post", "10")
    r = uwsgi_request(w, "/echo", method="POST", body=b"x" * 11)
    assert r.status == 413
