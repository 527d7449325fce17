"""The Coro::AnyEvent loop engine (coroae.so): AnyEvent's EV loop runs the
worker, each connection runs on a Coro of its own, and the core keeps
graceful stop, harakiri and recycling.  weft's API (uwsgi::async_sleep,
uwsgi::suspend) and Coro's own waits (Coro::AnyEvent::sleep, AnyEvent::HTTP,
Coro::Socket) share the one loop; an app's own Coros cooperate too."""
import os
import signal
import sys
import threading
import time

import pytest

from weftlib import SRCDIR, Reader, run, wait_for, workers_of

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "perl"))
import psgiclient as pc  # noqa: E402
from psgiclient import _needs_perl  # noqa: E402,F401

import weftlib  # noqa: E402
import slow_backend  # noqa: E402

APP = pc.app("coroae_app.psgi")
DIES = [r"ERROR GET /die: the app died"]


@pytest.fixture(autouse=True)
def _needs_coroae():
    """Fail, naming the packages, when coroae.so or its modules are missing."""
    if not weftlib.plugin_available("coroae"):
        pytest.fail("coroae.so is not built (apt-get install libcoro-perl libanyevent-perl "
                    "libev-perl, then re-run configure)")
    pc.needs_module("AnyEvent::HTTP", "libanyevent-http-perl")


def serve(weft, cores, *args, app=APP, **kw):
    kw.setdefault("allow_errors", DIES)
    w = weft("--coroae", str(cores), "--psgi", app, "--listen", "2048", *args, **kw)
    w.wait_log(r"worker 1 ready \(pid \d+, %d cores?, loop engine coroae\)" % cores)
    return w


def get(w, path, **kw):
    return pc.http(w, "GET", path, **kw)




# ------------------------------------------------------------------ loading

def test_serves_with_psgi_nonblocking(weft):
    w = serve(weft, 8)
    assert get(w, "/env").body == (b"psgi.nonblocking=1 psgi.multithread=0 "
                                   b"psgi.multiprocess=0 psgi.streaming=1")
    r = get(w, "/die")
    assert r.status == 500
    w.wait_log(r"ERROR GET /die: the app died: this app died")
    assert get(w, "/pid").status == 200


@pytest.mark.parametrize("first", ["coroae", "ugreen"])
def test_refuses_another_engine(first):
    coroae, ugreen = ["--coroae", "4"], ["--ugreen"]
    engines = coroae + ugreen if first == "coroae" else ugreen + coroae
    r = run(["--http-socket", "127.0.0.1:0", "--psgi", APP] + engines)
    assert r.returncode != 0
    chosen, refused = ("coroae", "ugreen") if first == "coroae" else ("ugreen", "coroae")
    assert "cannot use both the %s and the %s engine: choose one" % (chosen, refused) in r.stderr


def test_needs_a_number_of_cores():
    r = run(["--http-socket", "127.0.0.1:0", "--psgi", APP, "--coroae", "lots"])
    assert r.returncode != 0 and "--coroae" in r.stderr


def test_anyevent_on_another_backend_is_refused():
    """coroae drives EV's loop: an AnyEvent forced onto another backend
    stops the worker at start, saying why."""
    r = run(["--http-socket", "127.0.0.1:0", "--psgi", APP, "--coroae", "4"],
            env={"PERL_ANYEVENT_MODEL": "Perl"})
    assert r.returncode != 0
    assert ("coroae: cannot start Coro and AnyEvent on EV: AnyEvent runs on "
            "AnyEvent::Impl::Perl here, and coroae needs EV") in r.stderr, r.stderr


def test_a_coro_per_connection(weft):
    w = serve(weft, 4)
    res = pc.many(w, ["/coro?s=0.2"] * 4)
    ids = set()
    for status, body in res:
        coro, which = body.split()
        assert status == 200 and which == b"own"
        ids.add(coro)
    assert len(ids) == 4


def test_processes_with_a_master(weft):
    """Two workers, each with its own EV loop made after the fork."""
    w = serve(weft, 10, "--master", "--processes", "2")
    w.wait_log(r"worker 2 ready")
    pids = set()
    for _ in range(20):             # which worker accepts is the kernel's choice
        res = pc.many(w, ["/whoami?s=0.2"] * 10)
        assert all(status == 200 for status, _ in res), res
        pids |= {body for _, body in res}
        if len(pids) == 2:
            break
    assert len(pids) == 2


