"""examples/tiny-language, the language plugin docs/sdk-guide.md walks
through, builds out of tree against nothing but the installed SDK and serves
requests with the request facts, read_line and the response helpers."""
import pathlib

import pytest

from weftlib import Reader, Weft, build_example_plugin, run


def ask(w, method, path, host, body=None):
    """One request with its own Host on a new connection."""
    s = w.connect()
    try:
        extra = "Content-Length: %d\r\n" % len(body) if body is not None else ""
        s.sendall(("%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n%s\r\n"
                   % (method, path, host, extra)).encode() + (body or b""))
        return Reader(s).read(head=(method == "HEAD"))
    finally:
        s.close()


@pytest.fixture(scope="module")
def tiny_so(tmp_path_factory):
    return pathlib.Path(build_example_plugin("tiny-language", tmp_path_factory.mktemp("tiny"),
                                             ["CFLAGS=-O2 -Werror"]))


def test_tiny_language_serves_its_template(tiny_so):
    page = str(tiny_so / "page.txt")
    with Weft(["--plugin", str(tiny_so / "tiny.so"), "--tiny-template", page]) as w:
        w.wait_log(r"tiny: serving")
        res = ask(w, "GET", "/a/b?x=1", "example.org:8080")
        assert res.status == 200
        assert res.header("Content-Length") == str(len(res.body))
        assert res.body == b"GET http://example.org:8080/a/b\nbody lines: 0\n"

        body = b"one\ntwo\nthree\n"
        res = ask(w, "POST", "/post", "h", body)
        assert res.body.endswith(b"body lines: 3\n"), res.body

        res = ask(w, "HEAD", "/", "h")
        assert res.status == 200 and res.body == b""
        assert int(res.header("Content-Length")) > 0


def test_tiny_language_without_a_template_stops_weft(tiny_so):
    r = run(["--plugin", str(tiny_so / "tiny.so"), "--http-socket", "127.0.0.1:0"])
    assert r.returncode != 0
    assert "give --tiny-template FILE" in r.stderr
