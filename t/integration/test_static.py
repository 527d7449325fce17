"""Static files: --static-map and --check-static, ranges, conditional
requests, HEAD, types from /etc/mime.types, and no way out of the root."""
import email.utils
import os
import socket
import time

import pytest

from weftlib import TEST_PLUGINS, Reader, http_get

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "www"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "index.html").write_bytes(b"<h1>index</h1>")
    (root / "style.css").write_bytes(b"body{}")
    data = bytes(range(256)) * 4096                    # 1 MiB
    (root / "big.bin").write_bytes(data)
    (tmp_path / "secret.txt").write_bytes(b"top secret")
    os.symlink(str(tmp_path / "secret.txt"), str(root / "escape.txt"))
    os.symlink(str(root / "style.css"), str(root / "inside.css"))
    (root / "emptydir").mkdir()
    return tmp_path, root, data


@pytest.fixture
def app(weft):
    def start(*args, **kw):
        return weft("--plugin", TESTAPP, *args, **kw)
    return start


def raw(w, target):
    s = w.connect()
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % target).encode())
    r = Reader(s).read()
    s.close()
    return r


def test_serves_a_file_with_type_length_and_validators(app, tree):
    base, root, data = tree
    w = app("--static-map", "/static=%s" % root)
    r = http_get(w, "/static/big.bin")
    assert r.status == 200 and r.body == data
    assert r.header("Content-Length") == str(len(data))
    assert r.header("Accept-Ranges") == "bytes"
    assert r.header("ETag", "").startswith('"')
    assert r.header("Last-Modified")
    r = http_get(w, "/static/style.css")
    assert r.header("Content-Type") == "text/css" and r.body == b"body{}"


def test_head(app, tree):
    base, root, data = tree
    w = app("--static-map", "/static=%s" % root)
    r = http_get(w, "/static/big.bin", method="HEAD")
    assert r.status == 200 and r.body == b"" and r.header("Content-Length") == str(len(data))


@pytest.mark.parametrize("rng,first,last", [
    ("bytes=0-99", 0, 99), ("bytes=1000-", 1000, 1048575), ("bytes=-500", 1048576 - 500, 1048575),
    ("bytes=1048000-2000000", 1048000, 1048575),
])
def test_ranges(app, tree, rng, first, last):
    base, root, data = tree
    w = app("--static-map", "/static=%s" % root)
    r = http_get(w, "/static/big.bin", headers=[("Range", rng)])
    assert r.status == 206
    assert r.header("Content-Range") == "bytes %d-%d/%d" % (first, last, len(data))
    assert r.body == data[first:last + 1]


def test_unsatisfiable_range_is_416(app, tree):
    base, root, data = tree
    w = app("--static-map", "/static=%s" % root)
    r = http_get(w, "/static/big.bin", headers=[("Range", "bytes=2000000-")])
    assert r.status == 416 and r.header("Content-Range") == "bytes */%d" % len(data)


def test_multiple_ranges_get_the_whole_file(app, tree):
    base, root, data = tree
    w = app("--static-map", "/static=%s" % root)
    r = http_get(w, "/static/big.bin", headers=[("Range", "bytes=0-1,5-6")])
    assert r.status == 200 and len(r.body) == len(data)


def test_not_modified(app, tree):
    base, root, data = tree
    w = app("--static-map", "/static=%s" % root)
    first = http_get(w, "/static/style.css")
    etag, lm = first.header("ETag"), first.header("Last-Modified")
    r = http_get(w, "/static/style.css", headers=[("If-None-Match", etag)])
    assert r.status == 304 and r.body == b"" and r.header("ETag") == etag
    r = http_get(w, "/static/style.css", headers=[("If-Modified-Since", lm)])
    assert r.status == 304
    later = email.utils.formatdate(time.time() + 3600, usegmt=True)
    assert http_get(w, "/static/style.css", headers=[("If-Modified-Since", later)]).status == 304
    earlier = email.utils.formatdate(time.time() - 86400 * 365, usegmt=True)
    assert http_get(w, "/static/style.css", headers=[("If-Modified-Since", earlier)]).status == 200
    assert http_get(w, "/static/style.css", headers=[("If-None-Match", '"other"')]).status == 200
    # If-Range with a stale validator sends the whole file
    r = http_get(w, "/static/style.css", headers=[("Range", "bytes=0-1"), ("If-Range", '"old"')])
    assert r.status == 200 and r.body == b"body{}"
    r = http_get(w, "/static/style.css", headers=[("Range", "bytes=0-1"), ("If-Range", etag)])
    assert r.status == 206 and r.body == b"bo"


