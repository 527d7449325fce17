"""Timers on the monotonic clock: weft runs under libfaketime with its wall
clock faked and its monotonic clock left alone (FAKETIME_DONT_FAKE_MONOTONIC),
and the test steps the wall clock by hours, forward and back, while requests
sleep and --harakiri is armed.  Every sleep still lasts its time, harakiri
neither fires early nor stalls, and the Date header follows the (faked) wall
clock."""
import email.utils
import os
import sys
import threading
import time

import pytest

from weftlib import SRCDIR, TEST_PLUGINS, Reader, http_get, plugin_available

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "python"))
import wsgiclient as wc  # noqa: E402

LIBFAKETIME = next((p for p in ("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                                "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
                                "/usr/lib/faketime/libfaketime.so.1")
                    if os.path.exists(p)), None)
pytestmark = pytest.mark.skipif(LIBFAKETIME is None,
                                reason="libfaketime is not installed (apt-get install faketime)")

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")
HOUR = 3600


class WallClock:
    """The faked wall clock of a weft started with env(): an offset from the
    real one, in seconds, that set() changes while weft runs."""

    def __init__(self, tmp_path):
        self.path = str(tmp_path / "faketime.rc")
        self.offset = 0
        self.set(0)

    def env(self):
        # A sanitizer build wants its runtime first among the libraries;
        # libfaketime preloaded ahead of it only wraps the clock calls.
        asan = os.environ.get("ASAN_OPTIONS", "")
        return {"LD_PRELOAD": LIBFAKETIME, "FAKETIME_TIMESTAMP_FILE": self.path,
                "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                "NO_FAKE_STAT": "1",
                "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0"}

    def set(self, offset):
        tmp = self.path + ".new"
        with open(tmp, "w") as f:
            f.write("%+d\n" % offset)
        os.rename(tmp, self.path)           # never a half-written file
        self.offset = offset

    def step_later(self, plan):
        """Set each offset of plan [(after_seconds, offset)] at its time,
        from a thread; returns the thread."""
        def run():
            t0 = time.monotonic()
            for at, offset in plan:
                time.sleep(max(0, t0 + at - time.monotonic()))
                self.set(offset)
        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t


@pytest.fixture
def clock(tmp_path):
    return WallClock(tmp_path)


def date_of(resp):
    return email.utils.parsedate_to_datetime(resp.header("Date")).timestamp()


def test_the_date_header_follows_the_wall_clock(weft, clock):
    w = weft("--plugin", TESTAPP, env=clock.env())
    for offset in (0, 3 * HOUR, -2 * 24 * HOUR, 5 * HOUR):
        clock.set(offset)
        r = http_get(w, "/hello")
        assert r.status == 200
        assert abs(date_of(r) - (time.time() + offset)) < 5, (offset, r.header("Date"))


# Under uGreen the app's async_sleep() suspends the core; without an engine
# it blocks the worker in poll(2); under gevent, the hub waits.
SLEEPERS = [wc.variant("ugreen", ["--async", "4", "--ugreen"], plugin="ugreen"),
            wc.variant("gevent", ["--gevent", "4"], plugin="gevent"),
            wc.variant("no-engine", [])]


@pytest.mark.skipif(not plugin_available("python"), reason="the python plugin is not built")
@pytest.mark.parametrize("engine", SLEEPERS)
def test_a_sleep_lasts_its_time_while_the_wall_clock_steps(weft, clock, engine):
    w = weft("--plugin", "python", "--wsgi-file", wc.app("sleep_suspend.py"), *engine,
             env=clock.env())
    for plan in ([(0.5, 3 * HOUR), (1.0, -6 * HOUR)],      # forward, then back
                 [(0.5, -3 * HOUR), (1.0, 6 * HOUR)]):     # back, then forward
        clock.set(0)
        stepper = clock.step_later(plan)
        t0 = time.monotonic()
        r = http_get(w, "/?2", timeout=30)
        took = time.monotonic() - t0
        stepper.join()
        assert r.status == 200 and r.body.startswith(b"slept 2 on core"), r
        assert 1.95 <= took < 6, "a 2 s sleep took %.2f s with the wall clock stepped %r" \
            % (took, plan)


def test_harakiri_does_not_fire_when_the_wall_clock_steps_forward(weft, clock):
    w = weft("--plugin", TESTAPP, "--master", "--harakiri", "3", env=clock.env(),
             allow_errors=[r"HARAKIRI", r"killed by SIGKILL"])
    w.wait_log(r"worker 1 ready")
    stepper = clock.step_later([(0.3, 5 * HOUR), (1.0, 10 * HOUR)])
    r = http_get(w, "/sleep?s=2", timeout=30)
    stepper.join()
    assert r.status == 200, r
    # A master tick or two later: still no harakiri.
    time.sleep(1.5)
    assert http_get(w, "/hello").status == 200
    w.stop()
    w.assert_not_logged(r"HARAKIRI")


def test_harakiri_does_not_stall_when_the_wall_clock_steps_back(weft, clock):
    w = weft("--plugin", TESTAPP, "--master", "--harakiri", "2", env=clock.env(),
             allow_errors=[r"HARAKIRI", r"killed by SIGKILL"])
    w.wait_log(r"worker 1 ready")
    s = w.connect(timeout=30)
    t0 = time.monotonic()
    s.sendall(b"GET /sleep?s=100 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.3)
    clock.set(-5 * HOUR)
    m = w.wait_log(r'HARAKIRI: worker 1 \(pid \d+\) core 0 has served "GET /sleep\?s=100" '
                   r'for (\d+) s', timeout=15)
    took = time.monotonic() - t0
    s.close()
    assert 2 <= took < 6, "harakiri after %.1f s (--harakiri 2)" % took
    assert 2 <= int(m.group(1)) < 6, m.group(0)


def test_an_idle_timeout_neither_stalls_nor_fires_early_when_the_wall_clock_steps(weft, clock):
    """--keepalive-timeout 6 (longer than libevent's 5 s resync of its
    cached wall clock, which the old deadlines were measured on)."""
    w = weft("--plugin", TESTAPP, "--keepalive-timeout", "6", env=clock.env())
    for offset in (-3 * HOUR, 3 * HOUR):
        clock.set(0)
        s = w.connect(timeout=15)
        s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        Reader(s).read()
        t0 = time.monotonic()
        time.sleep(0.2)
        clock.set(offset)
        assert s.recv(10) == b""                 # closed for being idle
        took = time.monotonic() - t0
        s.close()
        assert 5.5 <= took < 9, "idle for %.1f s (--keepalive-timeout 6), wall clock %+d s" \
            % (took, offset)
