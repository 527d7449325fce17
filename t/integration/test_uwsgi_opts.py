"""uWSGI's everyday options (issue 14 item 4), each group with the real
weft binary over real sockets: names (--http, --uwsgi-socket, uWSGI's
plugin names), sockets and processes (chmod/chown-socket, vacuum, umask,
daemonize, safe-pidfile, procnames), environment and start-up (env, print,
need-app, pythonpath globs), requests and timeouts (post-buffering,
http-timeout, harakiri-verbose, reload-mercy, max-worker-lifetime,
reload-on-as), and Python threads started before the fork."""
import grp
import json
import os
import pwd
import re
import signal
import socket
import stat
import subprocess
import time

import pytest

from weftlib import (SRCDIR, WEFT_BIN, Reader, free_port, http_get, plugin_available, run,
                     uwsgi_packet, wait_for, workers_of)

APPS = os.path.join(SRCDIR, "t", "apps", "python")
APP = os.path.join(APPS, "opts_app.py")


@pytest.fixture
def py(weft):
    def start(*args, **kw):
        return weft("--plugin", "python", "--wsgi-file", kw.pop("app", APP), *args, **kw)
    return start


def unix_http(path, target="/"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % target).encode())
    try:
        return Reader(s).read()
    finally:
        s.close()


