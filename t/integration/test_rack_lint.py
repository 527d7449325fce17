"""Every request's env and response pass Debian's Rack::Lint (rack 2.2),
across GET, HEAD, a query, POST, a chunked POST, a streamed body and a
to_path body: in sync mode and with --async and no engine."""
import os
import sys

import pytest

import weftlib
from weftlib import SRCDIR

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "ruby"))
import rackclient as rk  # noqa: E402
from rackclient import _needs_ruby  # noqa: E402,F401

APP = rk.app("lint.ru")
MODES = [pytest.param([], id="sync"), pytest.param(["--async", "8"], id="async-no-engine")]
# Under the fiber engine too, wherever fiber.so is built (test_fiber.py
# fails when it is not).
if weftlib.plugin_available("fiber"):
    MODES.append(pytest.param(["--fiber", "--async", "8"], id="fiber"))


@pytest.mark.parametrize("mode", MODES)
def test_lint_matrix(weft, mode):
    w = weft("--rack", APP, *mode, env={"LINT_SLEEP": "1"} if mode else None,
             allow_errors=[r"no suspend engine"])
    r = rk.http(w, "GET", "/get")
    assert (r.status, r.body) == (200, b"GET /get?"), r.body
    r = rk.http(w, "HEAD", "/head")
    assert (r.status, r.body) == (200, b"")
    r = rk.http(w, "GET", "/q?a=1&b=two")
    assert (r.status, r.body) == (200, b"GET /q?a=1&b=two")
    r = rk.http(w, "POST", "/post", body=b"x=1&y=2",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (r.status, r.body) == (200, b"7 true x=1&y=2")
    r = rk.http(w, "POST", "/post", body=[b"ab", b"cd", b"e"])
    assert (r.status, r.body) == (200, b"5 true abcde")
    r = rk.http(w, "GET", "/stream")
    assert (r.status, r.body) == (200, b"chunk one\nchunk two\nchunk three\n")
    r = rk.http(w, "GET", "/path")
    with open(APP, "rb") as f:
        assert (r.status, r.body) == (200, f.read())
    w.stop()
    w.assert_not_logged(r"LintError|ERROR", after=True)
