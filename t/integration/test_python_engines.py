"""Python's interpreter state across suspended cores (design.md section 4):
deep recursion, ctypes callbacks (PyGILState_Ensure) and context variables
inside cores that suspend in the middle of them, many at once, under uGreen
(one thread state per core), greenlet and gevent (one thread state, greenlet
switching it)."""
import os
import random
import signal
import sys
import time

import pytest

from weftlib import SRCDIR

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "python"))
import wsgiclient as wc  # noqa: E402

pytestmark = wc.needs("python")

ENGINES = [wc.variant("ugreen", ["--ugreen"], plugin="ugreen"),
           wc.variant("greenlet", ["--greenlet"], plugin="greenlet"),
           wc.variant("gevent", ["--gevent", wc.CORES], plugin="gevent")]


def serve(weft, engine, cores=100):
    return weft("--plugin", "python", "--wsgi-file", wc.app("engine_app.py"),
                "--async", str(cores), *wc.engine_args(engine, cores))


@pytest.mark.parametrize("engine", ENGINES)
def test_deep_recursion_in_suspended_cores(weft, engine):
    """Cores suspend at the bottom of recursions of different depths, and
    resume in another order: each must find its own frames (a shared
    thread state crashes here, or returns wrong sums)."""
    w = serve(weft, engine)
    rnd = random.Random(6)
    cases = [(rnd.randrange(50, 950), rnd.choice([0.05, 0.1, 0.2, 0.3, 0.4])) for _ in range(60)]
    res = wc.many(w, ["/recurse?depth=%d&sleep=%s" % c for c in cases])
    assert [r for r in res] == [(200, str(d * (d + 1) // 2).encode()) for d, _ in cases]
    # Recursion through C frames (the core's own C stack) as well.
    cases = [(rnd.randrange(10, 200), rnd.choice([0.05, 0.1, 0.2, 0.3])) for _ in range(40)]
    res = wc.many(w, ["/recurse-c?depth=%d&sleep=%s" % c for c in cases])
    assert [r for r in res] == [(200, str(d * (d + 1) // 2).encode()) for d, _ in cases]


@pytest.mark.parametrize("engine", ENGINES)
def test_recursion_limit_in_a_core(weft, engine):
    w = serve(weft, engine)
    for _ in range(3):
        r = wc.http(w, "GET", "/recursion-error")
        assert r.status == 200 and r.body.startswith(b"RecursionError at limit")
    assert wc.http(w, "GET", "/recurse?depth=900").body == str(900 * 901 // 2).encode()


@pytest.mark.parametrize("engine", ENGINES)
def test_ctypes_callbacks_in_suspended_cores(weft, engine):
    """libc qsort() calls back into Python through ctypes, which takes the
    GIL with PyGILState_Ensure(); the first callback suspends the core, so
    other cores run callbacks of their own meanwhile."""
    w = serve(weft, engine)
    res = wc.many(w, ["/qsort?n=%d&sleep=0.%d" % (500 + i, 1 + i % 3) for i in range(30)])
    for i, (status, body) in enumerate(res):
        assert status == 200 and body.startswith(b"sorted %d with " % (500 + i)), body


@pytest.mark.parametrize("engine", ENGINES)
def test_pygilstate_ensure_inside_a_core(weft, engine):
    """With the GIL held by the core, PyGILState_Ensure() must see the
    core's own thread state (otherwise it waits for the GIL forever)."""
    w = serve(weft, engine)
    res = wc.many(w, ["/gilstate?sleep=0.%d" % (i % 3) for i in range(20)], timeout=20)
    assert res == [(200, b"gilstate locked same")] * 20


@pytest.mark.parametrize("engine", ENGINES)
def test_context_variables_stay_with_their_request(weft, engine):
    w = serve(weft, engine)
    res = wc.many(w, ["/contextvar?v=r%d&sleep=0.%d" % (i, 1 + (7 * i) % 4) for i in range(50)])
    assert res == [(200, b"var r%d" % i) for i in range(50)]


@wc.needs("ugreen")
def test_threading_local_is_per_core_under_ugreen(weft):
    w = serve(weft, ["--ugreen"])
    res = wc.many(w, ["/threadlocal?v=r%d&sleep=0.%d" % (i, 1 + (3 * i) % 4) for i in range(50)])
    assert res == [(200, b"local r%d" % i) for i in range(50)]


@pytest.mark.parametrize("engine", ENGINES)
def test_hard_stop_with_python_suspended_in_cores(weft, engine):
    """SIGQUIT stops the worker at once: cores suspended inside Python (in
    recursion, in a ctypes callback) are cut off without a crash."""
    w = serve(weft, engine)
    socks = []
    for p in ("/recurse?depth=500&sleep=5", "/qsort?n=100&sleep=5", "/contextvar?v=1&sleep=5"):
        s = w.connect()
        s.sendall(b"GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % p.encode())
        socks.append(s)
    time.sleep(0.3)
    assert w.stop(sig=signal.SIGQUIT) == 0
    for s in socks:
        s.close()