def test_anyevent_started_in_the_master(weft):
    """An app that runs an AnyEvent timer on EV from its load, in the master:
    each worker gets EV's loop anew after the fork, and the timer ticks in
    each while the requests sleep on the same loop."""
    w = serve(weft, 10, "--master", "--processes", "2", app=pc.app("coroae_preload.psgi"))
    w.wait_log(r"worker 2 ready")
    pids = set()
    for _ in range(20):
        res = pc.many(w, ["/"] * 10)
        for status, body in res:
            pid, model, ticked, where = body.split(b" ", 3)
            assert (status, model, ticked, where) == (200, b"AnyEvent::Impl::EV", b"ticks",
                                                      b"forked"), body
            pids.add(pid)
        if len(pids) == 2:
            break
    assert len(pids) == 2


# ------------------------------------------------------------------ a thousand sleeps

def test_1000_concurrent_async_sleeps(weft):
    """uwsgi::async_sleep(1) then uwsgi::suspend(), 1,000 at once: each on a
    core of its own, all together."""
    w = serve(weft, 1000)
    t = time.time()
    res = pc.many(w, ["/async-sleep?s=1"] * 1000)
    elapsed = time.time() - t
    assert all(status == 200 for status, _ in res), [r for r in res if r[0] != 200][:3]
    assert sorted(res) == sorted((200, b"slept 1 on core %d" % i) for i in range(1000))
    assert elapsed < 15, "1,000 sleeps of 1 s took %.1fs" % elapsed


def test_1000_concurrent_coro_anyevent_sleeps(weft):
    """Coro::AnyEvent::sleep(1), 1,000 at once, with no weft API at all."""
    w = serve(weft, 1000)
    t = time.time()
    res = pc.many(w, ["/coro-sleep?s=1"] * 1000)
    elapsed = time.time() - t
    assert [r for r in res if r[0] != 200 or not r[1].startswith(b"slept 1 (1.")] == []
    assert elapsed < 15, "1,000 sleeps of 1 s took %.1fs" % elapsed


# ------------------------------------------------------------------ the API under Coro

def test_suspend_lets_the_others_run(weft):
    w = serve(weft, 4)
    assert get(w, "/suspend").body == b"suspended 3 times"


def test_the_apps_own_coro(weft):
    """weft's API from a Coro the app made: a call that needs the request
    dies with a message that says why; the worker keeps serving; calls that
    need none, and Coro's own waits, work there."""
    w = serve(weft, 4)
    pid = get(w, "/pid").body
    r = get(w, "/own-coro?call=async_sleep")
    assert r.status == 200
    assert r.body.startswith(b"own coro: died: Weft::async_sleep called outside a request "
                             b"(or from a coroutine that serves none)"), r.body
    assert get(w, "/own-coro?call=worker_id").body == b"own coro: worker 1"
    assert get(w, "/own-coro?call=core_id").body == b"own coro: core -1"
    assert get(w, "/own-coro?call=coro-sleep").body == b"own coro: ok"
    assert get(w, "/pid").body == pid


def test_a_wait_on_many_fds(weft):
    """uwsgi::wait_fd_read on 30 pipes, then suspend: the one that is ready
    wakes the request, however many there are."""
    w = serve(weft, 4)
    assert get(w, "/many-fds?n=30").body == b"the last of 30"
    assert get(w, "/many-fds?n=3").body == b"the last of 3"


def test_an_own_coro_that_dies_is_logged_and_the_worker_replaced(weft):
    """Coro's rule: a Coro that dies outside any eval ends the program.  The
    message is in weft's log, and the master starts a new worker."""
    w = serve(weft, 4, "--master", allow_errors=[
        r"coroae: a Coro of the app's died outside any eval", r"an own Coro died",
        r"worker 1 \(pid \d+\) exited with status \d+"])
    old = workers_of(w)
    s = w.in_flight("/own-die")
    w.wait_log(r"ERROR coroae: a Coro of the app's died outside any eval, which ends the worker "
               r"\(Coro's rule; catch it with eval\): an own Coro died")
    s.close()
    wait_for(lambda: workers_of(w) and workers_of(w) != old, what="a new worker")
    w.wait_log(r"worker 1 ready \(pid \d+, 4 cores, loop engine coroae\)", count=2)
    assert get(w, "/pid").status == 200


# ------------------------------------------------------------------ Coro's own I/O

