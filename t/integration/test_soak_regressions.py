"""Regression tests for what the soak under faults (t/soak/soak.py) found
in weft: each test here is one finding, made small and exact."""
import os
import signal
import time

import pytest

from weftlib import SRCDIR, Reader, plugin_available

APP = os.path.join(SRCDIR, "t", "soak", "app.py")

needs = pytest.mark.skipif(not (plugin_available("python") and plugin_available("ugreen")),
                           reason="python.so and ugreen.so are needed")


def sleep_request(s, seconds):
    s.sendall(b"GET /sleep?s=%g HTTP/1.1\r\nHost: x\r\n\r\n" % seconds)


@needs
@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["reload", "stop"])
def test_a_draining_worker_says_connection_close_on_its_last_answers(weft, sig):
    # A keep-alive connection whose request is in flight when the worker
    # starts to drain gets its answer, and that answer says
    # "Connection: close" (RFC 9112 section 9.6: the server SHOULD say so
    # on the last response of a connection).  Without it the client sends
    # its next request on a connection the worker is about to close: a
    # POST there is lost, as clients do not retry those.
    w = weft("--plugin", "python", "--wsgi-file", APP, "--master", "--processes", "1",
             "--async", "10", "--ugreen")
    w.wait_log(r"worker 1 started")
    s = w.connect(timeout=20)
    r = Reader(s)
    sleep_request(s, 0)
    first = r.read()
    assert first.status == 200 and first.header("Connection") is None, first.headers
    sleep_request(s, 1.5)
    time.sleep(0.5)                 # the request is on its core
    w.send_signal(sig)
    w.wait_log(r"worker 1 stopping")
    last = r.read()
    assert last.status == 200 and last.body == b"slept\n"
    assert (last.header("Connection") or "").lower() == "close", last.headers
    s.close()
    if sig == signal.SIGHUP:
        w.wait_log(r"finished draining")
