"""The greenlet suspend engine (greenlet.so): it needs the python plugin and
loads it, takes no other engine alongside, and keeps each request's Python
state in its own greenlet."""
import os
import sys
import time

from weftlib import SRCDIR, run

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "python"))
import wsgiclient as wc  # noqa: E402

pytestmark = wc.needs("greenlet")


def test_greenlet_loads_the_python_plugin(weft):
    w = weft("--greenlet", "--async", "8", "--wsgi-file", wc.app("sleep_suspend.py"))
    w.wait_text("engine greenlet")
    res = wc.many(w, ["/?0.2"] * 8)
    assert sorted(b for _, b in res) == sorted(b"slept 0.2 on core %d" % i for i in range(8))


@wc.needs("ugreen")
def test_greenlet_refuses_a_second_engine():
    r = run(["--plugin", "python", "--http-socket", "127.0.0.1:0", "--async", "4",
             "--ugreen", "--greenlet", "--wsgi-file", wc.app("sleep_suspend.py")])
    assert r.returncode != 0 and "greenlet" in r.stderr


def test_greenlet_in_the_app_is_the_engines(weft):
    """The app sees the core's greenlet: getcurrent() differs per request
    and is not the main greenlet."""
    app_py = os.path.join(os.path.dirname(wc.app("x")), "greenlet_app.py")
    w = weft("--greenlet", "--async", "4", "--wsgi-file", app_py)
    res = wc.many(w, ["/"] * 4)
    ids = set()
    for status, body in res:
        assert status == 200
        gid, is_main, parent_is_main = body.split()
        assert (is_main, parent_is_main) == (b"False", b"True")
        ids.add(gid)
    assert len(ids) == 4


def test_greenlet_worker_stops_cleanly_with_requests_in_flight(weft):
    w = weft("--greenlet", "--async", "4", "--wsgi-file", wc.app("sleep_suspend.py"))
    s = w.connect()
    s.sendall(b"GET /?0.5 HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.1)
    assert w.stop() == 0                # graceful: the sleeping request ends first
    assert b"slept 0.5" in s.recv(4096)
