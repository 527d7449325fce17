"""systemd's readiness protocol (sd_notify(3)): the test is the service
manager.  It binds the $NOTIFY_SOCKET datagram socket, starts weft with it,
and checks every message: READY=1 once the workers serve, STATUS=, WATCHDOG=1
every half of $WATCHDOG_USEC, RELOADING=1 then READY=1 around a SIGHUP
reload, STOPPING=1 at shutdown."""
import os
import signal
import socket
import time

import pytest

from weftlib import SRCDIR, http_get

APP = os.path.join(SRCDIR, "t", "apps", "python", "wsgi_app.py")
MODES = {"alone": [], "master": ["--master", "--processes", "2"]}


class Manager:
    """The service manager's end of NOTIFY_SOCKET."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.path = path
        self.seen = []              # every message, as dicts, in order

    def next(self, timeout=10):
        self.sock.settimeout(timeout)
        data, _ = self.sock.recvfrom(4096)
        msg = dict(line.split("=", 1) for line in data.decode().splitlines())
        self.seen.append(msg)
        return msg

    def wait_for(self, key, value=None, timeout=30):
        """The first message from now on that has key (=value); the ones in
        between are kept in self.seen."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                msg = self.next(max(0.1, deadline - time.time()))
            except socket.timeout:
                break
            if key in msg and (value is None or msg[key] == value):
                return msg
        raise AssertionError("no %s=%s within %ss; saw %r" % (key, value, timeout, self.seen))

    def close(self):
        self.sock.close()


@pytest.fixture
def manager(tmp_path):
    m = Manager(str(tmp_path / "notify"))
    yield m
    m.close()


def start(weft, manager, mode, **env):
    e = {"NOTIFY_SOCKET": manager.path}
    e.update(env)
    return weft("--plugin", "python", "--wsgi-file", APP, *MODES[mode], env=e)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_ready_status_reload_and_stop(weft, manager, mode):
    w = start(weft, manager, mode)
    ready = manager.wait_for("READY", "1")
    assert int(ready["MAINPID"]) == w.proc.pid
    # Ready means served: a request right away gets its answer.
    assert http_get(w, "/hello").status == 200
    status = manager.wait_for("STATUS")
    assert "requests" in status["STATUS"] and "busy" in status["STATUS"], status
    w.send_signal(signal.SIGHUP)
    reloading = manager.wait_for("RELOADING", "1")
    assert int(reloading["MONOTONIC_USEC"]) > 0
    manager.wait_for("READY", "1")      # the re-executed image, the same pid
    assert http_get(w, "/hello").status == 200
    w.send_signal(signal.SIGTERM)
    manager.wait_for("STOPPING", "1")
    assert w.proc.wait(timeout=20) == 0


@pytest.mark.parametrize("mode", sorted(MODES))
def test_watchdog_every_half_interval(weft, manager, mode):
    start(weft, manager, mode, WATCHDOG_USEC="400000")
    manager.wait_for("READY", "1")
    t0 = time.time()
    for _ in range(4):
        manager.wait_for("WATCHDOG", "1", timeout=2)
    # Four pings at 0.2 s apart, give or take a loaded machine's tick.
    assert time.time() - t0 < 3


def test_a_watchdog_for_another_pid_is_not_ours(weft, manager):
    start(weft, manager, "alone", WATCHDOG_USEC="200000", WATCHDOG_PID="1")
    manager.wait_for("READY", "1")
    with pytest.raises(AssertionError):
        manager.wait_for("WATCHDOG", "1", timeout=1.5)


def test_a_bad_notify_socket_is_a_warning_and_weft_serves(weft):
    w = weft("--plugin", "python", "--wsgi-file", APP, env={"NOTIFY_SOCKET": "not-a-path"})
    w.wait_log(r"WARN NOTIFY_SOCKET=not-a-path is not a unix socket path")
    assert http_get(w, "/hello").status == 200
