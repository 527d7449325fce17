"""The Ruby fiber suspend engine (fiber.so): a Fiber per request, selected by
--fiber in either order of the command line, and the fiber scheduler that
makes plain Ruby (sleep, sockets, Net::HTTP, Mutex, Queue, Timeout) suspend
only its own request."""
import os
import signal
import socket
import sys
import threading
import time

import pytest

from weftlib import SRCDIR, plugin_available, run, wait_for, workers_of

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "python"))
import wsgiclient as wc  # noqa: E402

RUBY_APPS = os.path.join(SRCDIR, "t", "apps", "ruby")
# The exception route logs its backtrace at ERROR on purpose.
BACKTRACES = [r"ERROR .*raised in a fiber on purpose", r"ERROR\s+\S*fiber_raise\.ru",
              r"ERROR (GET /\S+: the app raised|  )"]


def app(name):
    return os.path.join(RUBY_APPS, name)


@pytest.fixture(autouse=True)
def _needs_fiber():
    """Skip, with the package to install, when a plugin is not built (CI
    counts a skip as a failure; its sanitizer build leaves Ruby out)."""
    for p in ("ruby", "fiber"):
        if not plugin_available(p):
            pytest.skip("%s.so is not built (apt-get install ruby-dev ruby-rack, then ./configure)"
                        % p)


def serve(weft, name, *args, **kw):
    return weft("--plugin", "ruby", "--fiber", "--rack", app(name), *args, **kw)


def bodies(res):
    assert all(status == 200 for status, _ in res), [r for r in res if r[0] != 200][:3]
    return sorted(b for _, b in res)


# ------------------------------------------------------------------ the command lines

def test_both_command_line_orders_behave_the_same(weft):
    a = weft("--plugin", "ruby", "--fiber", "--rack", app("fiber_sleep.ru"))
    b = weft("--rack", app("fiber_sleep.ru"), "--fiber", "--async", "100")
    for w in (a, b):
        w.wait_text("100 cores, engine fiber")
        t = time.time()
        res = wc.many(w, ["/?0.5"] * 50)
        assert len(set(bodies(res))) == 50           # 50 different cores
        assert time.time() - t < 2.5
        assert wc.http(w, "GET", "/scheduler").body == b"Weft::FiberScheduler"


def test_fiber_keeps_an_async_given_before_it(weft):
    w = weft("--rack", app("fiber_sleep.ru"), "--async", "7", "--fiber")
    w.wait_text("7 cores, engine fiber")


def test_fiber_alone_loads_the_ruby_plugin(weft):
    w = weft("--fiber", "--rack", app("fiber_sleep.ru"), "--async", "4")
    assert wc.http(w, "GET", "/?0").body == b"slept 0 on core 0"


def test_ugreen_with_ruby_is_refused_naming_fiber():
    p = run(["--http-socket", "127.0.0.1:0", "--rack", app("fiber_sleep.ru"),
             "--ugreen", "--async", "4"])
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    assert "--fiber" in out, out


def test_fiber_and_ugreen_are_not_both_engines():
    p = run(["--http-socket", "127.0.0.1:0", "--rack", app("fiber_sleep.ru"),
             "--fiber", "--ugreen"])
    assert p.returncode != 0
    assert "engine" in p.stdout + p.stderr


def test_fiber_stack_size_is_checked():
    p = run(["--http-socket", "127.0.0.1:0", "--rack", app("fiber_sleep.ru"),
             "--fiber", "--fiber-stack-size", "12"])
    assert p.returncode != 0
    assert "at least 128k" in p.stdout + p.stderr


def test_fiber_stack_size_reaches_ruby(weft):
    w = weft("--fiber-stack-size", "1m", "--rack", app("fiber_sleep.ru"), "--fiber")
    assert wc.http(w, "GET", "/stack").body == b"1048576 262144"
    res = wc.many(w, ["/?0.2"] * 20)
    assert len(bodies(res)) == 20


def test_ruby_own_fiber_stack_variables_are_honoured(weft):
    w = serve(weft, "fiber_sleep.ru", env={"RUBY_FIBER_MACHINE_STACK_SIZE": "262144",
                                             "RUBY_FIBER_VM_STACK_SIZE": "65536"})
    assert wc.http(w, "GET", "/stack").body == b"262144 65536"


