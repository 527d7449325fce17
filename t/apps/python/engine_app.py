"""Python inside suspended cores: deep recursion, C callbacks, and suspending
in the middle of both.  Every route answers 200 with what it computed, so a
test compares it with the expected value.

    /recurse?depth=N&sleep=S     recursion N deep in Python; at the bottom the
                                 core sleeps S seconds (suspended, frames and
                                 all); the sum is computed on the way back up
    /recurse-c?depth=N&sleep=S   the same, each level going through C
                                 (map, sorted's key, a property)
    /recursion-error             unbounded recursion: RecursionError, caught
    /qsort?n=N&sleep=S           libc qsort() with a ctypes callback that
                                 suspends the core on its first call
    /gilstate                    PyGILState_Ensure() from inside a core, with
                                 the GIL held (ctypes.pythonapi)
    /contextvar?v=X&sleep=S      a context variable survives a suspension
    /threadlocal?v=X&sleep=S     so does a threading.local (uGreen: per core)
"""
import contextvars
import ctypes
import ctypes.util
import sys
import threading
from urllib.parse import parse_qsl

import weft

libc = ctypes.CDLL(ctypes.util.find_library("c"))
CMPFUNC = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
VAR = contextvars.ContextVar("weft_test_var", default=None)
LOCAL = threading.local()


def nap(seconds):
    if seconds > 0:
        weft.async_sleep(seconds)
        weft.suspend()


def recurse(n, seconds):
    if n == 0:
        nap(seconds)
        return 0
    return n + recurse(n - 1, seconds)


class Level:
    def __init__(self, n, seconds):
        self.n, self.seconds = n, seconds

    @property
    def total(self):
        return recurse_c(self.n - 1, self.seconds)


def recurse_c(n, seconds):
    if n < 0:
        nap(seconds)
        return 0
    # Three C frames per level: sum(), map(), the property getter.
    return n + sum(map(lambda lv: lv.total, [Level(n, seconds)]))


def forever(n):
    return forever(n + 1) + 1


def application(env, start_response):
    path = env["PATH_INFO"]
    q = dict(parse_qsl(env.get("QUERY_STRING", "")))
    seconds = float(q.get("sleep", "0"))

    if path == "/recurse":
        n = int(q.get("depth", "500"))
        body = str(recurse(n, seconds))

    elif path == "/recurse-c":
        n = int(q.get("depth", "100"))
        body = str(recurse_c(n, seconds))

    elif path == "/recursion-error":
        try:
            forever(0)
            body = "no error"
        except RecursionError:
            body = "RecursionError at limit %d" % sys.getrecursionlimit()

    elif path == "/qsort":
        n = int(q.get("n", "100"))
        calls = [0]

        def cmp(a, b):
            calls[0] += 1
            if calls[0] == 1:
                nap(seconds)            # suspend inside a C callback
            return a[0] - b[0]
        values = [(i * 7919) % n for i in range(n)]
        arr = (ctypes.c_int * n)(*values)
        libc.qsort(arr, n, ctypes.sizeof(ctypes.c_int), CMPFUNC(cmp))
        assert list(arr) == sorted(values), "qsort did not sort"
        body = "sorted %d with %d callbacks" % (n, calls[0])

    elif path == "/gilstate":
        api = ctypes.pythonapi
        api.PyGILState_Ensure.restype = ctypes.c_int
        api.PyGILState_GetThisThreadState.restype = ctypes.c_void_p
        api.PyThreadState_Get.restype = ctypes.c_void_p
        nap(seconds)
        state = api.PyGILState_Ensure()     # with the GIL held by this core
        same = api.PyGILState_GetThisThreadState() == api.PyThreadState_Get()
        api.PyGILState_Release(state)
        body = "gilstate %s %s" % ("locked" if state == 0 else "unlocked", "same" if same else "other")

    elif path == "/contextvar":
        VAR.set(q.get("v"))
        nap(seconds)
        body = "var %s" % VAR.get()

    elif path == "/threadlocal":
        LOCAL.v = q.get("v")
        nap(seconds)
        body = "local %s" % LOCAL.v

    else:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"no such route"]

    data = body.encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return [data]
