"""The Ruby plugin's options (--rbrequire, --rubypath, --ruby-gc-freq, the
core's --chdir) and --async without an engine: bodies that yield share the
worker."""
import os
import socket
import sys
import threading

from weftlib import SRCDIR

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "ruby"))
import rackclient as rk  # noqa: E402
from rackclient import _needs_ruby  # noqa: E402,F401

APP = rk.app("async_app.ru")
NO_ENGINE = [r"no suspend engine"]


def test_rubypath_and_rbrequire(weft):
    w = weft("--rack", APP, "--rubypath", rk.app("lib"), "--rbrequire", "weft_test_helper")
    assert rk.http(w, "GET", "/features").body.split()[0] == b"true"


def test_rbrequire_failure_exits_non_zero(weft):
    p = rk.wsgiclient.weftlib.run(["--http-socket", "127.0.0.1:0", "--rack", APP,
                                   "--rbrequire", "no_such_feature_here"])
    assert p.returncode != 0
    assert "--rbrequire no_such_feature_here failed" in p.stdout + p.stderr
    assert "LoadError" in p.stdout + p.stderr


def test_chdir_is_the_cores(weft):
    w = weft("--chdir", rk.app("."), "--rack", "async_app.ru")
    assert rk.http(w, "GET", "/features").body.split()[1] == os.path.realpath(rk.app(".")).encode()


def gc_runs(w, n):
    before = int(rk.http(w, "GET", "/gc").body)
    for _ in range(n):
        rk.http(w, "GET", "/hello")
    return int(rk.http(w, "GET", "/gc").body) - before


def test_no_gc_per_request_by_default(weft):
    w = weft("--rack", APP)
    assert gc_runs(w, 60) < 30


def test_ruby_gc_freq(weft):
    w = weft("--rack", APP, "--ruby-gc-freq", "1")
    assert gc_runs(w, 60) >= 60


def test_async_without_engine_yields_share_the_worker(weft):
    w = weft("--rack", APP, "--async", "4", allow_errors=NO_ENGINE)
    out = {}

    def slow():
        out["slow"] = rk.http(w, "GET", "/slow?2").body
    t = threading.Thread(target=slow)
    t.start()
    w.wait_log(r"worker 1 ready")
    # The slow request is sleeping inside its body: others are served.
    for _ in range(3):
        assert rk.http(w, "GET", "/ticks").body == b"t0 t1 t2 t3 t4 "
        assert "slow" not in out
    t.join(10)
    assert out["slow"].startswith(b"start end core=")


def test_async_without_engine_many_sleepers(weft):
    w = weft("--rack", APP, "--async", "50", allow_errors=NO_ENGINE)
    res = rk.many(w, ["/slow?1"] * 50, timeout=30)
    assert all(s == 200 and b.startswith(b"start end core=") for s, b in res), res
    assert len({b for _, b in res}) == 50        # fifty cores at once


def test_client_gone_mid_body_is_quiet(weft):
    w = weft("--rack", APP, "--async", "4", allow_errors=NO_ENGINE)
    s = socket.create_connection(w.addr)
    s.sendall(b"GET /slow?0.5 HTTP/1.1\r\nHost: x\r\n\r\n")
    s.recv(10)
    s.close()
    assert rk.http(w, "GET", "/ticks").status == 200