def test_fiber_no_scheduler_leaves_plain_sleep_blocking(weft):
    w = serve(weft, "fiber_sleep.ru", "--async", "4", "--fiber-no-scheduler")
    assert wc.http(w, "GET", "/scheduler").body == b"NilClass"
    t = time.time()
    res = wc.many(w, ["/?0.2"] * 3)
    assert len(bodies(res)) == 3
    assert time.time() - t >= 0.55                   # one after the other


def test_fiber_in_an_ini_file(weft, tmp_path):
    ini = tmp_path / "weft.ini"
    ini.write_text("[weft]\nrack = %s\nfiber = true\n" % app("fiber_sleep.ru"))
    w = weft("--ini", str(ini))
    w.wait_text("100 cores, engine fiber")
    t = time.time()
    assert len(bodies(wc.many(w, ["/?0.3"] * 10))) == 10
    assert time.time() - t < 1.5


# ------------------------------------------------------------------ 1,000 at once

@pytest.mark.parametrize("name", ["fiber_async_sleep.ru", "fiber_sleep.ru"],
                         ids=["UWSGI.async_sleep", "Kernel#sleep"])
def test_a_thousand_concurrent_sleeps_on_one_worker(weft, name):
    w = serve(weft, name, "--async", "1000", "--listen", "1024")
    t = time.time()
    res = wc.many(w, ["/?1"] * 1000)
    elapsed = time.time() - t
    assert bodies(res) == sorted(b"slept 1 on core %d" % i for i in range(1000))
    assert elapsed < 6, "1,000 one-second sleeps took %.1fs" % elapsed
    print("1,000 concurrent sleeps (%s) in %.2fs" % (name, elapsed))


def test_a_fiber_the_app_makes_sleeps_on_its_core(weft):
    w = serve(weft, "fiber_sleep.ru", "--async", "20")
    t = time.time()
    res = wc.many(w, ["/nested?0.5"] * 20)
    assert bodies(res) == sorted(b"nested slept 0.5 on core %d" % i for i in range(20))
    assert time.time() - t < 2.5


def test_uwsgi_suspend_inside_an_enumerator_switches(weft):
    """Enumerator#next runs its block on a fiber of its own: the core
    suspends on that fiber and resumes there."""
    w = serve(weft, "fiber_async_sleep.ru", "--async", "20")
    t = time.time()
    res = wc.many(w, ["/enum?0.5"] * 20)
    assert bodies(res) == sorted(b"slept 0.5 on core %d" % i for i in range(20))
    assert time.time() - t < 2.5


def test_plain_sleep_on_a_blocking_fiber_blocks_but_works(weft):
    """An Enumerator's fiber is a blocking one, which no scheduler sees:
    its sleep blocks the worker, as in plain Ruby, and nothing breaks."""
    w = serve(weft, "fiber_sleep.ru", "--async", "4")
    t = time.time()
    res = wc.many(w, ["/enum?0.2"] * 3)
    assert bodies(res) == [b"enum slept 0.2"] * 3
    assert time.time() - t >= 0.55                   # one after the other
    assert wc.http(w, "GET", "/?0").status == 200


# ------------------------------------------------------------------ sockets

class SlowServer:
    """A local TCP server that answers each connection after `delay`
    seconds: a line for raw sockets, an HTTP response for Net::HTTP."""

    def __init__(self, delay):
        self.delay = delay
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        try:
            c.settimeout(10)
            data = c.recv(4096)
            time.sleep(self.delay)
            if data.startswith(b"GET "):
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nslow")
            else:
                c.sendall(b"slow reply to " + data)
        finally:
            c.close()

    def close(self):
        self.stopping = True
        self.sock.close()


@pytest.fixture
def slow():
    s = SlowServer(1.0)
    yield s
    s.close()


@pytest.mark.parametrize("route,want", [("/socket", b"got slow reply to hello\n"),
                                        ("/http", b"http 200 slow")])
