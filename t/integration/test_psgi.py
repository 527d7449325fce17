"""The Perl plugin serves PSGI 1.1: boot, the env, psgi.input, the body in
its forms, streaming, cleanup handlers, harakiri, errors, and the refusal
of engines that switch C stacks under Perl."""
import json
import os
import re
import sys

import pytest

import weftlib
from weftlib import SRCDIR, run

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "perl"))
import psgiclient as pc  # noqa: E402
from psgiclient import _needs_perl  # noqa: E402,F401

APP = pc.app("psgi_app.psgi")
# The error routes log their messages at ERROR on purpose.
DIES = [r"ERROR (GET /\S+: the app died|  |perl: a psgix.cleanup handler died)"]


def serve(weft, *args, **kw):
    kw.setdefault("allow_errors", DIES)
    return weft("--plugin", "perl", "--psgi", APP, *args, **kw)


def test_hello(weft):
    w = weft("--psgi", pc.app("hello.psgi"))
    r = pc.http(w, "GET", "/")
    assert (r.status, r.body, r.header("Content-Length")) == (200, b"Hello, World!", "13")
    h = pc.http(w, "HEAD", "/")
    assert (h.status, h.body, h.header("Content-Length")) == (200, b"", "13")
    w.wait_log(r"perl: Perl 5\.\d+\.\d+ ready")


def test_psgi_loads_the_plugin_on_demand(weft):
    w = weft("--psgi", APP, allow_errors=DIES)
    assert pc.http(w, "GET", "/hello").body == b"Hello, World!"


def test_ugreen_is_refused_naming_coroae():
    p = run(["--http-socket", "127.0.0.1:0", "--psgi", APP, "--ugreen", "--async", "4"])
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    assert "--coroae" in out, out
    assert "perl" in out, out


def test_greenlet_is_refused_naming_coroae():
    if not weftlib.plugin_available("greenlet"):
        pytest.skip("greenlet.so is not built (the sanitizer build leaves it out)")
    p = run(["--http-socket", "127.0.0.1:0", "--plugin", "python", "--psgi", APP,
             "--greenlet", "--async", "4"])
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    assert "--coroae" in out, out


def test_load_error_exits_with_perls_message():
    p = run(["--http-socket", "127.0.0.1:0", "--psgi", pc.app("load_error.psgi")])
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    assert "cannot load the PSGI app" in out, out
    assert "this app is broken on purpose" in out, out


def test_syntax_error_exits_with_perls_message():
    p = run(["--http-socket", "127.0.0.1:0", "--psgi", pc.app("syntax_error.psgi")])
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    assert "syntax error" in out or "Missing right curly" in out, out


def test_missing_file_exits_non_zero():
    p = run(["--http-socket", "127.0.0.1:0", "--psgi", "/nonexistent/app.psgi"])
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    assert "cannot load the PSGI app /nonexistent/app.psgi" in out, out
    assert "No such file or directory" in out, out


def test_not_code_exits_non_zero():
    p = run(["--http-socket", "127.0.0.1:0", "--psgi", pc.app("not_code.psgi")])
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    assert "does not make a PSGI app" in out, out


def test_env(weft):
    w = serve(weft)
    r = pc.http(w, "GET", "/env?a=1&b=%20", headers={"X-Custom": "v"})
    env = json.loads(r.body)
    assert env["psgi.version"] == ["1", "1"]
    assert env["psgi.url_scheme"] == "http"
    for k, v in (("psgi.multithread", 0), ("psgi.multiprocess", 0), ("psgi.run_once", 0),
                 ("psgi.nonblocking", 0), ("psgi.streaming", 1), ("psgix.harakiri", 0),
                 ("psgix.cleanup", 1)):
        assert env[k] == str(v), k
    assert env["input class"] == "Weft::Input"
    assert env["errors class"] == "Weft::Errors"
    assert env["handlers"] == "ARRAY"
    assert env["io"] == "1"
    assert (env["SCRIPT_NAME"], env["PATH_INFO"], env["QUERY_STRING"]) == ("", "/env", "a=1&b=%20")
    assert env["REQUEST_URI"] == "/env?a=1&b=%20"
    assert env["REQUEST_METHOD"] == "GET"
    assert env["SERVER_NAME"] == "127.0.0.1"
    assert env["SERVER_PORT"] == str(w.port)
    assert env["HTTP_X_CUSTOM"] == "v"
    assert "CONTENT_LENGTH" not in env
    p = json.loads(pc.http(w, "POST", "/env", body=b"abc",
                           headers={"Content-Type": "text/x-test"}).body)
    assert (p["CONTENT_LENGTH"], p["CONTENT_TYPE"]) == ("3", "text/x-test")


