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


# ------------------------------------------------------------ socket activation

def listening_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    return s


def activate(weft, socks, names, *args, **kw):
    """Start weft as systemd would from a socket unit: socks at fds 3, 4...,
    $LISTEN_FDS and $LISTEN_FDNAMES, and $LISTEN_PID weft's own pid (the
    shell that sets it execs weft).  The sockets stay open here too, so a
    weft that bound its address again would fail with EADDRINUSE."""
    high = [os.dup2(s.fileno(), 50 + i) for i, s in enumerate(socks)]
    targets = list(range(3, 3 + len(socks)))

    def place():
        for i, fd in enumerate(high):
            os.dup2(fd, 3 + i)
    env = {"LISTEN_FDS": str(len(socks)), "LISTEN_FDNAMES": ":".join(names)}
    env.update(kw.pop("env", {}))
    w = weft("--plugin", "python", "--wsgi-file", APP, *args,
             launcher=["sh", "-c", 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"', "sh"],
             pass_fds=targets, preexec_fn=place, port=socks[0].getsockname()[1],
             env=env, **kw)
    for fd in high:
        os.close(fd)
    return w


def test_an_activated_socket_serves_the_address_it_is_bound_to(weft):
    s = listening_socket()
    port = s.getsockname()[1]
    w = activate(weft, [s], ["web"], "--http-socket", "127.0.0.1:%d" % port)
    w.wait_log(r"listening \(systemd's socket\) on 127\.0\.0\.1:%d \(http\)" % port)
    assert http_get(w, "/hello").status == 200
    s.close()


def test_activated_sockets_without_an_address_serve_by_their_names(weft):
    from weftlib import uwsgi_request
    web, uw = listening_socket(), listening_socket()
    w = activate(weft, [web, uw], ["http", "uwsgi"], add_socket=False)
    w.wait_log(r"listening on systemd's socket http \(http\)")
    w.wait_log(r"listening on systemd's socket uwsgi \(uwsgi\)")
    assert http_get(w, "/hello").status == 200
    w.addr = ("127.0.0.1", uw.getsockname()[1])
    assert uwsgi_request(w, "/hello").status == 200


def test_activated_sockets_survive_a_reload(weft, manager):
    web = listening_socket()
    w = activate(weft, [web], ["http"], "--master", "--processes", "1", add_socket=False,
                 env={"NOTIFY_SOCKET": manager.path})
    manager.wait_for("READY", "1")
    w.send_signal(signal.SIGHUP)
    manager.wait_for("RELOADING", "1")
    manager.wait_for("READY", "1")
    w.wait_log(r"still listening on systemd:http \(http\)")
    assert http_get(w, "/hello").status == 200


def test_sockets_for_another_pid_are_not_taken():
    from weftlib import run
    r = run(["--plugin", "python", "--wsgi-file", APP],
            env={"LISTEN_PID": "1", "LISTEN_FDS": "1"})
    assert r.returncode != 0
    assert "nothing to listen on" in r.stderr
