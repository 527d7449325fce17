"""Helpers for the stats and metrics tests: read weft's stats document
(over TCP, a UNIX socket or HTTP) and its Prometheus metrics."""
import json
import re
import socket


def read_all(sock, timeout=10):
    sock.settimeout(timeout)
    data = b""
    while True:
        d = sock.recv(65536)
        if not d:
            return data
        data += d


def stats_tcp(port):
    """The document a plain --stats connection gets (then weft closes it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        return json.loads(read_all(s))


def stats_unix(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(path)
        return json.loads(read_all(s))


def http(port, path, method="GET"):
    """One HTTP/1.1 request; (status, headers dict, body bytes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(("%s %s HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n" % (method, path)).encode())
        raw = read_all(s)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    return status, headers, body


def metrics(port):
    status, headers, body = http(port, "/metrics")
    assert status == 200, (status, body)
    return body.decode()


def sample(text, name, **labels):
    """The sum of the samples of metric `name` whose labels include `labels`."""
    total = 0.0
    found = False
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
            found = True
    assert found, "no sample of %s%r in:\n%s" % (name, labels, text)
    return total


# The keys uwsgitop (and telegraf's and netdata's uWSGI readers) read.
UWSGITOP_TOP = ["version", "listen_queue", "listen_queue_errors", "load", "pid", "uid", "gid",
                "cwd", "locks", "sockets", "workers", "signal_queue"]
UWSGITOP_SOCKET = ["name", "proto", "queue", "max_queue", "shared", "can_offload"]
UWSGITOP_WORKER = ["id", "pid", "accepting", "requests", "delta_requests", "exceptions",
                   "harakiri_count", "signals", "signal_queue", "status", "rss", "vsz",
                   "running_time", "last_spawn", "respawn_count", "tx", "avg_rt", "apps",
                   "cores"]
UWSGITOP_CORE = ["id", "requests", "static_requests", "routed_requests", "offloaded_requests",
                 "write_errors", "read_errors", "in_request", "vars", "req_info"]
