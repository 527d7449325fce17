"""The Python plugin serves WSGI (PEP 3333): environ, start_response, the
body in its forms, errors, and loading apps."""
import json
import os
import re
import shutil
import socket
import sys
import time

import pytest

from weftlib import SRCDIR, plugin_available, run

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "python"))
import wsgiclient as wc  # noqa: E402

pytestmark = wc.needs("python")

APP = wc.app("wsgi_app.py")
# The error routes log their tracebacks at ERROR on purpose.
TRACEBACKS = [r"ERROR (GET /\S+: the app|Traceback|  |[A-Za-z]+Error: )"]


def serve(weft, *args, **kw):
    return weft("--plugin", "python", "--wsgi-file", APP, *args, **kw)


# ------------------------------------------------------------------ basics

def test_hello(weft):
    w = serve(weft)
    r = wc.http(w, "GET", "/hello")
    assert (r.status, r.body, r.header("Content-Length")) == (200, b"Hello, World!", "13")
    h = wc.http(w, "HEAD", "/hello")
    assert (h.status, h.body, h.header("Content-Length")) == (200, b"", "13")


def test_wsgi_file_loads_the_plugin_on_demand(weft):
    w = weft("--wsgi-file", APP)
    assert wc.http(w, "GET", "/hello").body == b"Hello, World!"


def test_environ(weft):
    w = serve(weft)
    r = wc.http(w, "GET", "/environ?a=1&b=%20", headers={"X-Custom": "caf\xe9"})
    env = json.loads(r.body)
    assert env["wsgi.version"] == [1, 0]
    assert env["wsgi.url_scheme"] == "http"
    assert env["wsgi.multithread"] is False
    assert env["wsgi.multiprocess"] is False
    assert env["wsgi.run_once"] is False
    assert env["wsgi.input_terminated"] is True
    assert env["wsgi.errors is stderr"] is True
    assert env["uwsgi is weft"] is True
    assert "weft.Input" in env["wsgi.input"]
    assert "FileWrapper" in env["wsgi.file_wrapper"]
    assert env["SCRIPT_NAME"] == ""
    assert env["PATH_INFO"] == "/environ"
    assert env["QUERY_STRING"] == "a=1&b=%20"
    assert env["REQUEST_METHOD"] == "GET"
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["SERVER_NAME"] == "127.0.0.1"
    assert env["SERVER_PORT"] == str(w.port)
    assert env["REMOTE_ADDR"] == "127.0.0.1"
    assert env["HTTP_X_CUSTOM"] == "caf\xe9"      # latin-1, as PEP 3333 says
    assert "CONTENT_LENGTH" not in env
    p = json.loads(wc.http(w, "POST", "/environ", body=b"abc",
                           headers={"Content-Type": "text/x-test"}).body)
    assert (p["CONTENT_LENGTH"], p["CONTENT_TYPE"]) == ("3", "text/x-test")
    assert "HTTP_CONTENT_LENGTH" not in p and "HTTP_CONTENT_TYPE" not in p


def test_environ_over_uwsgi_with_https(weft):
    w = serve(weft, http=False)
    r = wc.uwsgi(w, "GET", "/environ", query="x=y", extra={"HTTPS": "on", "SCRIPT_NAME": "/mnt",
                                                            "UWSGI_CUSTOM": "z"})
    env = json.loads(r.body)
    assert env["wsgi.url_scheme"] == "https"
    assert (env["SCRIPT_NAME"], env["PATH_INFO"], env["QUERY_STRING"]) == ("/mnt", "/environ", "x=y")
    assert env["UWSGI_CUSTOM"] == "z"
    plain = json.loads(wc.uwsgi(w, "GET", "/environ").body)
    assert plain["wsgi.url_scheme"] == "http"


# ------------------------------------------------------------------ bodies

def test_list_body_gets_a_content_length(weft):
    w = serve(weft)
    r = wc.http(w, "GET", "/nolength?size=100000")
    assert r.header("Content-Length") == "100000" and r.header("Transfer-Encoding") is None
    assert r.body == b"a" * 50000 + b"b" * 50000