def test_server_name_from_host_and_repeated_headers(weft):
    w = serve(weft)
    raw = pc.raw(w, b"GET /env HTTP/1.1\r\nHost: example.org:8080\r\nX-Rep: a\r\n"
                    b"X-Rep: b\r\nConnection: close\r\n\r\n")
    env = json.loads(raw.partition(b"\r\n\r\n")[2])
    assert (env["SERVER_NAME"], env["SERVER_PORT"]) == ("example.org", "8080")
    assert env["HTTP_X_REP"] == "a, b"


def test_uwsgi_protocol_modifier1_5(weft):
    w = weft("--psgi", APP, http=False)
    r = pc.uwsgi(w, "GET", "/hello", modifier1=5)
    assert (r.status, r.body) == (200, b"Hello, World!")


def test_input_read_and_chunked_upload(weft):
    w = serve(weft)
    body = os.urandom(100_000)
    r = pc.http(w, "POST", "/echo", body=body)
    assert (r.status, r.body, r.header("X-Length")) == (200, body, str(len(body)))
    chunks = [b"first-", b"second-" * 1000, b"third"]
    r = pc.http(w, "POST", "/echo", body=chunks)
    assert r.body == b"".join(chunks)
    assert r.header("X-Length") == str(len(b"".join(chunks)))


def test_input_read_offset_pads_like_perl(weft):
    w = serve(weft)
    assert pc.http(w, "POST", "/read-offset", body=b"abc").body == b"XY...abc"


def test_input_seek_when_buffered(weft):
    w = serve(weft)
    assert pc.http(w, "POST", "/seek", body=b"hello").body == b"yes:hello:hello"
    e = json.loads(pc.http(w, "POST", "/env", body=b"x").body)
    assert e["psgix.input.buffered"] == "1"


def test_die_gives_500_and_the_worker_goes_on(weft):
    w = serve(weft)
    r = pc.http(w, "GET", "/die")
    assert r.status == 500
    w.wait_log(r"ERROR GET /die: the app died: this app dies on purpose")
    assert pc.http(w, "GET", "/die-object").status == 500
    w.wait_log(r"ERROR GET /die-object: the app died: HASH\(0x")
    assert pc.http(w, "GET", "/hello").body == b"Hello, World!"


def test_malformed_responses_give_500(weft):
    w = serve(weft)
    for path, msg in (("/bad-status", "the status must be a number"),
                      ("/bad-headers", "the headers array has an odd number of elements"),
                      ("/bad-body", "the body must be"),
                      ("/not-array", "the app must return an array ref")):
        r = pc.http(w, "GET", path)
        assert r.status == 500, path
        w.wait_log("ERROR GET %s: the app died: %s" % (re.escape(path), msg))
    assert pc.http(w, "GET", "/hello").status == 200


def test_repeated_response_headers_stay_separate(weft):
    w = serve(weft)
    r = pc.http(w, "GET", "/multi-header")
    assert r.headers_named("Set-Cookie") == ["a=1", "b=2"]


def test_304_has_no_entity_headers(weft):
    w = serve(weft)
    r = pc.raw(w, b"GET /304 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    head = r.partition(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 304")
    assert b"content-length" not in head and b"transfer-encoding" not in head
    assert b"content-type" not in head


def test_bodies(weft):
    w = serve(weft)
    with open(APP, "rb") as f:
        src = f.read()
    r = pc.http(w, "GET", "/glob")
    assert (r.body, r.header("Content-Length")) == (src, str(len(src)))
    assert pc.http(w, "GET", "/path").body == src
    assert pc.http(w, "GET", "/memfile").body == b"in memory\n" * 3
    assert pc.http(w, "GET", "/getline").body == b"one\ntwo\nthree\n"
    assert pc.http(w, "GET", "/closed").body == b"closed=1"
    big = pc.http(w, "GET", "/big")
    assert big.body == b"x" * 200_000


def test_an_apps_own_chunked_framing_is_decoded(weft):
    w = serve(weft)
    r = pc.http(w, "GET", "/self-chunked")
    assert (r.status, r.body) == (200, b"hello, world")
    assert pc.http(w, "GET", "/bad-chunked").status == 500
    w.wait_log(r"ERROR GET /bad-chunked: the app died: the app's chunked body is malformed")


def test_delayed_and_streamed_responses(weft):
    w = serve(weft)
    assert pc.http(w, "GET", "/delayed").body == b"delayed"
    r = pc.http(w, "GET", "/stream")
    assert r.body == b"chunk 1\nchunk 2\nchunk 3\n"
    assert r.header("Transfer-Encoding") == "chunked"
    assert pc.http(w, "GET", "/stream-keep").body == b"kept"
    assert pc.http(w, "GET", "/stale-writer").body == \
        b"died: the writer's write: the request it belonged to is over"
    assert pc.http(w, "GET", "/keep-responder").body == b"first"
    assert pc.http(w, "GET", "/stale-responder").body == \
        b"died: the responder: the request it belonged to is over"


