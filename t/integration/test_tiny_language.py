"""examples/tiny-language, the language plugin docs/sdk-guide.md walks
through, builds out of tree against nothing but the installed SDK and serves
requests with the request facts, read_line and the response helpers."""
import os
import shutil
import subprocess

import pytest

from weftlib import BUILDDIR, SRCDIR, Reader, Weft, run


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
    if shutil.which("pkg-config") is None or shutil.which("cc") is None:
        pytest.fail("pkg-config and cc are needed (apt-get install pkg-config gcc)")
    tmp = tmp_path_factory.mktemp("tiny")
    dest = tmp / "root"
    subprocess.run(["make", "-C", BUILDDIR, "install-weftincludeHEADERS",
                    "install-pkgconfigDATA", "DESTDIR=%s" % dest],
                   check=True, capture_output=True)
    pcdirs = [str(p.parent) for p in dest.rglob("weft.pc")]
    assert pcdirs, "make install put no weft.pc under %s" % dest
    env = dict(os.environ, PKG_CONFIG_PATH=pcdirs[0], PKG_CONFIG_SYSROOT_DIR=str(dest))
    src = tmp / "tiny"
    shutil.copytree(os.path.join(SRCDIR, "examples", "tiny-language"), src)
    r = subprocess.run(["make", "-C", str(src), "CFLAGS=-O2 -Werror"], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return src


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
