"""Prometheus metrics (--metrics ADDR, GET /metrics): checked by Debian's
promtool and scraped by a real Prometheus server on loopback."""
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from statslib import http, metrics, sample
from weftlib import TEST_PLUGINS, free_port, http_get, wait_for, workers_of

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")


def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail("%s is needed: apt-get install prometheus" % name)
    return path


def start(weft, *args, **kw):
    port = free_port()
    w = weft("--plugin", TESTAPP, "--master", "--metrics", "127.0.0.1:%d" % port, *args, **kw)
    w.wait_log(r"metrics server on 127\.0\.0\.1:%d \(GET /metrics\)" % port)
    return w, port


def requests_total(port, **labels):
    return sample(metrics(port), "weft_requests_total", **labels)


def test_metrics_pass_promtool_and_count_known_traffic(weft):
    w, port = start(weft, "--processes", "2")
    for _ in range(4):
        assert http_get(w, "/hello").status == 200
    assert http_get(w, "/status?code=404").status == 404
    assert http_get(w, "/error").status == 500
    wait_for(lambda: requests_total(port) == 6, what="6 requests counted")
    text = metrics(port)
    r = subprocess.run([tool("promtool"), "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0 and r.stdout.strip() == "" and r.stderr.strip() == "", \
        r.stdout + r.stderr + "\n" + text
    assert sample(text, "weft_requests_total", status="2xx") == 4
    assert sample(text, "weft_requests_total", status="4xx") == 1
    assert sample(text, "weft_requests_total", status="5xx") == 1
    assert sample(text, "weft_exceptions_total") == 1
    assert sample(text, "weft_request_duration_seconds_count") == 6
    assert sample(text, "weft_request_duration_seconds_bucket", le="+Inf") == 6
    assert sample(text, "weft_request_duration_seconds_bucket", le="10") == 6
    assert sample(text, "weft_cores", state="idle") == 2
    assert sample(text, "weft_cores", state="busy") == 0
    assert sample(text, "weft_requests_in_flight") == 0
    assert sample(text, "weft_listen_queue", socket="127.0.0.1:%d" % w.port) == 0
    assert sample(text, "weft_listen_queue_max", socket="127.0.0.1:%d" % w.port) > 0
    assert sample(text, "weft_sent_bytes_total") >= 4 * len("Hello, World!")
    assert sample(text, "weft_received_bytes_total") > 0
    assert sample(text, "weft_workers") == 2
    for name in ("weft_harakiri_total", "weft_worker_respawns_total", "weft_reloads_total"):
        assert sample(text, name) == 0


def test_metrics_http_answers(weft):
    w, port = start(weft)
    status, headers, body = http(port, "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    assert int(headers["content-length"]) == len(body)
    status, headers, body = http(port, "/metrics", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0
    assert http(port, "/")[0] == 404
    assert http(port, "/metrics", method="DELETE")[0] == 405


def test_in_flight_and_busy_cores_while_a_request_runs(weft):
    w, port = start(weft, "--worker-reload-mercy", "1")
    stuck = w.connect()
    try:
        stuck.sendall(b"GET /sleep?s=60 HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_for(lambda: sample(metrics(port), "weft_requests_in_flight") == 1,
                 what="one request in flight")
        text = metrics(port)
        assert sample(text, "weft_cores", state="busy") == 1
        assert sample(text, "weft_cores", state="idle") == 0
    finally:
        stuck.close()


def test_harakiri_respawn_and_reload_counters_move(weft):
    w, port = start(weft, "--harakiri", "1",
                    allow_errors=[r"HARAKIRI", r"was killed by SIGKILL: respawning it"])
    wait_for(lambda: len(workers_of(w)) == 1, what="the worker")
    stuck = w.connect()
    stuck.sendall(b"GET /sleep?s=60 HTTP/1.1\r\nHost: x\r\n\r\n")
    wait_for(lambda: sample(metrics(port), "weft_harakiri_total", worker="1") == 1, timeout=20,
             what="weft_harakiri_total 1")
    stuck.close()
    wait_for(lambda: sample(metrics(port), "weft_worker_respawns_total", worker="1") == 1,
             timeout=20, what="weft_worker_respawns_total 1")
    victim = wait_for(lambda: workers_of(w), what="the new worker")[0]
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: sample(metrics(port), "weft_worker_respawns_total", worker="1") == 2,
             timeout=20, what="weft_worker_respawns_total 2")
    w.send_signal(signal.SIGHUP)
    w.wait_log(r"master: graceful reload")
    wait_for(lambda: _try(lambda: sample(metrics(port), "weft_reloads_total")) == 1, timeout=30,
             what="weft_reloads_total 1 after the reload")


def _try(f):
    try:
        return f()
    except (OSError, AssertionError):
        return None             # the master is re-executing itself


def test_a_real_prometheus_scrapes_weft(weft, tmp_path):
    prometheus = tool("prometheus")
    w, port = start(weft)
    for _ in range(7):
        assert http_get(w, "/hello").status == 200
    wait_for(lambda: requests_total(port) == 7, what="7 requests counted")
    web = free_port()
    conf = tmp_path / "prometheus.yml"
    conf.write_text("scrape_configs:\n"
                    "  - job_name: weft\n"
                    "    scrape_interval: 1s\n"
                    "    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n" % port)
    log = open(str(tmp_path / "prometheus.log"), "w")
    p = subprocess.Popen([prometheus, "--config.file", str(conf),
                          "--storage.tsdb.path", str(tmp_path / "data"),
                          "--web.listen-address", "127.0.0.1:%d" % web],
                         stdout=log, stderr=subprocess.STDOUT)

    def api(path):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (web, path), timeout=5) as r:
                return json.loads(r.read())
        except OSError:
            return None

    try:
        def target_up():
            d = api("/api/v1/targets")
            if d is None:
                assert p.poll() is None, open(str(tmp_path / "prometheus.log")).read()
                return None
            act = d["data"]["activeTargets"]
            return act if act and act[0]["health"] == "up" else None
        wait_for(target_up, timeout=90, what="prometheus to scrape weft (target up)")

        def queried():
            q = urllib.parse.quote('sum(weft_requests_total{status="2xx"})')
            d = api("/api/v1/query?query=" + q)
            res = d and d["data"]["result"]
            return res and float(res[0]["value"][1])
        assert wait_for(queried, timeout=60, what="the query to answer") == 7
    finally:
        p.terminate()
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()