@pytest.mark.parametrize("target", [
    "/static/../secret.txt",
    "/static/%2e%2e/secret.txt",
    "/static/sub/%2E%2E/%2e%2e/secret.txt",
    "/static/..%2fsecret.txt",
])
def test_traversal_is_refused(app, tree, target):
    base, root, data = tree
    w = app("--static-map", "/static=%s" % root)
    r = raw(w, target)
    assert r.status == 403 and b"top secret" not in r.body


def test_symlink_out_of_the_root_is_refused(app, tree):
    base, root, data = tree
    w = app("--static-map", "/static=%s" % root)
    r = http_get(w, "/static/escape.txt")
    assert r.status == 403 and b"top secret" not in r.body
    # a symlink that stays inside is fine
    assert http_get(w, "/static/inside.css").body == b"body{}"


def test_no_directory_listing(app, tree):
    base, root, data = tree
    w = app("--static-map", "/static=%s" % root)
    # no index: the request goes on to the app (testapp answers 404)
    r = http_get(w, "/static/emptydir")
    assert r.status == 404 and b"no such test" in r.body
    r = http_get(w, "/static/sub/")
    assert r.status == 404 and b"index.html" not in r.body


def test_static_index(app, tree):
    base, root, data = tree
    w = app("--static-map", "/static=%s" % root, "--static-index", "index.html")
    assert http_get(w, "/static/sub/").body == b"<h1>index</h1>"


def test_missing_file_falls_through_to_the_app(app, tree):
    base, root, data = tree
    w = app("--static-map", "/static=%s" % root)
    assert http_get(w, "/static/nope.txt").body == b"no such test"
    assert http_get(w, "/hello").body == b"Hello, World!"
    # only GET and HEAD are served from files
    r = http_get(w, "/static/style.css", method="POST", body=b"x")
    assert r.body == b"no such test"


def test_check_static(app, tree):
    base, root, data = tree
    w = app("--check-static", str(root))
    assert http_get(w, "/style.css").body == b"body{}"
    assert http_get(w, "/hello").body == b"Hello, World!"
    assert raw(w, "/%2e%2e/secret.txt").status == 403


def test_static_through_the_engine_and_without(app, tree):
    base, root, data = tree
    for extra in ((), ("--async", "4", "--ugreen")):
        w = app("--static-map", "/static=%s" % root, *extra)
        s = w.connect(timeout=30)
        # three 1 MiB files pipelined, read slowly: the socket fills up
        s.sendall(b"GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
        time.sleep(0.3)
        rd = Reader(s)
        for _ in range(3):
            assert rd.read().body == data
        s.close()
        w.stop()


def test_missing_static_dir_is_a_startup_error():
    import subprocess
    from weftlib import WEFT_BIN
    r = subprocess.run([WEFT_BIN, "--plugin", TESTAPP, "--http-socket", "127.0.0.1:0",
                        "--static-map", "/s=/no/such/dir"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode != 0 and "/no/such/dir is not a directory" in r.stderr


def test_bad_static_map_is_an_option_error():
    import subprocess
    from weftlib import WEFT_BIN
    r = subprocess.run([WEFT_BIN, "--static-map", "nourl"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode != 0 and "'nourl' is not /url=directory" in r.stderr
