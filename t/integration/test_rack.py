"""The Ruby plugin serves Rack (2.2 SPEC, and Rack 3's responses): boot,
the env, rack.input, the body in its forms, errors, and the refusal of a
foreign-stack engine."""
import json
import os
import sys

import pytest

from weftlib import SRCDIR, run

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "ruby"))
import rackclient as rk  # noqa: E402
from rackclient import _needs_ruby  # noqa: E402,F401

APP = rk.app("rack_app.ru")
# The error routes log their backtraces at ERROR on purpose.
BACKTRACES = [r"ERROR (GET /\S+: the app raised|  )"]


def serve(weft, *args, **kw):
    return weft("--plugin", "ruby", "--rack", APP, *args, **kw)


def test_hello(weft):
    w = serve(weft)
    r = rk.http(w, "GET", "/hello")
    assert (r.status, r.body, r.header("Content-Length")) == (200, b"Hello, World!", "13")
    h = rk.http(w, "HEAD", "/hello")
    assert (h.status, h.body, h.header("Content-Length")) == (200, b"", "13")
    w.wait_log(r"ruby: Ruby 3\.\d+\.\d+ ready \(rack 2\.")


def test_rack_loads_the_plugin_on_demand(weft):
    w = weft("--rack", APP)
    assert rk.http(w, "GET", "/hello").body == b"Hello, World!"


def test_ugreen_is_refused_naming_fiber():
    p = run(["--http-socket", "127.0.0.1:0", "--rack", APP, "--ugreen", "--async", "4"])
    assert p.returncode != 0
    out = p.stdout + p.stderr
    assert "--fiber" in out, out
    assert "ruby" in out, out


def test_load_error_exits_with_the_backtrace():
    p = run(["--http-socket", "127.0.0.1:0", "--rack", rk.app("load_error.ru")])
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    assert "cannot load the Rack app" in out, out
    assert "this app is broken on purpose (NameError)" in out, out
    assert "load_error.ru:5:in `broken_helper'" in out, out


def test_missing_file_exits_non_zero():
    p = run(["--http-socket", "127.0.0.1:0", "--rack", "/nonexistent/app.ru"])
    assert p.returncode != 0
    assert "cannot load the Rack app /nonexistent/app.ru" in p.stdout + p.stderr


def test_env(weft):
    w = serve(weft)
    r = rk.http(w, "GET", "/env?a=1&b=%20", headers={"X-Custom": "v"})
    env = json.loads(r.body)
    assert env["rack.version"] == [1, 3]
    assert env["rack.url_scheme"] == "http"
    assert env["rack.multithread"] is False
    assert env["rack.multiprocess"] is False
    assert env["rack.run_once"] is False
    assert env["rack.hijack?"] is True
    assert env["input class"] == "Weft::Input"
    assert env["errors class"] == "Weft::Errors"
    assert env["UWSGI is Weft"] is True
    assert (env["SCRIPT_NAME"], env["PATH_INFO"], env["QUERY_STRING"]) == ("", "/env", "a=1&b=%20")
    assert env["REQUEST_METHOD"] == "GET"
    assert env["SERVER_NAME"] == "127.0.0.1"
    assert env["SERVER_PORT"] == str(w.port)
    assert env["HTTP_X_CUSTOM"] == "v"
    assert "CONTENT_LENGTH" not in env
    p = json.loads(rk.http(w, "POST", "/env", body=b"abc",
                           headers={"Content-Type": "text/x-test"}).body)
    assert (p["CONTENT_LENGTH"], p["CONTENT_TYPE"]) == ("3", "text/x-test")
    assert "HTTP_CONTENT_LENGTH" not in p and "HTTP_CONTENT_TYPE" not in p


def test_env_over_uwsgi_with_https_and_a_mount(weft):
    w = serve(weft, http=False)
    r = rk.uwsgi(w, "GET", "/env", query="x=y", modifier1=7,
                 extra={"HTTPS": "on", "SCRIPT_NAME": "/mnt", "HTTP_CONTENT_TYPE": "x/y"})
    env = json.loads(r.body)
    assert env["rack.url_scheme"] == "https"
    assert (env["SCRIPT_NAME"], env["PATH_INFO"], env["QUERY_STRING"]) == ("/mnt", "/env", "x=y")
    assert "HTTP_CONTENT_TYPE" not in env


def test_multiprocess_with_two_workers(weft):
    w = serve(weft, "--processes", "2", "--master")
    assert json.loads(rk.http(w, "GET", "/env").body)["rack.multiprocess"] is True
    workers = {json.loads(rk.http(w, "GET", "/api").body)["worker"] for _ in range(20)}
    assert workers <= {1, 2} and workers


def test_input_read_rewind_gets_each(weft):
    w = serve(weft)
    body = b"line one\nline two\nlast"
    e = json.loads(rk.http(w, "POST", "/echo", body=body).body)
    assert e["body"] == body.decode()
    assert e["again"] is True
    assert e["lines"] == ["line one\n", "line two\n", "last"]
    assert e["gets"] == "line one\n"
    assert (e["part"], e["buf_same"]) == ("lin", True)
    assert e["eof"] is True


def test_chunked_upload_arrives_whole(weft):
    w = serve(weft)
    e = json.loads(rk.http(w, "POST", "/echo", body=[b"ab\n", b"cd", b"ef\n"]).body)
    assert e["body"] == "ab\ncdef\n"
    assert e["lines"] == ["ab\n", "cdef\n"]


def test_empty_body(weft):
    w = serve(weft)
    e = json.loads(rk.http(w, "POST", "/echo", body=b"").body)
    assert e["body"] == "" and e["part"] is None and e["eof"] is True


