"""uWSGI's logging options (issue 14 item 4) with the real weft binary:
--log-format with every variable, --log-4xx/--log-5xx/--log-slow,
--log-x-forwarded-for, --log-date, --memory-report, --log-maxsize with
--log-backupname, --logger (stdio, file:PATH, syslog over a local unix
datagram socket standing in for /dev/log), --req-logger, --logto2."""
import os
import re
import socket
import time

import pytest

from weftlib import SRCDIR, http_get, wait_for

APP = os.path.join(SRCDIR, "t", "apps", "python", "opts_app.py")

ALL_VARS = ("addr user ltime time ctime epoch host method uri proto status size rsize hsize "
            "cl msecs micros secs tmsecs tmicros referer uagent pid wid core headers rss vsz "
            "rssM vszM modifier1").split()


@pytest.fixture
def py(weft):
    def start(*args, **kw):
        return weft("--plugin", "python", "--wsgi-file", APP, *args, **kw)
    return start


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def test_log_format_with_every_variable(py):
    fmt = " ".join("%s=%%(%s)" % (v, v) for v in ALL_VARS) + " x=%(var.HTTP_X_TRACE) end"
    w = py("--log-format", fmt)
    before = time.time()
    r = http_get(w, "/sleep?ms=30&q=%22", method="POST", body=b"12345",
                 headers=[("User-Agent", 'ua "quoted"'), ("Referer", "http://ref/"),
                          ("X-Trace", "t-1")])
    assert r.status == 200
    m = w.wait_log(r"addr=.* end\n")
    line = m.group(0)
    got = dict(re.findall(r"(\w+)=(.*?)(?= \w+=| end\n)", line))
    assert got["addr"] == "127.0.0.1"
    assert got["user"] == "-"
    assert re.fullmatch(r"\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}", got["ltime"])
    assert abs(int(got["time"]) - before) < 5
    assert abs(int(got["epoch"]) - before) < 5
    assert re.fullmatch(r"\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}", got["ctime"])
    assert got["host"] == "localhost"
    assert got["method"] == "POST"
    assert got["uri"] == "/sleep?ms=30&q=%22"
    assert got["proto"] == "HTTP/1.1"
    assert got["status"] == "200"
    assert got["rsize"] == "5"                        # "slept"
    assert int(got["hsize"]) > 30
    assert int(got["size"]) == int(got["rsize"]) + int(got["hsize"])
    assert got["cl"] == "5"
    assert 25 <= int(got["msecs"]) < 5000
    assert int(got["micros"]) >= 25000
    assert 0.025 <= float(got["secs"]) < 5
    assert abs(int(got["tmsecs"]) / 1000 - before) < 5
    assert abs(int(got["tmicros"]) / 1e6 - before) < 5
    assert got["referer"] == "http://ref/"
    assert got["uagent"] == r"ua \x22quoted\x22"       # escaped, never raw
    assert got["pid"] == str(w.proc.pid)
    assert got["wid"] == "1"
    assert got["core"] == "0"
    assert int(got["headers"]) >= 2
    assert int(got["rss"]) > 1 << 20 and int(got["vsz"]) >= int(got["rss"])
    assert int(got["rssM"]) == int(got["rss"]) >> 20
    assert int(got["vszM"]) == int(got["vsz"]) >> 20
    assert got["modifier1"] == "0"
    assert got["x"] == "t-1"


def test_log_format_unknown_variable_is_an_error():
    from weftlib import run
    r = run(["--log-format", "%(addr) %(nosuchvar)", "--http-socket", "127.0.0.1:1"])
    assert r.returncode != 0
    assert "%(nosuchvar) is not a log variable" in r.stderr


def test_log_4xx_5xx_slow_with_disable_logging(py):
    w = py("--disable-logging", "--log-4xx", "--log-5xx", "--log-slow", "300",
           "--log-format", "LINE %(uri) %(status)")
    for path in ("/", "/status?code=404", "/status?code=503", "/sleep?ms=400",
                 "/sleep?ms=1", "/status?code=302", "/last"):
        http_get(w, path)
    w.stop()
    w.assert_log_count(r"LINE /status\?code=404 404", 1, after=True)
    w.assert_log_count(r"LINE /status\?code=503 503", 1, after=True)
    w.assert_log_count(r"LINE /sleep\?ms=400 200", 1, after=True)
    w.assert_not_logged(r"LINE / 200|LINE /sleep\?ms=1 |LINE /status\?code=302|LINE /last")


