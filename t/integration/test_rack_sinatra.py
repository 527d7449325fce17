"""A real framework: Debian's ruby-sinatra on rack 2.2 serves routes,
params, a POST form, a streamed response and its error pages, in sync mode
and with --async and no engine."""
import os
import sys

import pytest

import weftlib
from weftlib import SRCDIR

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "ruby"))
import rackclient as rk  # noqa: E402
from rackclient import _needs_ruby  # noqa: E402,F401

APP = rk.app("sinatra_app.ru")
MODES = [pytest.param([], id="sync"), pytest.param(["--async", "8"], id="async-no-engine")]
# Under the fiber engine too, wherever fiber.so is built (test_fiber.py
# fails when it is not).
if weftlib.plugin_available("fiber"):
    MODES.append(pytest.param(["--fiber", "--async", "8"], id="fiber"))


@pytest.mark.parametrize("mode", MODES)
def test_sinatra(weft, mode):
    w = weft("--rack", APP, *mode, allow_errors=[r"no suspend engine"])
    r = rk.http(w, "GET", "/")
    assert (r.status, r.body) == (200, b"Hello from Sinatra")
    assert r.header("Content-Type").startswith("text/html")
    r = rk.http(w, "GET", "/hello/ruby?q=a%20b")
    assert (r.status, r.body) == (200, b"Hello, ruby! q=a b")
    r = rk.http(w, "POST", "/form", body=b"name=Ann&age=41",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (r.status, r.body) == (200, b"name=Ann age=41")
    r = rk.http(w, "POST", "/form", body=[b"name=Bo", b"b&age=7"],
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (r.status, r.body) == (200, b"name=Bob age=7")
    r = rk.http(w, "GET", "/stream")
    assert (r.status, r.body) == (200, b"one\ntwo\nthree\n")
    r = rk.http(w, "GET", "/json")
    assert (r.status, r.body, r.header("Content-Type")) == (200, b'{"ok":true}', "application/json")
    r = rk.http(w, "GET", "/missing")
    assert (r.status, r.body) == (404, b"no such page: /missing")
    r = rk.http(w, "GET", "/boom")
    assert (r.status, r.body) == (500, b"error page: sinatra route failed on purpose")
    r = rk.http(w, "HEAD", "/")
    assert (r.status, r.body) == (200, b"")
    assert rk.http(w, "GET", "/").status == 200
