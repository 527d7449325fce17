"""The stats server (--stats, --stats-http): one JSON document with uWSGI's
keys, read from the master's scoreboard, so it answers while every worker
is stuck."""
import os
import signal
import subprocess

import pytest

from statslib import (UWSGITOP_CORE, UWSGITOP_SOCKET, UWSGITOP_TOP, UWSGITOP_WORKER, http,
                      stats_tcp, stats_unix)
from weftlib import TEST_PLUGINS, WEFT_BIN, free_port, http_get, plugin_available, wait_for

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")

needs_ugreen = pytest.mark.skipif(not plugin_available("ugreen"),
                                  reason="ugreen.so is not built (it needs makecontext)")


def totals(doc, key):
    return sum(w[key] for w in doc["workers"])


def traffic(w):
    """5 x 200, 3 x 404, 2 x 500 (the app fails)."""
    for _ in range(5):
        assert http_get(w, "/hello").status == 200
    for _ in range(3):
        assert http_get(w, "/status?code=404").status == 404
    for _ in range(2):
        assert http_get(w, "/error").status == 500


def test_stats_over_tcp_counts_known_traffic(weft):
    port = free_port()
    w = weft("--plugin", TESTAPP, "--master", "--processes", "2", "--stats", "127.0.0.1:%d" % port)
    w.wait_log(r"stats server on 127\.0\.0\.1:%d" % port)
    wait_for(lambda: all(x["accepting"] for x in stats_tcp(port)["workers"]),
             what="both workers accepting")
    traffic(w)
    doc = wait_for(lambda: (lambda d: d if totals(d, "requests") == 10 else None)(stats_tcp(port)),
                   what="10 requests counted")
    for k in UWSGITOP_TOP:
        assert k in doc, k
    for s in doc["sockets"]:
        for k in UWSGITOP_SOCKET:
            assert k in s, k
    assert doc["sockets"][0]["name"] == "127.0.0.1:%d" % w.port
    assert doc["sockets"][0]["max_queue"] > 0
    assert len(doc["workers"]) == 2
    for wk in doc["workers"]:
        for k in UWSGITOP_WORKER:
            assert k in wk, k
        assert wk["status"] == "idle" and wk["pid"] > 0 and wk["respawn_count"] == 1
        assert wk["rss"] > 0 and wk["last_spawn"] > 0
        for c in wk["cores"]:
            for k in UWSGITOP_CORE:
                assert k in c, k
            assert c["state"] == "idle" and c["in_request"] == 0 and c["uri"] is None
    assert totals(doc, "exceptions") == 2
    assert sum(x["statuses"]["2xx"] for x in doc["workers"]) == 5
    assert sum(x["statuses"]["4xx"] for x in doc["workers"]) == 3
    assert sum(x["statuses"]["5xx"] for x in doc["workers"]) == 2
    assert totals(doc, "tx") >= 5 * len("Hello, World!")
    assert totals(doc, "rx") > 0
    assert doc["pid"] == w.proc.pid
    assert doc["abi"].count(".") == 1 and doc["version"]
    assert "testapp" in [p["name"] for p in doc["plugins"]]
    assert doc["reloads"] == 0


def test_stats_over_a_unix_socket(weft, tmp_path):
    path = str(tmp_path / "stats.sock")
    w = weft("--plugin", TESTAPP, "--master", "--stats", path)
    w.wait_log(r"stats server on " + path)
    assert http_get(w, "/hello").status == 200
    doc = wait_for(lambda: (lambda d: d if totals(d, "requests") == 1 else None)(stats_unix(path)),
                   what="1 request counted")
    assert doc["workers"][0]["cores"][0]["requests"] == 1


def test_stats_http(weft):
    port = free_port()
    w = weft("--plugin", TESTAPP, "--master", "--stats", "127.0.0.1:%d" % port, "--stats-http")
    w.wait_log(r"stats server on 127\.0\.0\.1:%d \(HTTP\)" % port)
    status, headers, body = http(port, "/")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    import json
    doc = json.loads(body)
    assert doc["pid"] == w.proc.pid and len(doc["workers"]) == 1
    status, headers, body = http(port, "/", method="HEAD")
    assert status == 200 and body == b""
    status, _, _ = http(port, "/", method="POST")
    assert status == 405


