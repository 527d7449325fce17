"""The process model: master and workers, respawn with backoff, signals
(graceful reload and shutdown, immediate stop), harakiri per core,
recycling, pidfile."""
import os
import re
import selectors
import signal
import socket
import subprocess
import time

import pytest

from weftlib import TEST_PLUGINS, WEFT_BIN, http_get, plugin_available, wait_for, workers_of

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")

needs_ugreen = pytest.mark.skipif(not plugin_available("ugreen"),
                                  reason="ugreen.so is not built (it needs makecontext)")


@pytest.fixture
def app(weft):
    def start(*args, **kw):
        return weft("--plugin", TESTAPP, *args, **kw)
    return start


class Flood:
    """n requests sent at once on their own connections; collect() reads
    every response."""

    def __init__(self, w, n, path):
        self.sel = selectors.DefaultSelector()
        self.n = n
        for _ in range(n):
            s = socket.create_connection(w.addr, timeout=10)
            s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ, [b""])

    def collect(self, timeout=60):
        done = []
        deadline = time.time() + timeout
        while len(done) < self.n and time.time() < deadline:
            for key, _ in self.sel.select(1):
                try:
                    d = key.fileobj.recv(65536)
                except ConnectionResetError:
                    d = b""
                if d:
                    key.data[0] += d
                else:
                    self.sel.unregister(key.fileobj)
                    key.fileobj.close()
                    done.append(key.data[0])
        return done


def test_master_forks_the_workers_and_writes_the_pidfile(app, tmp_path):
    pidfile = str(tmp_path / "weft.pid")
    w = app("--master", "--processes", "3", "--pidfile", pidfile)
    wait_for(lambda: len(workers_of(w)) == 3, what="three workers")
    with open(pidfile) as f:
        assert int(f.read()) == w.proc.pid
    seen = set()
    for _ in range(60):
        seen.add(http_get(w, "/pid").body)
    assert len(seen) >= 2            # several workers answer
    w.assert_log_count(r"worker 3 started", 1)


def test_processes_without_master_turns_it_on(app):
    w = app("--processes", "2")
    w.wait_text("--processes needs a master process")
    wait_for(lambda: len(workers_of(w)) == 2, what="two workers")


@needs_ugreen
def test_sigkill_a_worker_mid_request(app):
    w = app("--processes", "2", "--async", "10", "--ugreen",
            allow_errors=[r"was killed by SIGKILL: respawning it"])
    wait_for(lambda: len(workers_of(w)) == 2, what="two workers")
    flood = Flood(w, 10, "/sleep?s=3")
    time.sleep(0.5)
    victim = workers_of(w)[0]
    os.kill(victim, signal.SIGKILL)
    # the other worker keeps serving meanwhile
    for _ in range(10):
        assert http_get(w, "/hello").status == 200
    m = w.wait_log(r"worker (\d) \(pid %d\) was killed by SIGKILL: respawning it" % victim)
    wait_for(lambda: len(workers_of(w)) == 2 and victim not in workers_of(w),
             what="the respawned worker")
    w.wait_log(r"worker %s started \(pid \d+\)" % m.group(1))
    # The victim's requests die with it (which ones depends on how the
    # kernel spread the connections); the others finish.  None hangs.
    answered = flood.collect()
    assert len(answered) == 10
    assert all(b == b"" or b.endswith(b"slept") for b in answered)


def test_worker_dying_at_startup_is_respawned_with_backoff(app):
    w = app("--master", env={"WEFT_TESTAPP_FAIL_WORKER": "1"}, wait=False,
            allow_errors=[r"refuses to start", r"could not start worker",
                          r"after starting \(\d times? in a row\): respawning in \d+ s"])
    w.wait_log(r"\(3 times in a row\): respawning in 4 s", timeout=20)
    log = w.log()
    assert "(1 time in a row): respawning in 1 s" in log
    assert "(2 times in a row): respawning in 2 s" in log
    # not a tight loop: three attempts took at least 1 + 2 seconds
    starts = [m.start() for m in re.finditer(r"worker 1 started", log)]
    assert len(starts) <= 4


@needs_ugreen
def test_sighup_with_200_suspended_requests_loses_none(app):
    w = app("--master", "--processes", "1", "--async", "300", "--ugreen", "--listen", "1024",
            "--worker-reload-mercy", "30")
    wait_for(lambda: len(workers_of(w)) == 1, what="the worker")
    old = workers_of(w)
    flood = Flood(w, 200, "/sleep?s=2")
    time.sleep(0.5)                          # all 200 are suspended now
    t_hup = time.time()
    w.send_signal(signal.SIGHUP)

    # New connections are accepted and answered during the reload.
    during = []
    while time.time() - t_hup < 1.5:
        r = http_get(w, "/pid")
        during.append((time.time() - t_hup, r.status, r.body))
        time.sleep(0.05)
    answered = flood.collect()
    ok = sum(1 for b in answered if b.startswith(b"HTTP/1.1 200 ") and b.endswith(b"slept"))
    assert len(answered) == 200 and ok == 200, "%d of 200 completed" % ok
    assert during and all(st == 200 for _, st, _ in during)
    assert any(t < 1.0 for t, _, _ in during)        # served well before the drain ended
    new_pids = {b for _, _, b in during} - {str(old[0]).encode()}
    assert new_pids                                   # the new generation serves
    w.wait_log(r"worker 1 \(pid %d\) finished draining and exited with status 0" % old[0])
    assert w.proc.poll() is None                      # the master is the same process
    print("reload: 200 in flight, %d completed, 0 lost; %d new requests served during it"
          % (ok, len(during)))