def test_multiline_and_array_header_values(weft):
    w = serve(weft)
    r = rk.http(w, "GET", "/multi")
    assert r.headers_named("Set-Cookie") == ["a=1", "b=2"]
    assert r.headers_named("X-Arr") == ["x", "y"]
    assert r.headers_named("X-Trail") == ["t"]
    assert r.body == b"multi"


def test_streaming_body_call(weft):
    w = serve(weft)
    r = rk.http(w, "GET", "/stream")
    assert (r.status, r.body) == (200, b"one two three")


def test_each_body_and_close(weft):
    w = serve(weft)
    r = rk.http(w, "GET", "/each")
    assert (r.status, r.body) == (200, b"abc")
    w.wait_text("rack.errors: closing body closed")


def test_to_path_body_goes_out_whole(weft):
    w = serve(weft)
    r = rk.http(w, "GET", "/path")
    with open(APP, "rb") as f:
        data = f.read()
    assert (r.status, r.body, r.header("Content-Length")) == (200, data, str(len(data)))


def test_big_body(weft):
    w = serve(weft)
    r = rk.http(w, "GET", "/big")
    assert r.body == b"x" * 300000 + b"y" * 100000
    assert r.header("Content-Length") == "400000"


def test_exception_gives_500_and_the_worker_goes_on(weft):
    w = serve(weft, allow_errors=BACKTRACES)
    r = rk.http(w, "GET", "/raise")
    assert r.status == 500
    w.wait_log(r"GET /raise: the app raised an exception: .*the app failed on purpose \(ArgumentError\)")
    w.wait_log(r"rack_app\.ru:\d+:in `block")
    assert rk.http(w, "GET", "/hello").body == b"Hello, World!"


def test_exception_in_the_body_gives_500_and_closes(weft):
    # The core holds the first chunk back, so nothing is out yet: a 500.
    w = serve(weft, allow_errors=BACKTRACES)
    assert rk.http(w, "GET", "/raise-body").status == 500
    w.wait_text("raising body closed")
    w.wait_log(r"broken body \(RuntimeError\)")
    assert rk.http(w, "GET", "/hello").status == 200


def test_bad_responses_give_500(weft):
    w = serve(weft, allow_errors=BACKTRACES)
    for path, why in (("/bad-header", r"invalid header name"),
                      ("/bad-value", r"invalid value for the header X-Bad"), ("/bad-status", r"invalid value for Integer"),
                      ("/not-triple", r"must return \[status, headers, body\]")):
        assert rk.http(w, "GET", path).status == 500, path
        w.wait_log("GET %s: the app raised an exception: .*%s" % (path, why))
    assert rk.http(w, "GET", "/hello").status == 200


def test_bodiless_statuses(weft):
    w = serve(weft)
    r = rk.http(w, "GET", "/status?204")
    assert (r.status, r.body, r.header("Content-Length")) == (204, b"", None)
    r = rk.http(w, "GET", "/status?304")
    assert (r.status, r.header("Content-Length")) == (304, None)


def test_api_module(weft):
    w = serve(weft)
    assert json.loads(rk.http(w, "GET", "/api").body) == {"worker": 1, "core": 0}
    assert rk.http(w, "GET", "/sleep").body == b"slept"


def test_keep_alive_across_body_forms(weft):
    w = serve(weft)
    conn = rk.wsgiclient.httpclient.HTTPConnection("127.0.0.1", w.port, timeout=20)
    for path, body in (("/hello", b"Hello, World!"), ("/each", b"abc"), ("/stream", b"one two three"),
                       ("/big", b"x" * 300000 + b"y" * 100000), ("/hello", b"Hello, World!")):
        assert rk.http(w, "GET", path, conn=conn).body == body, path
    r = rk.http(w, "POST", "/echo", body=[b"a\n", b"b"], conn=conn)
    assert json.loads(r.body)["lines"] == ["a\n", "b"]
    conn.close()


def test_modifier1_7_is_ruby_beside_python(weft):
    w = weft("--plugin", "python", "--wsgi-file", os.path.join(SRCDIR, "t", "apps", "python", "wsgi_app.py"),
             "--rack", APP, http=False)
    assert rk.uwsgi(w, "GET", "/hello", modifier1=7).body == b"Hello, World!"
    env = json.loads(rk.uwsgi(w, "GET", "/env", modifier1=7).body)
    assert env["input class"] == "Weft::Input"
    assert rk.uwsgi(w, "GET", "/hello", modifier1=0).body == b"Hello, World!"
    assert b"wsgi.version" in rk.uwsgi(w, "GET", "/environ", modifier1=0).body


@pytest.mark.parametrize("args", [[], ["--processes", "2", "--master"]], ids=["alone", "master"])
def test_the_app_waits_for_its_children(weft, args):
    # Ruby's waits for a child need its SIGCHLD handler in the worker.
    w = serve(weft, *args)
    for _ in range(3):
        assert rk.http(w, "GET", "/children", timeout=10).body == b"backticks true 3"


def test_api_from_another_thread_raises(weft):
    w = serve(weft)
    assert rk.http(w, "GET", "/thread-api").body == b"Weft.suspend called from a thread other than the worker's"
    # The body is the request's, read on the worker's thread only.
    assert rk.http(w, "POST", "/thread-input", body=b"the body").body == \
        b"rack.input called from a thread other than the worker's; then the body"


def test_big_chunks_survive_gc_compact(weft):
    w = serve(weft)
    for _ in range(3):
        assert rk.http(w, "GET", "/compact").body == b"z" * 200000 + b"!"


def test_at_exit_runs_when_the_worker_stops(weft):
    w = serve(weft)
    assert rk.http(w, "GET", "/hello").status == 200
    w.stop()
    w.wait_log(r"rack_app at_exit ran in \d+")