@pytest.mark.parametrize("route", ["http", "socket"])
def test_coro_io_against_a_slow_server_while_others_are_served(weft, route):
    """AnyEvent::HTTP and Coro::Socket wait on the loop: twenty requests
    that each wait a second for a slow backend finish together, and other
    requests are answered meanwhile."""
    backend = slow_backend.SlowServer(1.0)
    try:
        w = serve(weft, 30)
        result = {}
        th = threading.Thread(target=lambda: result.setdefault(
            "r", pc.many(w, ["/%s?port=%d" % (route, backend.port)] * 20)))
        t = time.time()
        th.start()
        time.sleep(0.3)
        t1 = time.time()
        assert get(w, "/pid").status == 200
        quick = time.time() - t1
        th.join(30)
        elapsed = time.time() - t
    finally:
        backend.close()
    want = b"http 200: slow and steady" if route == "http" else b"socket: slow server got hello"
    assert result["r"] == [(200, want)] * 20
    assert quick < 0.5, quick
    assert elapsed < 5, elapsed


# ------------------------------------------------------------------ responses

def test_big_response_to_a_slow_reader(weft):
    w = serve(weft, 4)
    s = w.in_flight("/big?size=30000000")
    time.sleep(0.5)                 # the worker waits on a full socket
    t = time.time()
    assert get(w, "/coro-sleep?s=0").status == 200     # and serves others
    assert time.time() - t < 1
    r = Reader(s).read()
    assert len(r.body) == 30000000
    s.close()


def test_streaming_writer_suspends_only_its_coro(weft):
    w = serve(weft, 4)
    s = w.in_flight("/stream?n=30&size=1000000")
    time.sleep(0.5)
    t = time.time()
    assert get(w, "/pid").status == 200
    assert time.time() - t < 1
    r = Reader(s).read()
    assert len(r.body) == 30000000
    s.close()


def test_the_writer_from_the_apps_own_coro(weft):
    w = serve(weft, 4)
    r = get(w, "/stream-from-coro")
    assert (r.status, r.body) == (200, b"part 1\npart 2\npart 3\n")


def test_delayed_responses_from_anyevent_timers(weft):
    """A Twiggy-style app: the responder is called from an AnyEvent timer."""
    w = serve(weft, 50)
    res = pc.many(w, ["/delayed?s=0.5"] * 50)
    assert res == [(200, b"delayed 0.5")] * 50


def test_psgix_io_from_the_apps_own_coro(weft):
    """The app takes the connection (psgix.io) and answers on it through
    Coro::Handle, from a Coro of its own, after a Coro sleep."""
    w = serve(weft, 4)
    s = w.connect()
    s.sendall(b"GET /io HTTP/1.1\r\nHost: t\r\n\r\n")
    r = Reader(s).read()
    assert (r.status, r.body) == (200, b"hello from io")
    s.close()
    assert get(w, "/pid").status == 200


def test_a_big_delayed_response_to_a_slow_reader(weft):
    """The responder, called from an AnyEvent timer, sends 30 MB to a client
    that does not read yet: the worker serves others meanwhile, in weft's
    waits and in Coro's."""
    w = serve(weft, 4)
    s = w.in_flight("/delayed-big?size=30000000")
    time.sleep(0.6)
    t = time.time()
    assert get(w, "/coro-sleep?s=0.1").body.startswith(b"slept 0.1")
    assert get(w, "/async-sleep?s=0.1").body.startswith(b"slept 0.1")
    assert time.time() - t < 2
    assert len(Reader(s).read().body) == 30000000
    s.close()


def test_client_gone_is_noticed(weft):
    w = serve(weft, 1)
    s = w.in_flight("/async-sleep?s=30")
    time.sleep(0.3)
    s.close()
    w.wait_log(r"client went away during GET /async-sleep\?s=30 \(core 0\)")
    assert get(w, "/async-sleep?s=0").body == b"slept 0 on core 0"


def test_more_requests_than_cores_wait_their_turn(weft):
    w = serve(weft, 10)
    t = time.time()
    res = pc.many(w, ["/async-sleep?s=0.5"] * 40)
    assert all(status == 200 for status, _ in res)
    assert 1.9 < time.time() - t < 6


# ------------------------------------------------------------------ stopping

def test_graceful_stop_drains_the_coros(weft):
    """SIGTERM with requests in flight, in weft's waits and in Coro's: the
    responses are complete, and the worker exits 0."""
    w = serve(weft, 10)
    socks = [w.in_flight(p) for p in ["/async-sleep?s=1", "/coro-sleep?s=1"] * 3]
    idle = w.connect()              # an idle keep-alive client
    time.sleep(0.3)
    t = time.time()
    w.send_signal(signal.SIGTERM)
    for s in socks:
        r = Reader(s).read()
        assert r.status == 200 and r.body.startswith(b"slept 1")
    assert w.proc.wait(timeout=10) == 0
    assert time.time() - t < 4
    idle.close()