@needs_ugreen
def test_sigterm_drains_then_exits(app):
    w = app("--master", "--processes", "2", "--async", "20", "--ugreen")
    wait_for(lambda: len(workers_of(w)) == 2, what="two workers")
    flood = Flood(w, 20, "/sleep?s=1")
    time.sleep(0.3)
    w.send_signal(signal.SIGTERM)
    answered = flood.collect()
    assert sum(1 for b in answered if b.endswith(b"slept")) == 20
    assert w.proc.wait(timeout=10) == 0
    w.wait_log(r"every worker has stopped")
    with pytest.raises(OSError):
        socket.create_connection(w.addr, timeout=1)


def test_sigterm_without_master_drains_too(app):
    w = app("--async", "4", "--ugreen") if plugin_available("ugreen") else app()
    s = w.connect()
    s.sendall(b"GET /sleep?s=0.5 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.1)
    w.send_signal(signal.SIGTERM)
    assert s.recv(4096).endswith(b"slept")
    assert w.proc.wait(timeout=10) == 0


def test_sigquit_stops_at_once(app):
    w = app("--master", "--processes", "2")
    wait_for(lambda: len(workers_of(w)) == 2, what="two workers")
    kids = workers_of(w)
    t0 = time.time()
    w.send_signal(signal.SIGQUIT)
    w.proc.wait(timeout=5)
    assert time.time() - t0 < 3
    for pid in kids:
        wait_for(lambda: not os.path.exists("/proc/%d" % pid)
                 or "Z" in open("/proc/%d/stat" % pid).read().split()[2], what="workers gone")


@needs_ugreen
def test_harakiri_catches_one_stuck_core_while_others_serve(app):
    w = app("--master", "--processes", "1", "--async", "10", "--ugreen", "--harakiri", "2",
            allow_errors=[r"HARAKIRI", r"was killed by SIGKILL: respawning it"])
    wait_for(lambda: len(workers_of(w)) == 1, what="the worker")
    victim = workers_of(w)[0]
    stuck = w.connect()
    stuck.sendall(b"GET /sleep?s=100 HTTP/1.1\r\nHost: x\r\n\r\n")
    # keep the other cores busy: a per-worker timer would be reset by this
    t0 = time.time()
    while time.time() - t0 < 4 and victim in workers_of(w):
        http_get(w, "/hello")
        time.sleep(0.02)
    m = w.wait_log(r'HARAKIRI: worker 1 \(pid %d\) core (\d+) has served "GET /sleep\?s=100" for (\d+) s'
                   % victim)
    assert 2 <= int(m.group(2)) <= 4
    wait_for(lambda: workers_of(w) and victim not in workers_of(w), what="a new worker")
    assert http_get(w, "/hello").status == 200
    stuck.close()


def test_max_requests_recycles_gracefully(app):
    w = app("--master", "--max-requests", "5")
    wait_for(lambda: len(workers_of(w)) == 1, what="the worker")
    pids = [http_get(w, "/pid").body for _ in range(12)]
    assert len(set(pids[:5])) == 1
    assert pids[5] != pids[0]            # the sixth request met a new worker
    w.wait_log(r"served 5 requests \(--max-requests\): recycling")
    w.wait_log(r"reached --max-requests.*(draining it|finished draining)")


def test_reload_on_rss(app):
    w = app("--master", "--reload-on-rss", "1")      # any worker is over 1 MiB
    w.wait_log(r"uses [\d.]+ MiB, over --reload-on-rss 1: draining it", timeout=10)
    assert http_get(w, "/hello").status == 200


def test_uid_gid_drop_after_binding(app):
    if os.geteuid() != 0:
        pytest.fail("this test runs as root (as CI does) to check the privilege drop")
    import pwd
    nobody = pwd.getpwnam("nobody")
    w = app("--master", "--uid", "nobody", "--gid", str(nobody.pw_gid))
    wait_for(lambda: len(workers_of(w)) == 1, what="the worker")
    pid = int(http_get(w, "/pid").body)
    with open("/proc/%d/status" % pid) as f:
        status = f.read()
    uids = re.search(r"^Uid:\s+(\d+)\s+(\d+)\s+(\d+)", status, re.M).groups()
    gids = re.search(r"^Gid:\s+(\d+)\s+(\d+)\s+(\d+)", status, re.M).groups()
    assert set(uids) == {str(nobody.pw_uid)} and set(gids) == {str(nobody.pw_gid)}
    w.wait_text("running as user nobody")


def test_unknown_uid_is_a_clear_error(weft):
    r = subprocess.run([WEFT_BIN, "--plugin", TESTAPP, "--http-socket", "127.0.0.1:0",
                        "--uid", "no-such-user-here"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode != 0 and "--uid no-such-user-here: no such user" in r.stderr