def test_reading_a_slow_server_suspends_only_that_request(weft, slow, route, want):
    w = serve(weft, "fiber_slow_tcp.ru", "--async", "20", env={"SLOW_PORT": str(slow.port)})
    out = {}

    def slow_request():
        out["r"] = wc.http(w, "GET", route)

    th = threading.Thread(target=slow_request)
    t = time.time()
    th.start()
    time.sleep(0.2)
    fast = [wc.http(w, "GET", "/fast") for _ in range(10)]   # served meanwhile
    fast_done = time.time() - t
    th.join(15)
    assert all(r.body == b"fast" for r in fast)
    assert fast_done < 0.9, "the fast requests waited for the slow one (%.2fs)" % fast_done
    assert (out["r"].status, out["r"].body) == (200, want)
    # ten slow reads at once take one delay, not ten
    t = time.time()
    res = wc.many(w, [route] * 10)
    assert bodies(res) == [want] * 10
    assert time.time() - t < 3


# ------------------------------------------------------------------ block / unblock

def test_a_queue_pop_is_woken_by_another_requests_push(weft):
    w = serve(weft, "fiber_mutex.ru", "--async", "10")
    out = {}
    th = threading.Thread(target=lambda: out.setdefault("r", wc.http(w, "GET", "/pop")))
    th.start()
    time.sleep(0.3)
    assert wc.http(w, "GET", "/push?hello").body == b"pushed"    # the worker is not blocked
    th.join(10)
    assert out["r"].body == b"popped hello"


def test_forty_pops_are_woken_by_forty_pushes(weft):
    """Waiters on every wake-up pipe: each push wakes one pop, none is lost."""
    w = serve(weft, "fiber_mutex.ru", "--async", "100")
    result = {}
    th = threading.Thread(target=lambda: result.setdefault("r", wc.many(w, ["/pop"] * 40)))
    th.start()
    time.sleep(0.5)
    pushed = wc.many(w, ["/push?%d" % i for i in range(40)])
    assert bodies(pushed) == [b"pushed"] * 40
    th.join(20)
    assert bodies(result["r"]) == sorted(b"popped %d" % i for i in range(40))


def test_process_wait_suspends_only_the_request(weft, tmp_path):
    """The child of /wait exits only once /touch has run: a Process.wait
    that blocked the worker would never see it."""
    w = serve(weft, "fiber_process.ru", "--async", "10")
    flag = str(tmp_path / "flag")
    out = {}
    th = threading.Thread(target=lambda: out.setdefault("r", wc.http(w, "GET", "/wait?" + flag)))
    th.start()
    time.sleep(0.3)
    assert wc.http(w, "GET", "/touch?" + flag).body == b"touched"
    th.join(10)
    assert out["r"].body == b"waited 0"


def test_name_lookups_go_through_the_scheduler(weft):
    w = serve(weft, "fiber_process.ru")
    body = wc.http(w, "GET", "/resolve").body.decode()
    addrs, _, count = body.partition(" via scheduler ")
    assert "127.0.0.1" in addrs.split(","), body
    assert int(count) >= 1, body


def test_a_contended_mutex_suspends_the_waiters(weft):
    w = serve(weft, "fiber_mutex.ru", "--async", "10")
    t = time.time()
    res = wc.many(w, ["/lock?0.2"] * 5)
    elapsed = time.time() - t
    assert bodies(res) == [b"locked"] * 5
    assert 0.95 < elapsed < 3, elapsed          # one after the other, none lost


def test_joining_a_thread_suspends_only_the_request(weft):
    """Thread#join reaches the scheduler's block; the thread that unblocks it
    needs the GVL, which the worker's loop holds while it waits."""
    w = serve(weft, "fiber_mutex.ru", "--async", "20")
    t = time.time()
    res = wc.many(w, ["/thread?0.3"] * 20)
    assert bodies(res) == [b"joined 42"] * 20
    assert time.time() - t < 2


def test_timeout_after_interrupts_a_wait_only(weft):
    w = serve(weft, "fiber_timeout.ru", "--async", "50")
    t = time.time()
    res = wc.many(w, ["/?0.3"] * 50)
    assert bodies(res) == [b"timed out"] * 50
    assert time.time() - t < 2


# ------------------------------------------------------------------ errors