def test_log_x_forwarded_for(py):
    w = py("--log-x-forwarded-for", "--log-format", "FROM %(addr)")
    http_get(w, "/", headers=[("X-Forwarded-For", "203.0.113.7, 10.0.0.1")])
    http_get(w, "/")
    w.wait_log(r"FROM 203\.0\.113\.7\n")
    w.wait_log(r"FROM 127\.0\.0\.1\n")


def test_log_date_and_memory_report(py):
    w = py("--log-date", "--memory-report")
    http_get(w, "/")
    w.wait_log(r"\n\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} - 127\.0\.0\.1 - - \[.*\] \"GET / ")
    w.wait_log(r"\{address space usage: \d+ bytes/\d+MB\} \{rss usage: \d+ bytes/\d+MB\} "
               r"\[pid: %d\|worker: 1\]" % w.proc.pid)


def test_log_date_with_a_format(py):
    w = py("--log-date=[%Y]")
    http_get(w, "/")
    w.wait_log(r"\n\[\d{4}\] - 127\.0\.0\.1 - - ")


def test_log_maxsize_rotates_to_log_backupname(py, tmp_path):
    log = str(tmp_path / "weft.log")
    backup = str(tmp_path / "weft.log.old")
    w = py("--logto", log, "--log-maxsize", "4096", "--log-backupname", backup,
           "--processes", "2")
    wait_for(lambda: "worker 2 ready" in read(log) or os.path.exists(backup),
             what="the workers")
    for i in range(60):
        http_get(w, "/?n=%d&pad=%s" % (i, "x" * 100))
    wait_for(lambda: os.path.exists(backup), what="the rotated log")
    wait_for(lambda: "GET /?n=59" in read(log) + read(backup), what="the last line")
    assert os.path.getsize(backup) >= 4096
    assert os.path.getsize(log) < 4096 + 2048
    # every line went to one file or the other, none lost
    text = read(backup) + read(log)
    for i in range(60):
        assert "GET /?n=%d&" % i in text


def test_log_maxsize_without_backupname_uses_a_timestamp(py, tmp_path):
    log = str(tmp_path / "w.log")
    w = py("--logto", log, "--log-maxsize", "2048")
    for i in range(30):
        http_get(w, "/?pad=%s" % ("y" * 100))
    wait_for(lambda: [f for f in os.listdir(tmp_path) if re.fullmatch(r"w\.log\.\d+", f)],
             what="w.log.EPOCH")


def test_logger_file_and_req_logger_apart(py, tmp_path):
    server = str(tmp_path / "server.log")
    access = str(tmp_path / "access.log")
    w = py("--logger", "file:" + server, "--req-logger", "file:" + access)
    http_get(w, "/hello-access")
    wait_for(lambda: "GET /hello-access" in read(access), what="the access line")
    wait_for(lambda: "worker 1 ready" in read(server), what="the server lines")
    assert "GET /hello-access" not in read(server)
    assert "worker 1 ready" not in read(access)


def test_named_logger_and_stdio(py, tmp_path):
    w = py("--logger", "mylog stdio")
    http_get(w, "/named")
    w.wait_log(r"GET /named ")


def test_logger_syslog_over_a_local_socket(py, tmp_path):
    path = str(tmp_path / "devlog")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(10)
    try:
        w = py("--logger", "syslog:myapp,local3", env={"WEFT_SYSLOG_SOCKET": path})
        http_get(w, "/to-syslog")
        got = []
        deadline = time.time() + 10
        while time.time() < deadline and not any(b"GET /to-syslog" in g for g in got):
            got.append(s.recv(4096))
        ready = [g for g in got if b"worker 1 ready" in g]
        assert ready, got
        # local3 (19) * 8 + info (6) = 158
        assert re.match(rb"<158>\w{3} [ \d]\d \d\d:\d\d:\d\d myapp\[\d+\]: ", ready[0]), ready
        assert any(b"GET /to-syslog" in g for g in got), got
    finally:
        s.close()


def test_unknown_logger_is_an_error():
    from weftlib import run
    r = run(["--logger", "redislog:127.0.0.1:6379", "--http-socket", "127.0.0.1:1"])
    assert r.returncode != 0
    assert "not a logger weft has" in r.stderr


def test_logto2_opens_after_privileges_drop(py):
    import tempfile
    d = tempfile.mkdtemp(prefix="weft-logto2-")
    os.chmod(d, 0o777)
    log = os.path.join(d, "as-nobody.log")
    try:
        w = py("--uid", "nobody", "--logto2", log)
        http_get(w, "/after-drop")
        wait_for(lambda: "GET /after-drop" in read(log), what="the access line in --logto2")
        assert os.stat(log).st_uid == __import__("pwd").getpwnam("nobody").pw_uid
        w.stop()
    finally:
        __import__("shutil").rmtree(d, ignore_errors=True)