def test_the_apps_own_coros_do_not_hold_the_worker(weft):
    """A Coro the app left running (a background loop) ticks between
    requests, and does not keep the worker from stopping."""
    w = serve(weft, 4)
    assert get(w, "/background").body == b"started"
    time.sleep(0.5)
    ticks = int(get(w, "/ticks").body.split()[1])
    assert ticks > 3, ticks
    t = time.time()
    assert w.stop() == 0
    assert time.time() - t < 3


def test_hard_stop_cuts_requests_off(weft):
    """SIGQUIT: weft's waits fail at once, Coros in Coro's own waits are cut
    off; the worker exits at once without a crash."""
    w = serve(weft, 10)
    socks = [w.in_flight(p) for p in ["/async-sleep?s=30", "/coro-sleep?s=30",
                                       "/delayed?s=30"]]
    time.sleep(0.3)
    t = time.time()
    assert w.stop(sig=signal.SIGQUIT) == 0
    assert time.time() - t < 3
    for s in socks:
        s.close()


def test_harakiri_catches_one_stuck_coro(weft):
    w = serve(weft, 4, "--master", "--harakiri", "2",
              allow_errors=[r"HARAKIRI", r"was killed by SIGKILL"])
    stuck = w.in_flight("/async-sleep?s=100")
    t0 = time.time()
    while time.time() - t0 < 1.5:   # others are served meanwhile
        assert get(w, "/async-sleep?s=0.05").status == 200
    w.wait_log(r'HARAKIRI: worker 1 \(pid \d+\) core \d has served "GET /async-sleep\?s=100"')
    w.wait_log(r"worker 1 ready \(pid \d+, 4 cores, loop engine coroae\)", count=2)
    try:
        r = get(w, "/async-sleep?s=0", timeout=10)
    except OSError as e:
        raise AssertionError("the new worker did not answer (%s):\n%s" % (e, w.log()))
    assert r.status == 200
    stuck.close()


def test_max_requests_recycles_the_worker(weft):
    w = serve(weft, 4, "--master", "--max-requests", "3")
    pids = [get(w, "/whoami").body.split()[0] for _ in range(8)]
    assert pids[0] == pids[1] == pids[2] != pids[3]
    w.wait_log(r"finished draining")


def test_sigusr1_reopens_the_log_and_keeps_the_worker(weft, tmp_path):
    """The master passes SIGUSR1 on to its workers: the coroae worker
    reopens the log file, and neither dies nor drops the request in
    flight."""
    path = tmp_path / "weft.log"
    w = weft("--coroae", "4", "--psgi", APP, "--master", "--logto", str(path))
    wait_for(lambda: path.exists() and b"loop engine coroae" in path.read_bytes(),
             what="the worker")
    pid = get(w, "/pid").body
    s = w.in_flight("/async-sleep?s=1")
    time.sleep(0.3)
    os.rename(str(path), str(path) + ".1")
    w.send_signal(signal.SIGUSR1)
    r = Reader(s).read()
    assert (r.status, r.body) == (200, b"slept 1 on core 0")
    s.close()
    assert get(w, "/pid?after").body == pid
    wait_for(lambda: path.exists() and b"GET /pid?after" in path.read_bytes(),
             what="the line in the new file")
    assert b"killed" not in (tmp_path / "weft.log.1").read_bytes() + path.read_bytes()


def test_sighup_with_200_suspended_coros_loses_none(weft):
    w = serve(weft, 300, "--master", "--processes", "1", "--worker-reload-mercy", "30")
    wait_for(lambda: len(workers_of(w)) == 1, what="the worker")
    old = workers_of(w)
    result = {}
    paths = ["/async-sleep?s=2", "/coro-sleep?s=2"] * 100
    th = threading.Thread(target=lambda: result.setdefault("r", pc.many(w, paths)))
    th.start()
    time.sleep(0.7)                          # all 200 are suspended now
    w.send_signal(signal.SIGHUP)
    during = []
    t_hup = time.time()
    while time.time() - t_hup < 1.2:
        during.append(get(w, "/pid"))
        time.sleep(0.05)
    th.join(30)
    res = result["r"]
    assert len(res) == 200 and all(s == 200 for s, _ in res), \
        "%d of 200 completed" % sum(1 for s, _ in res if s == 200)
    assert all(b.startswith(b"slept 2") for _, b in res)
    assert during and all(r.status == 200 for r in during)
    assert {r.body for r in during} - {str(old[0]).encode()}    # the new generation serves
    w.wait_log(r"worker 1 \(pid %d\) finished draining and exited with status 0" % old[0])
