"""Scale-out behind nginx (issue 16, item 6): three weft instances, each
`--master --processes 2 --health /healthz`, behind Debian's nginx with the
configuration docs/deploy.md shows (read from it, so the two cannot drift),
over HTTP with keep-alive upstreams (proxy_pass) and over the uwsgi protocol
(uwsgi_pass).

Under load -- wrk for volume (GETs), and a pool of keep-alive clients that
send GETs and POSTs and check every answer's body (the instance, and a digest
of the request it saw) -- the test

  1. reloads each instance in turn with SIGHUP, waiting for each reload to
     finish (the new generation's workers ready, the old one drained, the
     instance's own /healthz 200 again);
  2. SIGKILLs one worker of one instance, and waits for its master to start
     another;
  3. SIGKILLs a whole instance (its master; the workers die with it) and
     starts it again on the same port, as a supervisor would.

It counts every non-2xx answer, every wrong body and every reset or timeout,
per phase.  The rolling reload must lose nothing (GETs and POSTs alike).  In
the kill phases only requests in flight on the killed process may fail:
nginx retries the idempotent ones elsewhere (so GETs, wrk's and the pool's,
lose nothing), and a POST fails only when nginx had sent it to the process
that died -- at most one per client connection.  The counts are printed
(make check keeps them in the test's .log) for the issue's note.
"""
import collections
import hashlib
import http.client
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from weftlib import SRCDIR, free_port, http_get, uwsgi_request, wait_for, workers_of

APP = os.path.join(SRCDIR, "t", "apps", "python", "scaleout_app.py")
DEPLOY_MD = os.path.join(SRCDIR, "docs", "deploy.md")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WRK = shutil.which("wrk") or "/usr/bin/wrk"

INSTANCES = 3
PROCESSES = 2
CLIENTS = 4                       # the checking pool's keep-alive connections
WRK_CONNECTIONS = 4
PHASES = ("reload", "kill-worker", "kill-instance")
SETTLE = 2.5                      # past fail_timeout=2s in docs/deploy.md

# What an instance's log may say when the test kills part of it.
KILL_ERRORS = [r"worker \d+ \(pid \d+\) was killed by SIGKILL: respawning it"]


# ------------------------------------------------------------------ config

def docs_block(variant):
    """The nginx block of docs/deploy.md tested for this variant."""
    with open(DEPLOY_MD) as f:
        text = f.read()
    tag = "# tested: t/integration/test_scaleout.py (%s)\n" % variant
    m = re.search(r"```nginx\n" + re.escape(tag) + r"(.*?)```", text, re.S)
    assert m, "docs/deploy.md has no ```nginx block starting with %r" % tag
    return m.group(1)


def site_conf(variant, listen_port, ports):
    """docs/deploy.md's block with the test's ports in it."""
    conf = docs_block(variant)
    base = 8001 if variant == "proxy_pass" else 9001
    for i, port in enumerate(ports):
        old = "server 127.0.0.1:%d " % (base + i)
        assert conf.count(old) == 1, "no %r in the %s block" % (old, variant)
        conf = conf.replace(old, "server 127.0.0.1:%d " % port)
    assert conf.count("listen 80;") == 1
    return conf.replace("listen 80;", "listen 127.0.0.1:%d;" % listen_port)


