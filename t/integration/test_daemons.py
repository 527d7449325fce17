"""Attached daemons (--attach-daemon, --smart-attach-daemon,
--attach-daemon2): started by the master after the workers, restarted with
the workers' back-off, kept across a graceful reload, stopped at shutdown
with their stop signal and SIGKILL after --reload-mercy; a smart daemon
follows its pidfile."""
import os
import signal
import subprocess
import time

import pytest

from weftlib import TEST_PLUGINS, http_get, run, wait_for

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")


@pytest.fixture
def app(weft):
    def start(*args, **kw):
        return weft("--plugin", TESTAPP, *args, **kw)
    return start


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for us.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def read_pid(path):
    wait_for(lambda: os.path.exists(path) and open(path).read().strip(), what=path)
    return int(open(path).read().split()[0])


def test_a_daemon_that_dies_is_restarted_with_backoff(app, tmp_path):
    runs = tmp_path / "runs"
    w = app("--attach-daemon", "echo run >> %s; sleep 0.2; exit 3" % runs)
    w.wait_text("--attach-daemon needs a master process: running with --master")
    w.wait_log(r"daemon \"echo run .*\" \(pid \d+\) exited with status 3 0\.\d s after starting "
               r"\(1 time in a row\): restarting it in 1 s")
    w.wait_log(r"\(2 times in a row\): restarting it in 2 s", timeout=10)
    w.wait_log(r"\(3 times in a row\): restarting it in 4 s", timeout=10)
    assert open(runs).read().count("run") >= 3
    assert http_get(w, "/hello").status == 200      # the workers are not disturbed


def test_a_daemon_survives_a_graceful_reload(app, tmp_path):
    pidf = str(tmp_path / "d.pid")
    w = app("--master", "--attach-daemon", "echo $$ > %s; exec sleep 1000" % pidf)
    pid = read_pid(pidf)
    w.wait_log(r"daemon \"echo .*\" started \(pid %d\)" % pid)
    w.wait_log(r"worker 1 ready")
    w.send_signal(signal.SIGHUP)
    w.wait_log(r"daemon \"echo .*\" \(pid %d\) kept across the reload" % pid)
    w.wait_log(r"worker 1 ready", count=2)
    assert alive(pid)
    w.assert_log_count(r"daemon \"echo .*\" started", 1)
    assert http_get(w, "/hello").status == 200
    w.stop()
    assert "stopping daemon" in w.log()
    assert not alive(pid)


def test_shutdown_sends_sigterm_then_sigkill_after_reload_mercy(app, tmp_path):
    pidf = str(tmp_path / "d.pid")
    w = app("--attach-daemon", "trap 'echo ignoring TERM' TERM; echo $$ > %s; "
            "while :; do sleep 0.1; done" % pidf, "--reload-mercy", "1")
    pid = read_pid(pidf)
    t0 = time.monotonic()
    w.stop()
    took = time.monotonic() - t0
    log = w.log()
    assert "stopping daemon \"trap" in log and "with SIGTERM" in log
    assert "ignoring TERM" in log
    assert "did not stop within --reload-mercy: killing it" in log
    assert "was killed by SIGKILL" in log
    assert 0.9 <= took < 10, took
    assert not alive(pid)


def test_smart_attach_daemon_follows_its_pidfile(app, tmp_path):
    pidf = str(tmp_path / "smart.pid")
    # The command goes to the background and writes its pid, as daemons do.
    cmd = "sleep 1000 & echo $! > %s" % pidf
    w = app("--smart-attach-daemon", "%s %s" % (pidf, cmd))
    first = read_pid(pidf)
    w.wait_log(r"\(pid \d+\) exited with status 0; it runs as pid %d \(from %s\)" % (first, pidf))
    try:
        os.kill(first, signal.SIGKILL)
        # The master notices at its next tick and runs the command again.
        w.wait_log(r"\(pid %d from %s\) is gone: starting it again" % (first, pidf))
        wait_for(lambda: read_pid(pidf) != first and alive(read_pid(pidf)),
                 what="a new pid in the pidfile")
        second = read_pid(pidf)
        w.wait_log(r"it runs as pid %d" % second)
        w.stop()
        # Pidfile-governed daemons manage themselves: left running.
        assert "(pid %d from %s) is left running" % (second, pidf) in w.log()
        assert alive(second)
    finally:
        for p in {first, read_pid(pidf)}:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_a_foreground_smart_daemon_is_left_running_at_shutdown(app, tmp_path):
    pidf = str(tmp_path / "fg.pid")
    w = app("--smart-attach-daemon", "%s echo $$ > %s; exec sleep 1000" % (pidf, pidf))
    pid = read_pid(pidf)
    w.wait_log(r"runs as pid %d \(from %s\)" % (pid, pidf))
    try:
        t0 = time.monotonic()
        w.stop()
        assert time.monotonic() - t0 < 10    # the master does not wait for it (60 s mercy)
        assert "(pid %d from %s) is left running" % (pid, pidf) in w.log()
        assert alive(pid)
    finally:
        os.kill(pid, signal.SIGKILL)


def test_smart_attach_daemon_already_running_is_not_started(app, tmp_path):
    pidf = tmp_path / "smart.pid"
    marker = tmp_path / "ran"
    other = subprocess.Popen(["sleep", "1000"])
    try:
        pidf.write_text("%d\n" % other.pid)
        w = app("--smart-attach-daemon", "%s touch %s" % (pidf, marker))
        w.wait_log(r"daemon \"touch .*\" runs as pid %d \(from %s\)" % (other.pid, pidf))
        w.wait_log(r"worker 1 ready")
        time.sleep(1.5)                       # a tick or more
        assert not marker.exists()
        w.stop()
        assert other.poll() is None           # left running
    finally:
        other.kill()
        other.wait()


def test_attach_daemon2_stopsignal_and_daemonize(app, tmp_path):
    pidf = str(tmp_path / "d2.pid")
    out = tmp_path / "out"
    ready = tmp_path / "ready"
    w = app("--attach-daemon2",
            "cmd=trap 'echo got USR1 > %s; exit 0' USR1; touch %s; while :; do sleep 0.1; done,"
            "pidfile=%s,daemonize=1,stopsignal=10" % (out, ready, pidf))
    pid = read_pid(pidf)                      # written by the master
    wait_for(ready.exists, what="the daemon's trap")
    w.wait_log(r"daemon \"trap .*\" started \(pid %d\)" % pid)
    assert os.getsid(pid) == pid              # detached into its own session
    w.stop()
    assert "with SIGUSR1" in w.log()
    assert out.read_text().strip() == "got USR1"
    assert not alive(pid)


@pytest.mark.parametrize("args, message", [
    (["--attach-daemon2", "cmd=true,colour=red"], "unknown key 'colour'"),
    (["--attach-daemon2", "pidfile=/tmp/x"], "has no cmd=COMMAND"),
    (["--attach-daemon2", "cmd=true,stopsignal=9"], "stopsignal=9 is not a signal number"),
    (["--attach-daemon2", "cmd=true,daemonize=1"], "daemonize=1 needs pidfile=FILE"),
    (["--smart-attach-daemon", "/tmp/only-a-pidfile"], "is not PIDFILE COMMAND"),
    (["--attach-daemon", ""], "the command is empty"),
])
def test_bad_daemon_options_are_refused(args, message):
    r = run(["--plugin", TESTAPP, "--http-socket", "127.0.0.1:0"] + args)
    assert r.returncode != 0
    assert message in r.stderr, r.stderr
