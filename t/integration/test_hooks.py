"""uWSGI's hooks: each phase (as-root, as-user, pre-app, post-app,
master-start, accepting) runs its actions in order at its point of
start-up; exec:, print:, chdir:, mkdir:, putenv: and unix_signal:N ACTION;
a failing action stops start-up; any other action is refused, named."""
import os
import signal

import pytest

from weftlib import TEST_PLUGINS, http_get, run

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")


@pytest.fixture
def app(weft):
    def start(*args, **kw):
        return weft("--plugin", TESTAPP, *args, **kw)
    return start


def test_each_action_runs_in_its_phase(app, tmp_path):
    order = tmp_path / "order"
    d = tmp_path / "made"
    w = app("--processes", "2",
            "--hook-as-root", "exec:echo as-root >> %s" % order,
            "--hook-as-user", "exec:echo as-user >> %s" % order,
            "--hook-pre-app", "mkdir:%s" % d,
            "--hook-pre-app", "mkdir:%s" % d,            # there already: fine
            "--hook-pre-app", "chdir:%s" % d,
            "--hook-pre-app", "putenv:WEFT_HOOK_TEST=hello there",
            "--hook-pre-app", "exec:echo pre-app >> %s" % order,
            "--hook-post-app", "exec:echo post-app $WEFT_HOOK_TEST $(pwd) >> %s" % order,
            "--hook-master-start", "exec:echo master-start >> %s" % order,
            "--hook-master-start", "print:the master says hi",
            "--hook-accepting", "exec:echo accepting >> %s" % order)
    w.wait_log(r"worker 2 ready")
    w.wait_log(r"hook-accepting: exec:echo accepting", count=2)
    w.wait_log(r"INFO the master says hi")
    assert http_get(w, "/hello").status == 200
    w.stop()
    lines = order.read_text().splitlines()
    assert lines == ["as-root", "as-user", "pre-app", "post-app hello there %s" % d,
                     "master-start", "accepting", "accepting"], lines
    assert d.is_dir()


def test_exec_phase_is_short_for_hook_phase_exec(app, tmp_path):
    order = tmp_path / "order"
    w = app("--exec-as-root", "echo as-root >> %s" % order,
            "--exec-as-user", "echo as-user >> %s" % order,
            "--exec-pre-app", "echo pre-app >> %s" % order,
            "--exec-post-app", "echo post-app >> %s" % order,
            "--exec-master-start", "echo master-start >> %s" % order,
            "--exec-accepting", "echo accepting >> %s" % order)
    w.wait_log(r"hook-accepting: exec:echo accepting")
    w.stop()
    assert order.read_text().splitlines() == ["as-root", "as-user", "pre-app", "post-app",
                                              "master-start", "accepting"]


def test_hooks_without_master_run_in_the_one_process(app, tmp_path):
    order = tmp_path / "order"
    w = app("--hook-pre-app", "exec:echo pre-app >> %s" % order,
            "--hook-accepting", "exec:echo accepting >> %s" % order)
    w.wait_log(r"hook-accepting: exec:echo accepting")
    assert "running with --master" not in w.log()
    w.stop()
    assert order.read_text().splitlines() == ["pre-app", "accepting"]


@pytest.mark.parametrize("hook, message", [
    ("exec:echo failing; exit 3", "hook-pre-app: exec:echo failing; exit 3 exited with status 3: stopping"),
    ("chdir:/nonexistent/dir", "hook-pre-app: chdir:/nonexistent/dir: No such file or directory"),
    ("mkdir:/nonexistent/dir/sub", "hook-pre-app: mkdir:/nonexistent/dir/sub: No such file or directory"),
])
def test_a_failing_action_stops_start_up(hook, message):
    r = run(["--plugin", TESTAPP, "--http-socket", "127.0.0.1:0", "--hook-pre-app", hook])
    assert r.returncode != 0
    assert message in r.stderr, r.stderr


@pytest.mark.parametrize("sig, action, line", [
    (signal.SIGTERM, "gracefully_kill_them_all", "master: graceful shutdown"),
    (signal.SIGUSR1, "gracefully_kill_them_all", "master: graceful shutdown"),
    (signal.SIGTTIN, "kill_them_all", "master: immediate stop"),
])
def test_unix_signal_stops(app, sig, action, line):
    w = app("--hook-master-start", "unix_signal:%d %s" % (sig, action))
    w.wait_text("--hook-master-start needs a master process: running with --master")
    w.wait_log(r"worker 1 ready")
    w.send_signal(sig)
    w.wait_text(line)
    assert w.proc.wait(timeout=10) == 0
    w.stop()
    assert "master: every worker has stopped: bye" in w.log()


@pytest.mark.parametrize("sig, action, line", [
    (signal.SIGWINCH, "reload", "master: graceful reload"),
    (signal.SIGTTOU, "brutal_reload", "master: brutal reload"),
])
def test_unix_signal_reloads(app, sig, action, line):
    w = app("--hook-as-root", "unix_signal:%d %s" % (sig, action))
    w.wait_text("unix_signal: needs a master process: running with --master")
    w.wait_log(r"worker 1 ready")
    w.send_signal(sig)
    w.wait_text(line)
    w.wait_text("re-executing")
    w.wait_log(r"worker 1 ready", count=2)
    assert http_get(w, "/hello").status == 200
    # The new image remaps the signal again.
    w.send_signal(sig)
    w.wait_text(line, count=2)
    w.wait_log(r"worker 1 ready", count=3)
    assert http_get(w, "/hello").status == 200


@pytest.mark.parametrize("value, message", [
    ("mount:/proc none /proc", "unsupported hook action 'mount' (weft runs exec:, print:, chdir:, mkdir:, putenv: and unix_signal:)"),
    ("exec", "unsupported hook action 'exec'"),
    ("unix_signal:15 explode", "unix_signal: action 'explode' is not one of gracefully_kill_them_all, kill_them_all, reload, brutal_reload"),
    ("unix_signal:9 reload", "give a signal number"),
    ("unix_signal:sigterm reload", "give a signal number"),
    ("putenv:NOEQUALS", "putenv:NOEQUALS is not VAR=VALUE"),
    ("exec:", "exec: needs an argument"),
])
def test_unknown_or_bad_actions_are_refused(value, message):
    r = run(["--plugin", TESTAPP, "--http-socket", "127.0.0.1:0", "--hook-master-start", value])
    assert r.returncode != 0
    assert "--hook-master-start" in r.stderr and message in r.stderr, r.stderr


def test_unix_signal_is_refused_in_the_workers():
    r = run(["--plugin", TESTAPP, "--http-socket", "127.0.0.1:0",
             "--hook-accepting", "unix_signal:15 reload"])
    assert r.returncode != 0
    assert "use it in hook-master-start" in r.stderr, r.stderr