class Nginx:
    """An unprivileged nginx with a temporary prefix (as test_nginx.py's)."""

    def __init__(self, variant, ports):
        if not os.path.exists(NGINX):
            pytest.fail("nginx is not installed (apt-get install nginx-light)")
        self.dir = tempfile.mkdtemp(prefix="weft-scaleout-")
        os.chmod(self.dir, 0o755)
        shutil.copy("/etc/nginx/uwsgi_params", self.dir)   # `include uwsgi_params;`
        self.port = free_port()
        with open(os.path.join(self.dir, "site.conf"), "w") as f:
            f.write(site_conf(variant, self.port, ports))
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""
worker_processes 1;
daemon off;
error_log %(d)s/error.log warn;
pid %(d)s/nginx.pid;
events { worker_connections 1024; }
http {
  log_format up '$status $request_method $upstream_status';
  access_log %(d)s/access.log up;
  client_body_temp_path %(d)s/body;
  proxy_temp_path %(d)s/proxy;
  fastcgi_temp_path %(d)s/fastcgi;
  uwsgi_temp_path %(d)s/uwsgi;
  scgi_temp_path %(d)s/scgi;
  include %(d)s/site.conf;
}
""" % {"d": self.dir})
        self.out = open(os.path.join(self.dir, "stderr.log"), "w")
        self.proc = subprocess.Popen([NGINX, "-c", conf, "-p", self.dir],
                                     stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    pytest.fail("nginx did not start:\n" + self.error_log())
                time.sleep(0.05)

    def error_log(self):
        text = ""
        for name in ("stderr.log", "error.log"):
            try:
                with open(os.path.join(self.dir, name)) as f:
                    text += f.read()
            except OSError:
                pass
        return text

    def upstream_errors(self):
        """nginx's error lines about an upstream so far (a reset, a close
        before the answer, a refused connect: each one a retry or a 502)."""
        return len(re.findall(r"\[error\].*upstream", self.error_log()))

    def retried(self):
        """Requests nginx sent to more than one instance (from its access
        log: $upstream_status lists each try), by method."""
        out = collections.Counter()
        with open(os.path.join(self.dir, "access.log")) as f:
            for line in f:
                if "," in line:
                    out[line.split()[1]] += 1
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.out.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# ------------------------------------------------------------------ load

class Pool:
    """CLIENTS threads, each on its own keep-alive connection to nginx,
    sending GETs and POSTs to /work (a few ms in the app, so requests are
    in flight when a process goes) and checking each answer.  Every
    request is counted in the phase it started in."""

    def __init__(self, port):
        self.port = port
        self.phase = "warm-up"
        self.stopping = False
        self.lock = threading.Lock()
        self.counts = collections.defaultdict(collections.Counter)  # phase -> outcome
        self.seen = collections.defaultdict(collections.Counter)    # phase -> instance
        self.failures = []
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(CLIENTS)]
        for t in self.threads:
            t.start()

    def count(self, phase, outcome, detail=None):
        with self.lock:
            self.counts[phase][outcome] += 1
            if detail is not None and len(self.failures) < 50:
                self.failures.append((phase, outcome, detail))

    def run(self, n):
        rnd = random.Random(n)
        conn = None
        i = 0
        while not self.stopping:
            i += 1
            phase = self.phase
            method = "POST" if i % 2 else "GET"
            uri = "/work?ms=%d&c=%d&i=%d" % (rnd.choice((0, 5, 20)), n, i)
            body = rnd.randbytes(rnd.choice((0, 100, 5000))) if method == "POST" else b""
            want = hashlib.sha256(("%s %s\n" % (method, uri)).encode() + body).hexdigest()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
                conn.request(method, uri, body=body if method == "POST" else None)
                r = conn.getresponse()
                data = r.read()
            except socket.timeout as e:
                self.count(phase, method + " timeout", repr(e))
                conn.close()
                conn = None
                continue
            except (OSError, http.client.HTTPException) as e:
                self.count(phase, method + " reset", repr(e))
                if conn is not None:
                    conn.close()
                conn = None
                continue
            words = data.split()
            if r.status != 200:
                self.count(phase, "%s %d" % (method, r.status), data[:200])
            elif len(words) != 3 or words[2].decode() != want:
                self.count(phase, method + " wrong body", data[:200])
            else:
                self.count(phase, method + " ok")
                with self.lock:
                    self.seen[phase][words[0].decode()] += 1
            if r.will_close:
                conn.close()
                conn = None

    def stop(self):
        self.stopping = True
        for t in self.threads:
            t.join(timeout=30)

    def failed(self, phase, method=None):
        return sum(n for k, n in self.counts[phase].items()
                   if not k.endswith(" ok") and (method is None or k.startswith(method)))

    def ok(self, phase):
        return sum(n for k, n in self.counts[phase].items() if k.endswith(" ok"))


class Wrk:
    """wrk for volume (GET /), one run per phase: started before the phase,
    stopped with SIGINT (wrk then prints its summary) after it."""

    def __init__(self, port):
        if not os.path.exists(WRK):
            pytest.fail("wrk is not installed (apt-get install wrk)")
        self.proc = subprocess.Popen(
            [WRK, "-t", "1", "-c", str(WRK_CONNECTIONS), "-d", "600s", "--latency",
             "--timeout", "20s", "http://127.0.0.1:%d/" % port],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=30)
        m = re.search(r"(\d+) requests in", out)
        assert m, "wrk printed no summary:\n" + out
        res = {"requests": int(m.group(1)), "non-2xx": 0, "socket errors": 0, "output": out}
        m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if m:
            res["non-2xx"] = int(m.group(1))
        m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        if m:
            res["socket errors"] = sum(int(x) for x in m.groups())
        return res


# ------------------------------------------------------------------ weft

class Instances:
    """The three weft instances, started (and restarted) as a supervisor
    would: same port, same arguments."""

    def __init__(self, weft, variant):
        self.weft = weft
        self.http = variant == "proxy_pass"
        self.ports = [free_port() for _ in range(INSTANCES)]
        self.w = [self.start(i) for i in range(INSTANCES)]

    def start(self, i):
        w = self.weft("--plugin", "python", "--wsgi-file", APP, "--master",
                      "--processes", str(PROCESSES), "--health", "/healthz",
                      port=self.ports[i], http=self.http, allow_errors=KILL_ERRORS,
                      env={"SCALEOUT_INSTANCE": "i%d" % i})
        return w

    def ready_lines(self, i):
        return len(re.findall(r"worker \d+ ready \(pid", self.w[i].log()))

    def healthy(self, i):
        w = self.w[i]
        try:
            r = http_get(w, "/healthz") if self.http else uwsgi_request(w, "/healthz")
        except OSError:
            return False
        return r.status == 200

    def reload(self, i):
        """SIGHUP, then wait until the reload is over: the new generation's
        workers ready, the old ones drained, /healthz 200 again."""
        w = self.w[i]
        ready = self.ready_lines(i)
        drained = len(re.findall(r"finished draining", w.log()))
        w.send_signal(signal.SIGHUP)
        w.wait_log(r"worker \d+ ready \(pid", timeout=30, count=ready + PROCESSES)
        w.wait_log(r"finished draining", timeout=70, count=drained + PROCESSES)
        wait_for(lambda: self.healthy(i), timeout=30, what="instance %d healthy" % i)

    def kill_worker(self, i):
        w = self.w[i]
        ready = self.ready_lines(i)
        victim = workers_of(w)[0]
        os.kill(victim, signal.SIGKILL)
        w.wait_log(r"worker \d+ \(pid %d\) was killed by SIGKILL: respawning it" % victim,
                   timeout=30)
        w.wait_log(r"worker \d+ ready \(pid", timeout=30, count=ready + 1)
        wait_for(lambda: self.healthy(i), timeout=30, what="instance %d healthy" % i)

    def kill_instance(self, i):
        w = self.w[i]
        os.kill(w.proc.pid, signal.SIGKILL)
        w.proc.wait(timeout=10)
        w.stop(check=False)             # its workers die with it (and killpg)
        w.check_log()                   # no crash, no unexpected error before the kill

        def refused():
            try:
                socket.create_connection(w.addr, timeout=0.5).close()
                return False
            except OSError:
                return True
        wait_for(refused, timeout=10, what="instance %d's port closed" % i)
        self.w[i] = self.start(i)
        wait_for(lambda: self.healthy(i), timeout=30, what="instance %d healthy" % i)


# ------------------------------------------------------------------ the test

@pytest.mark.parametrize("variant", ["proxy_pass", "uwsgi_pass"])
def test_scaleout_behind_nginx(weft, variant):
    inst = Instances(weft, variant)
    for i in range(INSTANCES):
        wait_for(lambda: inst.healthy(i), timeout=30, what="instance %d healthy" % i)
    ngx = Nginx(variant, inst.ports)
    pool = Pool(ngx.port)
    wrk = {}
    try:
        wrk["warm-up"] = Wrk(ngx.port)
        wait_for(lambda: pool.ok("warm-up") >= 50, timeout=30, what="the pool's first answers")
        time.sleep(0.5)

        def phase(name, action):
            pool.phase = name
            w = Wrk(ngx.port)
            time.sleep(0.5)             # the last phase's requests are over
            before = ngx.upstream_errors()
            action()
            time.sleep(SETTLE)          # nginx takes the instance back
            wrk[name] = w.stop()
            wrk[name]["nginx"] = ngx.upstream_errors() - before

        wrk["warm-up"] = wrk["warm-up"].stop()

        def rolling_reload():
            for i in range(INSTANCES):
                inst.reload(i)
                time.sleep(0.3)
        phase("reload", rolling_reload)
        phase("kill-worker", lambda: inst.kill_worker(1))
        phase("kill-instance", lambda: inst.kill_instance(2))
        pool.phase = "after"
        time.sleep(1)
    finally:
        pool.stop()
        for w in wrk.values():
            if isinstance(w, Wrk):
                w.proc.kill()
                w.proc.wait()
        retried = ngx.retried()
        errors = ngx.error_log()
        ngx.stop()

    # The table for the note (make check keeps it in the .log).
    print("\nscale-out behind nginx (%s): %d instances x --processes %d, pool %d clients "
          "(GET+POST, bodies checked), wrk -c %d (GET)" % (variant, INSTANCES, PROCESSES,
                                                         CLIENTS, WRK_CONNECTIONS))
    print("%-14s %8s %9s %9s %10s %11s %12s  %s" % (
        "phase", "pool ok", "pool fail", "wrk reqs", "wrk non2xx", "wrk sockerr",
        "nginx upstr.", "pool failures by kind"))
    for name in ("warm-up",) + PHASES + ("after",):
        w = wrk.get(name, {})
        fails = {k: n for k, n in pool.counts[name].items() if not k.endswith(" ok")}
        print("%-14s %8d %9d %9s %10s %11s %12s  %s" % (
            name, pool.ok(name), pool.failed(name), w.get("requests", "-"),
            w.get("non-2xx", "-"), w.get("socket errors", "-"), w.get("nginx", "-"),
            fails or ""))
    print("answers by instance:", {p: dict(pool.seen[p]) for p in PHASES})
    print("nginx retried on another instance:", dict(retried))
    print("nginx error log: %d lines" % len(errors.splitlines()))
    for line in errors.splitlines()[:20]:
        print("  " + line)
    for f in pool.failures[:20]:
        print("failure:", f)

    # Every instance served in the reload phase (the balancer balanced).
    assert len(pool.seen["reload"]) == INSTANCES, pool.seen["reload"]
    # 1. The rolling reload loses nothing, GET or POST.
    assert pool.failed("reload") == 0, pool.counts["reload"]
    assert wrk["reload"]["non-2xx"] == 0 and wrk["reload"]["socket errors"] == 0, \
        wrk["reload"]["output"]
    # ... and needs no retry: no instance reset or cut a connection nginx
    # had sent a request on (a draining worker serves what arrives on its
    # keep-alive connections, answering "Connection: close").
    assert wrk["reload"]["nginx"] == 0, errors
    for name in ("kill-worker", "kill-instance"):
        # 2, 3. GETs are retried elsewhere: none lost ...
        assert pool.failed(name, "GET") == 0, pool.counts[name]
        assert wrk[name]["non-2xx"] == 0 and wrk[name]["socket errors"] == 0, \
            wrk[name]["output"]
        # ... and a POST is lost only when it was in flight on the killed
        # process: at most one per client connection.
        assert pool.failed(name, "POST") <= CLIENTS, pool.counts[name]
    for name in ("warm-up", "after"):
        assert pool.failed(name) == 0, pool.counts[name]
