"""Access lines (common and JSON), hostile bytes, --disable-logging,
--logto, and levels on every other line."""
import json
import os
import re
import signal
import time

import pytest

from weftlib import TEST_PLUGINS, http_get

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")


@pytest.fixture
def app(weft):
    def start(*args, **kw):
        return weft("--plugin", TESTAPP, *args, **kw)
    return start


def test_common_format(app):
    w = app()
    http_get(w, "/hello?x=1", headers=[("User-Agent", "tester/1.0"), ("Referer", "http://r/")])
    m = w.wait_log(r'127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] '
                   r'"GET /hello\?x=1 HTTP/1\.1" 200 13 "http://r/" "tester/1\.0" '
                   r'(\d+\.\d{6}) 1/0')
    assert float(m.group(1)) < 1


def test_json_format_with_hostile_bytes(app):
    w = app("--log-format", "json")
    s = w.connect()
    ua = b'evil "quoted" \\back\\ \t\xff\xc3\xa9'
    s.sendall(b"GET /hello?q=%22 HTTP/1.1\r\nHost: x\r\nUser-Agent: " + ua
              + b"\r\nConnection: close\r\n\r\n")
    s.recv(4096)
    s.close()
    m = w.wait_log(r'(\{"time":.*\})\n')
    entry = json.loads(m.group(1))
    assert entry["method"] == "GET" and entry["uri"] == "/hello?q=%22"
    assert entry["status"] == 200 and entry["bytes"] == 13
    assert entry["user_agent"] == 'evil "quoted" \\back\\ \t\xff\xc3\xa9'
    assert entry["worker"] == 1 and entry["core"] == 0
    assert all(ord(c) < 128 for c in m.group(1))       # the line itself is plain ASCII


def test_common_format_escapes_hostile_bytes(app):
    w = app()
    s = w.connect()
    s.sendall(b'GET /hello HTTP/1.1\r\nHost: x\r\nUser-Agent: a"b\\c\t\xff\r\nConnection: close\r\n\r\n')
    s.recv(4096)
    s.close()
    w.wait_log(r'"a\\x22b\\x5cc\\x09\\xff"')


def test_disable_logging(app):
    w = app("--disable-logging")
    for _ in range(3):
        http_get(w, "/hello")
    w.wait_text(" INFO worker 1 ready")               # lifecycle lines stay
    w.stop()
    w.assert_not_logged(r"GET /hello")


def test_logto_file_and_reopen(app, tmp_path):
    path = tmp_path / "weft.log"
    w = app("--logto", str(path))
    http_get(w, "/hello")
    deadline = time.time() + 5
    while time.time() < deadline and b"GET /hello" not in path.read_bytes():
        time.sleep(0.05)
    text = path.read_text()
    assert "GET /hello" in text and " INFO " in text
    # rotation: move the file away, SIGUSR1, the next lines go to a new file
    os.rename(str(path), str(path) + ".1")
    w.send_signal(signal.SIGUSR1)
    time.sleep(0.3)
    http_get(w, "/hello?after")
    deadline = time.time() + 5
    while time.time() < deadline and not (path.exists() and b"after" in path.read_bytes()):
        time.sleep(0.05)
    assert b"GET /hello?after" in path.read_bytes()


def test_levels(app):
    w = app("--async", "3")
    w.wait_log(r"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[\d+\] WARN --async 3 without a suspend engine")