def test_an_exception_in_a_fiber_gives_500_and_the_worker_serves_on(weft):
    w = serve(weft, "fiber_raise.ru", "--async", "10", allow_errors=BACKTRACES)
    res = wc.many(w, ["/raise"] * 5 + ["/"] * 5)
    assert sorted(s for s, _ in res) == [200] * 5 + [500] * 5
    w.wait_log(r"raised in a fiber on purpose")
    assert wc.http(w, "GET", "/").body == b"ok"
    w.stop()
    w.assert_not_logged(r"fiber: .*(escaped|is lost)")


def test_an_aborted_request_unwinds_its_fiber(weft):
    """A client that goes away mid-sleep: the core is freed, and every core
    serves again."""
    # The wait raises Weft::FiberEngine::Aborted through the app; ruby.so
    # says so in one INFO line (no ERROR, no backtrace: the client left).
    w = serve(weft, "fiber_sleep.ru", "--async", "2")
    for _ in range(2):
        s = w.connect()
        s.sendall(b"GET /?0.3 HTTP/1.1\r\nHost: t\r\n\r\n")
        s.close()
    w.wait_log(r"INFO GET /\?0\.3: the client went away; the app stopped", count=2)
    res = wc.many(w, ["/?0.1"] * 2)
    assert bodies(res) == [b"slept 0.1 on core 0", b"slept 0.1 on core 1"]


# ------------------------------------------------------------------ processes

def test_two_processes_with_a_master(weft):
    w = serve(weft, "fiber_sleep.ru", "--processes", "2", "--master", "--async", "50")
    wait_for(lambda: len(workers_of(w)) == 2, what="two workers")
    w.wait_text("engine fiber", count=2)
    res = wc.many(w, ["/?0.5"] * 60)
    assert len(bodies(res)) == 60
    pids = {wc.http(w, "GET", "/pid").body for _ in range(40)}
    assert len(pids) == 2


def test_sighup_with_200_suspended_fibers_loses_none(weft):
    w = serve(weft, "fiber_sleep.ru", "--master", "--processes", "1", "--async", "300",
              "--listen", "1024", "--worker-reload-mercy", "30")
    wait_for(lambda: len(workers_of(w)) == 1, what="the worker")
    old = workers_of(w)
    w.wait_text("engine fiber")
    result = {}
    th = threading.Thread(target=lambda: result.setdefault("r", wc.many(w, ["/?2"] * 200)))
    th.start()
    time.sleep(0.7)                          # all 200 are suspended now
    w.send_signal(signal.SIGHUP)
    during = []
    t_hup = time.time()
    while time.time() - t_hup < 1.2:
        during.append(wc.http(w, "GET", "/pid"))
        time.sleep(0.05)
    th.join(30)
    res = result["r"]
    assert len(res) == 200 and all(s == 200 for s, _ in res), \
        "%d of 200 completed" % sum(1 for s, _ in res if s == 200)
    assert all(b.startswith(b"slept 2 on core ") for _, b in res)
    assert during and all(r.status == 200 for r in during)
    assert {r.body for r in during} - {str(old[0]).encode()}    # the new generation serves
    w.wait_log(r"worker 1 \(pid %d\) finished draining and exited with status 0" % old[0])


def test_max_requests_recycles_a_fiber_worker(weft):
    w = serve(weft, "fiber_sleep.ru", "--master", "--max-requests", "20", "--async", "10")
    wait_for(lambda: len(workers_of(w)) == 1, what="the worker")
    first = workers_of(w)
    for _ in range(3):
        res = wc.many(w, ["/?0.05"] * 10)
        assert len(bodies(res)) == 10
    wait_for(lambda: workers_of(w) and workers_of(w) != first, what="a recycled worker")


def test_harakiri_kills_a_stuck_fiber_worker(weft):
    w = serve(weft, "fiber_sleep.ru", "--master", "--harakiri", "1", "--async", "4",
              allow_errors=[r"harakiri", r"killed", r"respawn"])
    wait_for(lambda: len(workers_of(w)) == 1, what="the worker")
    r = wc.many(w, ["/?5"])
    w.wait_log(r"harakiri")
    assert r[0][0] is None or r[0][0] >= 500, r
    wait_for(lambda: len(workers_of(w)) == 1, what="the respawned worker")
    assert wc.http(w, "GET", "/?0").status == 200
