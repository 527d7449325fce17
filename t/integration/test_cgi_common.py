"""Helpers shared by the CGI plugin's tests (test_cgi*.py).  No tests here:
this module is imported, never run on its own."""
import http.client
import os
import signal
import socket
import time

import pytest

from weftlib import SRCDIR, plugin_available

APPS = os.path.realpath(os.path.join(SRCDIR, "t", "apps", "cgi"))

needs_cgi = pytest.mark.skipif(not plugin_available("cgi"),
                               reason="cgi.so is not built (configure --enable-cgi)")
needs_ugreen = pytest.mark.skipif(not plugin_available("ugreen"),
                                  reason="ugreen.so is not built (needs makecontext)")


def get(w, path, method="GET", body=None, headers=None, timeout=30):
    """One request on a fresh connection: (status, reason, headers, body).
    headers is a list of (name, value) in the order received."""
    c = http.client.HTTPConnection(*w.addr, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.reason, r.getheaders(), r.read()
    finally:
        c.close()


def header(headers, name):
    """The first value of header `name`, or None."""
    for k, v in headers:
        if k.lower() == name.lower():
            return v
    return None


def read_all(s):
    """Everything a socket receives until the peer closes it."""
    parts = []
    while True:
        try:
            chunk = s.recv(1 << 20)
        except socket.timeout:
            break
        if not chunk:
            break
        parts.append(chunk)
    return b"".join(parts)


def raw(w, data, timeout=10):
    """Send raw bytes; return everything the server sends until it closes."""
    s = w.connect(timeout=timeout)
    try:
        s.sendall(data)
        return read_all(s)
    finally:
        s.close()


def dechunk(body):
    """Decode a chunked body (the bytes after the head)."""
    parts = []
    while True:
        size, _, body = body.partition(b"\r\n")
        n = int(size, 16)
        if n == 0:
            return b"".join(parts)
        parts.append(body[:n])
        body = body[n + 2:]


def body_of(response):
    """The body of a raw HTTP/1.1 response, de-chunked if need be."""
    head, _, body = response.partition(b"\r\n\r\n")
    return dechunk(body) if b"Transfer-Encoding: chunked" in head else body


def env_of(body):
    """NAME=value lines (env.sh's output) as a dict."""
    out = {}
    for line in body.decode(errors="replace").splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out.setdefault(k, v)
    return out


def proc_state(pid):
    """(state, ppid) of a process, or None when it does not exist."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def children(pid):
    """{child pid: state} of a process."""
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_state(int(d))
            if st is not None and st[1] == pid:
                out[int(d)] = st[0]
    return out


def gone(pid):
    """A process that no longer runs (a zombie waiting for init counts)."""
    st = proc_state(pid)
    return st is None or st[0] in ("Z", "X")


def wait_until(predicate, timeout=5.0, step=0.02):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def assert_no_children(w, timeout=5.0):
    """weft has reaped every script: no child left, zombie or not."""
    ok = wait_until(lambda: not children(w.proc.pid), timeout)
    assert ok, "weft still has children: %r" % children(w.proc.pid)


def read_pids(path, timeout=5.0):
    assert wait_until(lambda: os.path.exists(path) and open(path).read().endswith("\n"),
                      timeout), "the script never wrote %s" % path
    return [int(p) for p in open(path).read().split()]


def kill_quietly(pids):
    """Clean up after a failed test: the processes it may have left."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