def test_cleanup_handlers_run_after_the_response(weft):
    w = serve(weft)
    assert pc.http(w, "GET", "/cleanup").body == b"cleanup set"
    w.wait_log(r"ERROR perl: a psgix.cleanup handler died: a cleanup handler dies on purpose")
    assert pc.http(w, "GET", "/cleaned").body == b"/cleanup"


def test_harakiri_commit_replaces_the_worker(weft):
    w = serve(weft, "--master", "--processes", "1")
    e = json.loads(pc.http(w, "GET", "/env").body)
    assert e["psgix.harakiri"] == "1"
    first = pc.http(w, "GET", "/harakiri").body
    w.wait_log(r"worker 1 recycles: the app set psgix.harakiri.commit")
    w.wait_log(r"worker 1 ready", count=2, timeout=20)
    assert pc.http(w, "GET", "/pid").body != first.split()[1]


def test_harakiri_commit_without_a_master_is_ignored(weft):
    w = serve(weft)
    e = json.loads(pc.http(w, "GET", "/env").body)
    assert e["psgix.harakiri"] == "0"
    pc.http(w, "GET", "/harakiri")
    w.wait_log(r"WARN perl: psgix.harakiri.commit ignored: there is no master")
    assert pc.http(w, "GET", "/hello").status == 200


def test_errors_go_to_the_log(weft):
    w = serve(weft)
    assert pc.http(w, "GET", "/errors").body == b"logged"
    w.wait_log(r"WARN psgi.errors: a line for the log")


def test_the_apps_signal_handlers_do_not_take_the_servers(weft):
    w = serve(weft)
    assert pc.http(w, "GET", "/sig").body.startswith(b"TERM=CODE")
    w.stop()                        # SIGTERM stops weft, as always
    assert "the app's TERM handler ran" not in w.log()


def test_processes_master_and_srand_per_worker(weft):
    w = serve(weft, "--processes", "2", "--master")
    w.wait_log(r"worker 2 ready")
    seen = {}
    import http.client
    for _ in range(200):
        if len(seen) == 2:
            break
        conn = http.client.HTTPConnection("127.0.0.1", w.port, timeout=10)
        a = json.loads(pc.http(w, "GET", "/api", conn=conn).body)
        if a["worker"] not in seen:      # the same connection: the same worker
            seen[a["worker"]] = pc.http(w, "GET", "/srand", conn=conn).body
        conn.close()
    # Each worker's random numbers are its own (srand in every worker).
    assert len(seen) == 2, seen
    assert seen["1"] != seen["2"], seen
    e = json.loads(pc.http(w, "GET", "/env").body)
    assert e["psgi.multiprocess"] == "1"
    assert len(set(pc.http(w, "GET", "/srand").body for _ in range(20))) > 1


def test_in_app_api(weft):
    w = serve(weft)
    a = json.loads(pc.http(w, "GET", "/api").body)
    assert (a["worker"], a["core"], a["same"]) == ("1", "0", "1")
    assert a["version"]
    assert pc.http(w, "GET", "/sleep?t=0.1").body == b"slept timed out"
    assert pc.http(w, "GET", "/wait-fd").body == b"ready"
    errs = pc.http(w, "GET", "/api-errors").body.decode().split("\n")
    assert errs[0] == "Weft::async_sleep(seconds)"
    assert errs[1] == "Weft::wait_fd_read(fd, timeout=0)"
    assert errs[2].startswith("Weft::wait_fd_read(fd, timeout=0): fd must be")


def test_async_without_engine_serves_concurrent_sleeps(weft):
    w = serve(weft, "--async", "10")
    w.wait_log(r"worker 1 ready")
    out = pc.many(w, ["/sleep?t=0.2"] * 5)
    assert all(s == 200 for s, _ in out), out


def test_async_without_engine_shares_the_worker_between_getline_chunks(weft):
    import time
    w = serve(weft, "--async", "20")
    w.wait_log(r"worker 1 ready")
    t0 = time.time()
    out = pc.many(w, ["/sleep-body"] * 20)
    took = time.time() - t0
    assert out == [(200, b"woke after 0.5")] * 20, out
    assert took < 3, took               # one after another would be 10 s


def test_rss_stays_flat(weft):
    if "ASAN_OPTIONS" in os.environ:
        pytest.skip("AddressSanitizer's quarantine grows the heap by design")
    w = weft("--psgi", pc.app("hello.psgi"))
    import socket
    s = socket.create_connection(w.addr)
    req = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"

    def burst(n):
        for _ in range(n // 100):
            s.sendall(req * 100)
            got = 0
            data = b""
            while got < 100:
                data += s.recv(65536)
                got = data.count(b"Hello, World!")
    burst(2000)
    pid = [p for p in os.popen("pgrep -P %d" % w.proc.pid).read().split()] or [str(w.proc.pid)]
    def rss():
        with open("/proc/%s/status" % pid[0]) as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    before = rss()
    burst(20000)
    after = rss()
    s.close()
    assert after - before < 2048, (before, after)