def test_stats_answer_while_the_worker_is_stuck(weft):
    port = free_port()
    w = weft("--plugin", TESTAPP, "--master", "--stats", "127.0.0.1:%d" % port,
             "--worker-reload-mercy", "1")
    wait_for(lambda: stats_tcp(port)["workers"][0]["accepting"], what="the worker")
    stuck = w.connect()
    try:
        stuck.sendall(b"GET /sleep?s=60 HTTP/1.1\r\nHost: x\r\n\r\n")

        def busy():
            d = stats_tcp(port)
            c = d["workers"][0]["cores"][0]
            return d if c["in_request"] else None
        doc = wait_for(busy, what="the core busy")
        wk = doc["workers"][0]
        c = wk["cores"][0]
        assert wk["status"] == "busy"
        assert c["state"] == "running"
        assert c["method"] == "GET" and c["uri"] == "/sleep?s=60"
        assert c["request_start"] > 0 and c["running_for"] >= 0
        # The worker is stuck; the document still comes, again and again.
        for _ in range(3):
            assert stats_tcp(port)["workers"][0]["cores"][0]["uri"] == "/sleep?s=60"
    finally:
        stuck.close()


@needs_ugreen
def test_stats_show_a_suspended_core_and_what_it_waits_for(weft):
    port = free_port()
    w = weft("--plugin", TESTAPP, "--master", "--async", "4", "--ugreen",
             "--stats", "127.0.0.1:%d" % port, "--worker-reload-mercy", "1")
    wait_for(lambda: stats_tcp(port)["workers"][0]["accepting"], what="the worker")
    stuck = w.connect()
    try:
        stuck.sendall(b"GET /suspend-wait?s=60 HTTP/1.1\r\nHost: x\r\n\r\n")

        def suspended():
            d = stats_tcp(port)
            cs = [c for c in d["workers"][0]["cores"] if c["state"] == "suspended"]
            return cs[0] if cs else None
        c = wait_for(suspended, what="a suspended core")
        assert c["uri"] == "/suspend-wait?s=60" and c["waits_for"] == "timer"
        assert c["switches"] >= 1
        assert http_get(w, "/hello").status == 200    # the other cores serve
        assert stats_tcp(port)["engine"] == "ugreen"
    finally:
        stuck.close()


def test_stats_count_harakiri_and_respawns(weft):
    port = free_port()
    w = weft("--plugin", TESTAPP, "--master", "--harakiri", "1", "--stats", "127.0.0.1:%d" % port,
             allow_errors=[r"HARAKIRI", r"was killed by SIGKILL: respawning it"])
    first = wait_for(lambda: (lambda d: d["workers"][0] if d["workers"][0]["accepting"] else None)
                     (stats_tcp(port)), what="the worker")
    assert first["harakiri_count"] == 0 and first["respawn_count"] == 1
    stuck = w.connect()
    stuck.sendall(b"GET /sleep?s=60 HTTP/1.1\r\nHost: x\r\n\r\n")
    w.wait_log(r"HARAKIRI: worker 1", timeout=20)
    stuck.close()
    wk = wait_for(lambda: (lambda x: x if x["respawn_count"] == 2 and x["accepting"] else None)
                  (stats_tcp(port)["workers"][0]), timeout=20, what="the worker respawned")
    assert wk["harakiri_count"] == 1 and wk["pid"] != first["pid"]
    os.kill(wk["pid"], signal.SIGKILL)
    wk = wait_for(lambda: (lambda x: x if x["respawn_count"] == 3 else None)
                  (stats_tcp(port)["workers"][0]), timeout=20, what="the worker respawned again")
    assert wk["harakiri_count"] == 1


def test_stats_turn_the_master_on(weft):
    port = free_port()
    w = weft("--plugin", TESTAPP, "--stats", "127.0.0.1:%d" % port)
    w.wait_log(r"--stats needs a master process: running with --master")
    assert stats_tcp(port)["workers"][0]["id"] == 1


def test_a_stats_address_that_cannot_be_bound_is_a_clear_error(weft, tmp_path):
    r = subprocess.run([WEFT_BIN, "--plugin", TESTAPP, "--http-socket", "127.0.0.1:0",
                        "--stats", str(tmp_path / "no" / "such" / "dir" / "s.sock")],
                       capture_output=True, text=True, timeout=20)
    out = r.stdout + r.stderr
    assert r.returncode != 0
    assert "--stats %s" % (tmp_path / "no") in out and "cannot listen" in out