def unix_uwsgi(path, target="/"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    p, _, q = target.partition("?")
    s.sendall(uwsgi_packet({"REQUEST_METHOD": "GET", "REQUEST_URI": target, "PATH_INFO": p,
                            "QUERY_STRING": q, "SERVER_PROTOCOL": "HTTP/1.1",
                            "SERVER_NAME": "x", "SERVER_PORT": "80",
                            "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "x"}))
    try:
        return Reader(s).read()
    finally:
        s.close()


# ------------------------------------------------------------------ names

def test_http_is_http_socket_and_uwsgi_socket_is_socket(weft, tmp_path):
    port = free_port()
    sock = str(tmp_path / "app.sock")
    w = weft("--plugins", "python3,logfile,router_static,http", "--wsgi-file", APP,
             "--http", "127.0.0.1:%d" % port, "--uwsgi-socket", sock, port=port,
             add_socket=False)
    assert http_get(w, "/").body == b"hello"
    assert unix_uwsgi(sock, "/env?name=PATH").status == 200
    w.assert_log_count(r"weft's workers speak HTTP themselves", 1, after=r"worker 1 ready")
    w.wait_log(r"plugin python3: loading weft's python")
    w.wait_log(r"plugin logfile: built into weft")
    w.wait_log(r"plugin router_static: built into weft")


@pytest.mark.parametrize("name,weft_name", [
    ("python311", "python"), ("rack_ruby31", "ruby"), ("greenlet_python3", "greenlet"),
    ("gevent_python3", "gevent")])
def test_uwsgi_plugin_names_map(name, weft_name):
    if not plugin_available(weft_name):    # the sanitizer build leaves some out
        pytest.skip("%s.so is not built" % weft_name)
    r = run(["--plugins", name, "--http-socket", "127.0.0.1:1", "--help"])
    assert r.returncode == 0, r.stderr
    # --help lists what is loaded: the mapped plugin
    assert re.search(r"\b%s\b .*\(loaded" % weft_name, r.stdout), r.stdout[:2000]


def test_unknown_plugin_name_says_what_weft_has():
    r = run(["--plugins", "asyncio_python3", "--http-socket", "127.0.0.1:1"])
    assert r.returncode != 0
    assert "plugin 'asyncio_python3' not found" in r.stderr
    assert re.search(r"weft has: .*python", r.stderr), r.stderr


# ------------------------------------------------------ sockets, processes

def test_unix_socket_mode_owner_umask_vacuum(py, tmp_path):
    sock = str(tmp_path / "web.sock")
    pid = str(tmp_path / "web.pid")
    spid = str(tmp_path / "safe.pid")
    nobody = pwd.getpwnam("nobody")
    group = grp.getgrgid(nobody.pw_gid).gr_name
    w = py("--http-socket", sock, "--chmod-socket=664", "--chown-socket",
           "nobody:%s" % group, "--vacuum", "--umask", "027", "--pidfile", pid,
           "--safe-pidfile", spid, "--master", wait=False)
    wait_for(lambda: os.path.exists(sock), what="the socket")
    wait_for(lambda: unix_http(sock).status == 200, what="the unix socket answering")
    st = os.stat(sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o664
    assert (st.st_uid, st.st_gid) == (nobody.pw_uid, nobody.pw_gid)
    wait_for(lambda: os.path.exists(spid), what="the safe pidfile")
    assert int(open(spid).read()) == w.proc.pid == int(open(pid).read())
    assert stat.S_IMODE(os.stat(pid).st_mode) == 0o640       # the umask
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]
    assert w.stop() == 0
    assert not os.path.exists(sock) and not os.path.exists(pid) and not os.path.exists(spid)
    w.wait_log(r"vacuum: removed .*web\.sock")


def test_chmod_socket_without_mode_is_666(py, tmp_path):
    sock = str(tmp_path / "s.sock")
    py("--socket", sock, "--chmod-socket", wait=False)
    wait_for(lambda: os.path.exists(sock), what="the socket")
    wait_for(lambda: unix_uwsgi(sock).status == 200, what="an answer")
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o666
    assert unix_uwsgi(sock, "/").body == b"hello"


def test_without_vacuum_the_socket_stays(py, tmp_path):
    sock = str(tmp_path / "s.sock")
    w = py("--socket", sock, wait=False)
    wait_for(lambda: os.path.exists(sock), what="the socket")
    wait_for(lambda: unix_uwsgi(sock).status == 200, what="an answer")
    w.stop()
    assert os.path.exists(sock)


def test_daemonize_writes_pid_and_log(tmp_path):
    log = str(tmp_path / "daemon.log")
    pidf = str(tmp_path / "daemon.pid")
    port = free_port()
    r = subprocess.run([WEFT_BIN, "--plugin", "python", "--wsgi-file", APP, "--http-socket",
                        "127.0.0.1:%d" % port, "--daemonize", log, "--pidfile", pidf,
                        "--master", "--vacuum"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    pid = int(wait_for(lambda: os.path.exists(pidf) and open(pidf).read().strip(),
                       what="the pidfile"))
    try:
        assert os.getsid(pid) == pid or os.getsid(pid) != os.getsid(0)   # detached
        wait_for(lambda: "worker 1 ready" in open(log).read(), what="the log")
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET /pid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert Reader(s).read().status == 200
        s.close()
        text = open(log).read()
        assert "daemonized: pid %d" % pid in text
    finally:
        os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not os.path.exists(pidf), what="the daemon to stop and vacuum")
    wait_for(lambda: "GET /pid" in open(log).read(), what="the access line")


def test_daemonize_to_an_unwritable_log_fails_on_the_terminal(tmp_path):
    r = run(["--plugin", "python", "--wsgi-file", APP, "--http-socket", "127.0.0.1:1",
             "--daemonize", str(tmp_path / "no" / "such" / "dir.log")])
    assert r.returncode != 0
    assert "--daemonize" in r.stderr and "No such file" in r.stderr


def test_procname_prefix(py):
    w = py("--procname-prefix", "web-", "--processes", "2")
    wait_for(lambda: len(workers_of(w)) == 2, what="two workers")
    w.wait_log(r"worker 2 ready")
    comm = lambda p: open("/proc/%d/comm" % p).read().strip()   # noqa: E731
    assert comm(w.proc.pid) == "web-weft master"
    assert all(comm(p).startswith("web-weft worker") for p in workers_of(w))
    # ps aux and ps -f show the command line: the whole name, not cut at 15.
    cmdline = lambda p: open("/proc/%d/cmdline" % p, "rb").read().rstrip(b"\0")  # noqa: E731
    assert cmdline(w.proc.pid) == b"web-weft master"
    assert sorted(cmdline(p) for p in workers_of(w)) == [b"web-weft worker 1",
                                                        b"web-weft worker 2"]
    # A reload re-executes the command line weft was started with.
    w.send_signal(signal.SIGHUP)
    w.wait_log(r"master: graceful reload")
    w.wait_log(r"worker 2 ready", count=2)
    assert http_get(w, "/").body == b"hello"


def test_auto_procname_and_the_accepted_options(py):
    w = py("--auto-procname", "--close-on-exec", "--log-master", "--log-reopen")
    assert http_get(w, "/").body == b"hello"
    assert open("/proc/%d/comm" % w.proc.pid).read().strip() == "weft worker 1"


# ------------------------------------------------- environment, start-up

def test_env_and_print(py):
    w = py("--env", "GREETING=hello there", "--env", "EMPTY=", "--print", "chosen: production")
    assert http_get(w, "/env?name=GREETING").body == b"hello there"
    assert http_get(w, "/env?name=EMPTY").status == 200
    w.wait_log(r"INFO chosen: production")


def test_env_needs_name_value():
    r = run(["--env", "JUST_A_NAME_NOT_SET_ANYWHERE", "--http-socket", "127.0.0.1:1"])
    assert r.returncode != 0 and "NAME=VALUE" in r.stderr


def test_need_app_exits_non_zero_when_the_app_fails(tmp_path):
    r = run(["--plugin", "python", "--wsgi-file", os.path.join(APPS, "import_error.py"),
             "--http-socket", "127.0.0.1:%d" % free_port(), "--need-app", "--master"],
            timeout=30)
    assert r.returncode != 0


def test_pythonpath_glob(weft, tmp_path):
    for d in ("lib-a", "lib-b"):
        os.makedirs(tmp_path / d)
    (tmp_path / "lib-b" / "globbed_mod.py").write_text(
        "def application(e, sr):\n    sr('200 OK', [('Content-Length', '7')])\n"
        "    return [b'globbed']\n")
    w = weft("--plugin", "python", "--pythonpath", str(tmp_path / "lib-*"),
             "--module", "globbed_mod")
    assert http_get(w, "/").body == b"globbed"


# ------------------------------------------------- requests and timeouts

def test_post_buffering_reads_the_body_before_the_app_and_it_rewinds(py):
    w = py("--post-buffering", "4096")
    body = os.urandom(300000)
    r = http_get(w, "/body", method="POST", body=body)
    got = json.loads(r.body)
    assert got == {"len": len(body), "same": True, "length": str(len(body))}


def test_post_buffering_zero_streams(py):
    w = py("--post-buffering", "0")
    r = http_get(w, "/body", method="POST", body=b"x" * 1000)
    assert json.loads(r.body)["len"] == 1000


def test_http_timeout_closes_a_stalled_client(py):
    w = py("--http-timeout", "1", "--http-keepalive", "--http-auto-chunked",
           "--offload-threads", "4")
    s = w.connect()
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")        # and never the end
    t0 = time.time()
    s.settimeout(10)
    try:
        data = s.recv(4096)
    except ConnectionResetError:
        data = b""
    took = time.time() - t0
    s.close()
    assert 0.5 < took < 5, took
    assert data == b"" or data.startswith(b"HTTP/1.1 408")


def test_harakiri_verbose(py):
    w = py("--harakiri", "1", "--harakiri-verbose",
           allow_errors=[r"HARAKIRI", r"worker 1 .*killed"])
    s = w.connect()
    s.sendall(b"GET /spin?s=30 HTTP/1.1\r\nHost: x\r\n\r\n")
    w.wait_log(r"HARAKIRI: worker 1", timeout=15)
    w.wait_log(r"HARAKIRI \(verbose\): pid \d+ waits in \S+; syscall: \S+")
    s.close()


def test_max_worker_lifetime_with_reload_mercy(py):
    w = py("--max-worker-lifetime", "2", "--reload-mercy", "7")
    first = int(http_get(w, "/pid").body)
    w.wait_log(r"worker 1 \(pid %d\) lived \d+ s, --max-worker-lifetime 2: draining it "
               r"\(up to 7 s\)" % first, timeout=15)
    wait_for(lambda: int(http_get(w, "/pid").body) != first, what="a new worker")


def test_reload_on_as(py):
    w = py("--reload-on-as", "2000")
    first = int(http_get(w, "/pid").body)
    assert http_get(w, "/grow?mb=2100").body == b"grown"
    w.wait_log(r"worker 1 \(pid %d\) has [\d.]+ MiB of address space, over --reload-on-as "
               r"2000" % first, timeout=15)
    wait_for(lambda: int(http_get(w, "/pid").body) != first, what="a new worker")


# --------------------------------------------- threads before the fork

def test_threads_started_before_the_fork_get_one_warning(weft):
    app = os.path.join(APPS, "thread_at_import.py")
    w = weft("--plugin", "python", "--wsgi-file", app, "--processes", "2")
    w.assert_log_count(r"WARN python: the app started 1 thread while it loaded in the "
                       r"master \(ticker\).*use --lazy-apps", 1, after=r"worker 2 ready")
    assert http_get(w, "/").body == b"ok"


def test_no_warning_with_lazy_apps_or_without_threads(weft):
    app = os.path.join(APPS, "thread_at_import.py")
    w = weft("--plugin", "python", "--wsgi-file", app, "--processes", "2", "--lazy-apps")
    v = weft("--plugin", "python", "--wsgi-file", APP, "--processes", "2")
    http_get(w, "/")
    http_get(v, "/")
    w.stop()
    v.stop()
    w.assert_not_logged(r"started \d+ thread")
    v.assert_not_logged(r"started \d+ thread")


@pytest.mark.parametrize("master", [True, False])
def test_py_autoreload_reloads_a_changed_module(weft, tmp_path, master):
    mod = tmp_path / "reloaded_app.py"
    src = ("def application(e, sr):\n    sr('200 OK', [('Content-Length', '2')])\n"
           "    return [b'%s']\n")
    mod.write_text(src % "v1")
    args = ["--plugin", "python", "--pythonpath", str(tmp_path), "--module", "reloaded_app",
            "--py-autoreload", "1"] + (["--master"] if master else [])
    w = weft(*args)
    assert http_get(w, "/").body == b"v1"
    w.wait_log(r"watching the modules' files every 1 s")
    mod.write_text(src % "v2")
    st = os.stat(mod)
    os.utime(mod, ns=(st.st_atime_ns, st.st_mtime_ns + 5 * 10**9))
    w.wait_log(r"reloaded_app\.py changed: reloading \(--py-autoreload\)", timeout=15)
    wait_for(lambda: http_get(w, "/").body == b"v2", timeout=20, what="the new code")
