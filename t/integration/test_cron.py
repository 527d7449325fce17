"""--cron and --unique-cron: the master runs each command in the minute its
fields match (-1: any, -N: every N), logs each run and its exit status;
unique-cron never starts a command while its last run still goes.  The
wall clock is libfaketime's, frozen at minutes the test picks; the
monotonic clock is left alone."""
import os
import time

import pytest

from weftlib import TEST_PLUGINS, run

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")
LIBFAKETIME = next((p for p in ("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                                "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
                                "/usr/lib/faketime/libfaketime.so.1")
                    if os.path.exists(p)), None)


class FrozenClock:
    """A wall clock frozen at a time set() changes while weft runs."""

    def __init__(self, tmp_path):
        if LIBFAKETIME is None:
            pytest.fail("libfaketime is not installed: apt-get install faketime")
        self.path = str(tmp_path / "faketime.rc")

    def env(self):
        asan = os.environ.get("ASAN_OPTIONS", "")
        return {"LD_PRELOAD": LIBFAKETIME, "FAKETIME_TIMESTAMP_FILE": self.path,
                "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                "NO_FAKE_STAT": "1", "TZ": "UTC",
                "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0"}

    def set(self, when):
        tmp = self.path + ".new"
        with open(tmp, "w") as f:
            f.write("%s\n" % when)
        os.rename(tmp, self.path)


@pytest.fixture
def clock(tmp_path):
    return FrozenClock(tmp_path)


@pytest.fixture
def app(weft):
    def start(*args, **kw):
        return weft("--plugin", TESTAPP, *args, **kw)
    return start


def test_cron_runs_each_job_in_its_minute_and_logs_its_status(app, clock):
    clock.set("2026-12-02 10:04:00")            # a Wednesday
    w = app("--cron", "5 10 -1 -1 -1 echo at-10:05",
            "--cron", "-5 -1 -1 -1 -1 echo every-5-minutes",
            "--cron", "-1 -1 -1 -1 3 echo on-wednesdays; exit 4",
            "--cron", "6 10 -1 -1 -1 echo at-10:06",
            "--cron", "5 10 -1 -1 4 echo on-thursdays",
            env=clock.env())
    w.wait_text("--cron needs a master process: running with --master")
    w.wait_text("cron: 5 jobs")
    # 10:04: only the every-minute-on-wednesdays job.
    w.wait_log(r"cron: \"echo on-wednesdays; exit 4\" \(pid \d+\) exited with status 4")
    clock.set("2026-12-02 10:05:00")
    w.wait_log(r"cron: \"echo at-10:05\" \(pid \d+\) exited with status 0")
    w.wait_log(r"cron: \"echo every-5-minutes\" \(pid \d+\) exited with status 0")
    w.wait_log(r"on-wednesdays; exit 4\" \(pid \d+\) exited with status 4", count=2)
    # Many ticks in the same minute: each job ran once in it.
    time.sleep(2.5)
    w.assert_log_count(r"cron: running \"echo at-10:05\"", 1)
    clock.set("2026-12-02 10:06:00")
    w.wait_log(r"cron: \"echo at-10:06\" \(pid \d+\) exited with status 0")
    w.wait_log(r"on-wednesdays; exit 4\" \(pid \d+\) exited with status 4", count=3)
    w.stop()
    log = w.log()
    assert log.count("cron: running \"echo every-5-minutes\"") == 1
    assert log.count("cron: running \"echo at-10:05\"") == 1
    assert "running \"echo on-thursdays\"" not in log
    assert "at-10:05\n" in log and "every-5-minutes\n" in log   # their output


def test_unique_cron_never_overlaps_but_cron_does(app, clock, tmp_path):
    release = tmp_path / "release"
    wait = "while [ ! -e %s ]; do sleep 0.05; done" % release
    clock.set("2026-12-02 10:00:00")
    w = app("--unique-cron", "-1 -1 -1 -1 -1 echo unique; " + wait,
            "--cron", "-1 -1 -1 -1 -1 echo plain; " + wait,
            env=clock.env())
    w.wait_log(r"unique-cron: running \"echo unique; ")
    w.wait_log(r"cron: running \"echo plain; ")
    clock.set("2026-12-02 10:01:00")
    w.wait_log(r"unique-cron: \"echo unique; .*\" is still running \(pid \d+\): "
               r"not starting it again")
    w.wait_log(r"cron: running \"echo plain; ", count=2)     # plain cron overlaps
    clock.set("2026-12-02 10:02:00")
    w.wait_log(r"is still running \(pid \d+\): not starting it again", count=2)
    w.wait_log(r"cron: running \"echo plain; ", count=3)
    w.assert_log_count(r"unique-cron: running", 1)
    release.touch()
    w.wait_log(r"unique-cron: \"echo unique; .*\" \(pid \d+\) exited with status 0")
    w.wait_log(r"cron: \"echo plain; .*\" \(pid \d+\) exited with status 0", count=3)
    clock.set("2026-12-02 10:03:00")
    w.wait_log(r"unique-cron: running \"echo unique; ", count=2)


def test_a_run_still_going_at_shutdown_is_stopped(app, clock):
    clock.set("2026-12-02 10:00:00")
    w = app("--cron", "-1 -1 -1 -1 -1 sleep 1000", env=clock.env())
    w.wait_log(r"cron: running \"sleep 1000\"")
    w.stop()
    assert "cron: stopping \"sleep 1000\"" in w.log()
    assert "cron: \"sleep 1000\" (pid" in w.log() and "was killed by SIGTERM" in w.log()


@pytest.mark.parametrize("value, message", [
    ("5 10 * * * cmd", "the day is not a number, -1 (any) or -N (every N)"),
    ("60 -1 -1 -1 -1 cmd", "minute 60 is out of range (0-59, -1 or -N)"),
    ("-1 -1 0 -1 -1 cmd", "day 0 is out of range (1-31, -1 or -N)"),
    ("-1 -1 -1 13 -1 cmd", "month 13 is out of range"),
    ("-1 -1 -1 -1 -1", "the weekday is not a number"),
    ("-1 -1 -1 -1 -1   ", "has no command after the five time fields"),
])
def test_bad_cron_lines_are_refused(value, message):
    r = run(["--plugin", TESTAPP, "--http-socket", "127.0.0.1:0", "--cron", value])
    assert r.returncode != 0
    assert message in r.stderr, r.stderr
