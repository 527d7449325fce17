"""--threads tests (t/integration/test_threads.py): apps that block.

/sleep?s=0.2   sleeps (releasing the GIL) and reports how many requests
               were inside the app at once, as the app saw it
/peak          the most requests in flight at once so far
/qsort         sorts through libc's qsort with a Python comparator: a
               ctypes callback, called from C on this request's thread
/stuck         sleeps for an hour (harakiri's victim)
/thread        the serving thread's id and the worker's pid
/body          echoes the request body's length (reads wsgi.input)
"""
import ctypes
import ctypes.util
import os
import threading
import time
from urllib.parse import parse_qs

lock = threading.Lock()
inflight = 0
peak = 0

libc = ctypes.CDLL(ctypes.util.find_library("c"))
CMP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))


def py_cmp(a, b):
    return a[0] - b[0]


cmp_cb = CMP(py_cmp)


def application(environ, start_response):
    global inflight, peak
    path = environ.get("PATH_INFO", "")
    qs = parse_qs(environ.get("QUERY_STRING", ""))
    if path == "/sleep":
        with lock:
            inflight += 1
            peak = max(peak, inflight)
            now = inflight
        try:
            time.sleep(float(qs.get("s", ["0.2"])[0]))
        finally:
            with lock:
                inflight -= 1
        body = "slept inflight=%d pid=%d\n" % (now, os.getpid())
    elif path == "/peak":
        body = "%d\n" % peak
    elif path == "/qsort":
        values = [5, 3, 9, 1, 7, 2]
        arr = (ctypes.c_int * len(values))(*values)
        time.sleep(0.05)
        libc.qsort(arr, len(arr), ctypes.sizeof(ctypes.c_int), cmp_cb)
        body = "%s %s\n" % (" ".join(str(v) for v in arr), threading.current_thread() is threading.main_thread())
    elif path == "/stuck":
        time.sleep(3600)
        body = "woke\n"
    elif path == "/thread":
        body = "%d %d multithread=%s\n" % (threading.get_ident(), os.getpid(), environ["wsgi.multithread"])
    elif path == "/body":
        data = environ["wsgi.input"].read()
        body = "%d\n" % len(data)
    else:
        body = "hello\n"
    data = body.encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return [data]