def test_big_body(weft):
    w = serve(weft)
    size = 8 * 1024 * 1024 + 7
    r = wc.http(w, "GET", "/big?size=%d" % size)
    assert r.status == 200 and len(r.body) == size
    assert r.body == bytes(range(256)) * (size // 256) + b"x" * (size % 256)


def test_streamed_body_is_chunked(weft):
    w = serve(weft)
    r = wc.http(w, "GET", "/stream?n=300&size=1000")
    assert r.header("Transfer-Encoding") == "chunked"
    assert r.body == b"".join(b"%09d\n" % i + b"s" * 990 for i in range(300))


def test_write_callable(weft):
    w = serve(weft)
    assert wc.http(w, "GET", "/write?n=4").body == b"line 0\nline 1\nline 2\nline 3\n"


def test_file_wrapper_is_sent_with_sendfile(weft):
    w = serve(weft)
    size = 3 * 1024 * 1024 + 11
    data = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    r = wc.http(w, "GET", "/file?size=%d" % size)
    # A Content-Length on a body this large: the sendfile path (iterating
    # would have streamed it chunked).
    assert r.header("Content-Length") == str(size) and r.body == data
    r = wc.http(w, "GET", "/file-offset?size=%d" % size)
    assert r.header("Content-Length") == str(size - 10) and r.body == data[10:]
    h = wc.http(w, "HEAD", "/file?size=1000")
    assert (h.header("Content-Length"), h.body) == ("1000", b"")
    # No file descriptor: iterated.
    b = wc.http(w, "GET", "/filelike")
    assert b.body == b"from a BytesIO " * 1000


def test_status_and_headers(weft):
    w = serve(weft)
    r = wc.http(w, "GET", "/status?code=418")
    assert (r.status, r.reason, r.body) == (418, "Custom Reason", b"status 418")
    r = wc.http(w, "GET", "/headers")
    assert r.headers_named("X-Multi") == ["one", "two"]
    assert r.headers_named("Set-Cookie") == ["a=1", "b=2"]
    assert r.header("X-Latin1") == "caf\xe9"


# ------------------------------------------------------------------ start_response rules

def test_exc_info_replaces_the_response_before_the_body(weft):
    w = serve(weft)
    r = wc.http(w, "GET", "/exc-info")
    assert (r.status, r.reason, r.body) == (500, "Oops", b"replaced")
    assert r.header("X-Second") == "yes" and r.header("X-First") is None


def test_exc_info_after_the_body_started_is_raised_again(weft):
    w = serve(weft)
    r = wc.http(w, "GET", "/exc-info-late")
    assert r.status == 200 and r.body == b"x" * 100 + b"re-raised"


def test_start_response_twice_is_an_error(weft):
    w = serve(weft)
    assert wc.http(w, "GET", "/double-start").body.startswith(b"RuntimeError: start_response()")


def test_invalid_status_and_headers_are_refused(weft):
    w = serve(weft)
    r = wc.http(w, "GET", "/bad-status")
    assert r.status == 200 and r.body.split() == [b"ValueError"] * 4 + [b"TypeError"] + [b"ValueError"] * 2
    r = wc.http(w, "GET", "/bad-header")
    assert r.status == 200 and b"accepted" not in r.body and len(r.body.split()) == 9


# ------------------------------------------------------------------ failures

def test_an_exception_gives_500_and_the_worker_keeps_serving(weft):
    w = serve(weft, allow_errors=TRACEBACKS)
    pid = wc.http(w, "GET", "/pid").body
    for path in ("/raise", "/raise-after-start", "/no-start", "/yield-int"):
        r = wc.http(w, "GET", path)
        assert r.status == 500, path
        assert wc.http(w, "GET", "/hello").status == 200
    assert wc.http(w, "GET", "/pid").body == pid
    log = w.wait_text("TypeError: the app's iterable yielded int; WSGI wants bytes").string
    assert "ERROR GET /raise: the app raised an exception:" in log
    assert "ZeroDivisionError: failing on purpose before start_response" in log
    assert "Traceback (most recent call last):" in log
    assert "RuntimeError: the app sent a body before calling start_response()" in log
    assert "TypeError: the app's iterable yielded int; WSGI wants bytes" in log


def test_an_exception_mid_body_cuts_the_connection(weft):
    w = serve(weft, allow_errors=TRACEBACKS)
    data = wc.raw(w, b"GET /raise-mid-stream HTTP/1.1\r\nHost: t\r\n\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n")[0] and b"Content-Length: 1000000" in head
    assert len(body) == 100000          # cut short: the client sees the failure
    w.wait_text("ArithmeticError: failing on purpose in the middle of the body")
    assert wc.http(w, "GET", "/hello").status == 200


def test_close_is_called(weft):
    w = serve(weft, allow_errors=TRACEBACKS)
    r = wc.http(w, "GET", "/closing?id=a")
    assert r.body == b"chunk1 chunk2"
    assert wc.http(w, "GET", "/closed?id=a").body == b"true"
    wc.raw(w, b"GET /closing-raise?id=b HTTP/1.1\r\nHost: t\r\n\r\n")
    assert wc.http(w, "GET", "/closed?id=b").body == b"true"


def test_a_client_that_goes_away_stops_the_app_quietly(weft):
    w = serve(weft, "--async", "4", "--ugreen") if plugin_available("ugreen") else serve(weft)
    s = w.connect()
    s.sendall(b"GET /gone?id=g HTTP/1.1\r\nHost: t\r\n\r\n")
    got = 0
    while got < 1000000:
        got += len(s.recv(65536))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()
    deadline = time.time() + 10
    while wc.http(w, "GET", "/closed?id=g").body != b"true":
        assert time.time() < deadline, "close() was not called:\n" + w.log()
        time.sleep(0.05)
    # No traceback and no ERROR (the fixture checks): an INFO line.
    w.wait_text("client went away")


# ------------------------------------------------------------------ the interpreter

def test_compiled_extension_modules_import(weft):
    w = serve(weft)
    names = json.loads(wc.http(w, "GET", "/ext").body)
    assert "_ctypes" in names and "_json" in names
    if plugin_available("greenlet"):
        assert "greenlet" in names


def test_app_threads_run_while_the_worker_waits(weft):
    w = serve(weft)
    assert wc.http(w, "GET", "/threads?id=t1").body == b"started"
    time.sleep(0.6)     # no request in flight: the worker idles in its loop
    assert wc.http(w, "GET", "/thread-ticks?id=t1").body == b"20"


# ------------------------------------------------------------------ loading apps

def test_import_error_stops_weft_with_the_traceback(weft):
    r = run(["--plugin", "python", "--http-socket", "127.0.0.1:0",
             "--wsgi-file", wc.app("import_error.py")])
    assert r.returncode != 0
    assert "Traceback (most recent call last):" in r.stderr
    assert "No module named 'weft_no_such_module_here'" in r.stderr
    assert "cannot load the app from" in r.stderr


def test_missing_callable_stops_weft(weft):
    r = run(["--plugin", "python", "--http-socket", "127.0.0.1:0", "--wsgi-file", APP,
             "--callable", "nope"])
    assert r.returncode != 0 and "has no WSGI app 'nope'" in r.stderr


def test_module_and_callable_options(weft):
    appdir = os.path.dirname(APP)
    w = weft("--plugin", "python", "--pythonpath", appdir, "-w", "wsgi_app")
    assert wc.http(w, "GET", "/hello").body == b"Hello, World!"
    w = weft("--plugin", "python", "--pythonpath", "/nonexistent", "--pythonpath", appdir,
             "--module", "factory_app:create_app()")
    assert wc.http(w, "GET", "/").body == b"made by a factory"
    w = weft("--plugin", "python", "--pythonpath", appdir, "--module", "factory_app",
             "--callable", "other")
    assert wc.http(w, "GET", "/").body == b"the other callable"


def test_chdir_puts_the_directory_on_sys_path(weft, tmp_path):
    w = weft("--plugin", "python", "--chdir", os.path.dirname(APP), "-w", "factory_app:other",
             cwd=str(tmp_path))
    assert wc.http(w, "GET", "/").body == b"the other callable"


def test_wsgi_file_with_any_name(weft, tmp_path):
    shutil.copy(os.path.join(SRCDIR, "examples", "python", "hello.py"), tmp_path / "site.wsgi")
    w = weft("--plugin", "python", "--wsgi-file", str(tmp_path / "site.wsgi"))
    assert wc.http(w, "GET", "/").body == b"Hello, World!\n"


@pytest.mark.parametrize("lazy", [[], ["--lazy-apps"]], ids=["preloaded", "lazy"])
def test_python_import_runs_before_the_app(weft, tmp_path, lazy):
    """--python-import MODULE[:FUNCTION], in order, before the app loads (in
    the worker with --lazy-apps); a failing one stops weft at start-up."""
    (tmp_path / "first.py").write_text(
        "import builtins, os\n"
        "builtins.WEFT_TEST_IMPORTS = ['first']\n"
        "def setup():\n"
        "    builtins.WEFT_TEST_IMPORTS.append('setup in %d' % os.getpid())\n")
    (tmp_path / "second.py").write_text(
        "import builtins\nbuiltins.WEFT_TEST_IMPORTS.append('second')\n")
    (tmp_path / "app.py").write_text(
        "import builtins\n"
        "SEEN = list(builtins.WEFT_TEST_IMPORTS)\n"
        "def application(env, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [' '.join(SEEN).encode()]\n")
    w = weft("--plugin", "python", "--pythonpath", str(tmp_path), "--python-import", "first:setup",
             "--pyimport", "second", "--wsgi-file", str(tmp_path / "app.py"), *lazy)
    # With --lazy-apps the worker loads the app after it starts listening.
    pid = w.wait_log(r"python: serving \S+ \(pid (\d+)\)").group(1)
    assert wc.http(w, "GET", "/").body == b"first setup in %s second" % pid.encode()
    r = run(["--plugin", "python", "--http-socket", "127.0.0.1:0", "--pythonpath",
             str(tmp_path), "--python-import", "first:no_such_function", *lazy,
             "--wsgi-file", str(tmp_path / "app.py")])
    assert r.returncode != 0
    assert "--python-import first:no_such_function failed" in r.stderr
    assert "AttributeError" in r.stderr


def test_lazy_apps_load_in_the_worker(weft):
    w = serve(weft, "--lazy-apps")
    assert wc.http(w, "GET", "/hello").status == 200
    log = w.wait_text("python: serving").string
    assert log.index("the app loads in each worker") < log.index("python: serving")
    r = run(["--plugin", "python", "--http-socket", "127.0.0.1:0", "--lazy-apps",
             "--wsgi-file", wc.app("import_error.py")])
    assert r.returncode != 0 and "No module named 'weft_no_such_module_here'" in r.stderr


@pytest.mark.parametrize("lazy", [[], ["--lazy-apps"]], ids=["preloaded", "lazy"])
def test_processes_with_a_master(weft, lazy):
    w = weft("--plugin", "python", "--wsgi-file", wc.app("api_app.py"), "--processes", "2",
             "--master", *lazy)
    w.wait_log(r"worker 2 ready")
    seen = set()
    for _ in range(20):             # which worker accepts is the kernel's choice
        res = wc.many(w, ["/whoami?s=0.1"] * 6)
        assert all(status == 200 for status, _ in res), res
        seen |= {tuple(body.split()) for _, body in res}
        if len(seen) == 2:
            break
    assert {worker for _, worker in seen} == {b"1", b"2"}
    assert len({pid for pid, _ in seen}) == 2
    assert wc.many(w, ["/multiprocess"])[0] == (200, b"True")
    loads = re.findall(r"python: serving \S+ \(pid (\d+)\)", w.log())
    if lazy:
        assert sorted(loads) == sorted(pid.decode() for pid, _ in seen)
    else:
        assert len(loads) == 1 and loads[0].encode() not in {pid for pid, _ in seen}


def test_harakiri_and_recycling_with_python(weft):
    w = serve(weft, "--master", "--processes", "1", "--harakiri", "1", "--max-requests", "3",
              allow_errors=[r"HARAKIRI", r"was killed by SIGKILL"])
    w.wait_log(r"worker 1 ready")
    pids = [wc.http(w, "GET", "/pid").body for _ in range(4)]
    assert pids[0] == pids[1] == pids[2] != pids[3]     # recycled after 3
    w.wait_log(r"atexit ran in %s" % pids[0].decode())   # Python finalised
    with pytest.raises(Exception):
        wc.http(w, "GET", "/spin?s=10", timeout=8)
    w.wait_log(r"HARAKIRI")
    w.wait_log(r"worker 1 ready \(pid (?!%s)" % pids[3].decode())
    assert wc.http(w, "GET", "/pid").body not in pids


def test_home_runs_python_from_a_virtualenv(weft, tmp_path):
    app = tmp_path / "prefix.py"
    app.write_text("import sys\n"
                   "def application(env, start_response):\n"
                   "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
                   "    return [('%s %s' % (sys.prefix, sys.executable)).encode()]\n")
    w = weft("--plugin", "python", "--wsgi-file", str(app))
    prefix, python = wc.http(w, "GET", "/").body.decode().split()
    w.stop()
    # A virtualenv as `python -m venv --without-pip` makes it (without
    # needing Debian's python3-venv): pyvenv.cfg next to bin/python.
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    os.symlink(python, venv / "bin" / "python")
    (venv / "pyvenv.cfg").write_text("home = %s\ninclude-system-site-packages = false\n"
                                     % os.path.dirname(python))
    w = weft("--plugin", "python", "--home", str(venv), "--wsgi-file", str(app))
    assert wc.http(w, "GET", "/").body.decode().split() == [str(venv), str(venv / "bin" / "python")]


def test_no_app_answers_500(weft):
    w = weft("--plugin", "python", allow_errors=[r"no Python app is loaded"])
    assert wc.http(w, "GET", "/").status == 500
    w.wait_text("no app to serve")
