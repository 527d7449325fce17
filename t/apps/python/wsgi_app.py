"""The WSGI test app: one route per behaviour the tests check.

    /hello                 b"Hello, World!" with a Content-Length
    /environ               the environ as JSON (values repr'd if not str)
    /nolength?size=N       a list body without Content-Length
    /big?size=N            N bytes in one bytes object
    /stream?n=N&size=S     a generator of N chunks of S bytes
    /write?n=N             the write() callable, then an empty list
    /file?size=N           wsgi.file_wrapper over a real file (sendfile)
    /file-offset           the same, after the app read 10 bytes of it
    /filelike              wsgi.file_wrapper over io.BytesIO (no fd)
    /status?code=404       that status
    /headers               repeated and odd headers
    /exc-info              start_response, then again with exc_info
    /exc-info-late         exc_info after the body started: re-raised
    /double-start          start_response twice: the app reports the error
    /bad-status            an invalid status: the app reports the error
    /bad-header            a header with a newline: the app reports it
    /raise                 raises before start_response (500)
    /raise-after-start     raises after start_response (500)
    /raise-mid-stream      raises after a large chunk went out (cut)
    /no-start              returns a body without start_response (500)
    /yield-int             yields an int (500)
    /closing?id=X          an iterable with close(); /closed?id=X reports
    /closing-raise?id=X    its iteration raises; close() still called
    /gone?id=X             streams slowly until the client goes away
    /ext                   imports compiled extension modules
    /threads               a Python thread runs while the worker waits
    /pid                   the worker's pid
    /spin?s=N              keeps the CPU busy for N seconds (harakiri)

Each worker prints "atexit ran in PID" when Python is finalised.
"""
import atexit
import io
import json
import os
import sys
import tempfile
import threading
import time
from urllib.parse import parse_qsl

import uwsgi
import weft

CLOSED = {}
STREAMED = {}


def text(start_response, body, status="200 OK", extra=()):
    if isinstance(body, str):
        body = body.encode()
    start_response(status, [("Content-Type", "text/plain"),
                            ("Content-Length", str(len(body)))] + list(extra))
    return [body]


class Closing:
    def __init__(self, key, chunks, fail=False):
        self.key, self.chunks, self.fail = key, chunks, fail
        CLOSED[key] = False

    def __iter__(self):
        for c in self.chunks:
            yield c
        if self.fail:
            raise RuntimeError("failing on purpose during iteration")

    def close(self):
        CLOSED[self.key] = True


def refused(start_response, calls):
    """Try each (status, headers): the error each raised, or "accepted"."""
    errors = []
    for status, headers in calls:
        try:
            start_response(status, headers)
            errors.append("accepted %r" % ((status, headers),))
            break
        except (TypeError, ValueError) as e:
            errors.append(type(e).__name__)
    else:
        start_response("200 OK", [("Content-Type", "text/plain")])
    return [" ".join(errors).encode()]


def make_file(size):
    f = tempfile.TemporaryFile()
    f.write(bytes(range(256)) * (size // 256) + bytes(range(size % 256)))
    f.seek(0)
    return f


def application(env, start_response):
    path = env["PATH_INFO"]
    q = dict(parse_qsl(env.get("QUERY_STRING", "")))

    if path == "/hello":
        return text(start_response, "Hello, World!")

    if path == "/environ":
        out = {}
        for k, v in env.items():
            out[k] = v if isinstance(v, str) else repr(v)
        out["wsgi.version"] = list(env["wsgi.version"])
        out["wsgi.multithread"] = env["wsgi.multithread"]
        out["wsgi.multiprocess"] = env["wsgi.multiprocess"]
        out["wsgi.run_once"] = env["wsgi.run_once"]
        out["wsgi.input_terminated"] = env.get("wsgi.input_terminated")
        out["wsgi.errors is stderr"] = env["wsgi.errors"] is sys.stderr
        out["uwsgi is weft"] = uwsgi is weft
        return text(start_response, json.dumps(out))

    if path == "/nolength":
        size = int(q.get("size", "100"))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"a" * (size // 2), b"b" * (size - size // 2)]

    if path == "/big":
        size = int(q.get("size", str(1 << 20)))
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [bytes(range(256)) * (size // 256) + b"x" * (size % 256)]

    if path == "/stream":
        n, size = int(q.get("n", "10")), int(q.get("size", "10"))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return (b"%09d\n" % i + b"s" * (size - 10) for i in range(n))

    if path == "/write":
        n = int(q.get("n", "3"))
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        for i in range(n):
            write(b"line %d\n" % i)
        return []

    if path in ("/file", "/file-offset"):
        size = int(q.get("size", "100000"))
        f = make_file(size)
        if path == "/file-offset":
            f.read(10)
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return env["wsgi.file_wrapper"](f, 4096)

    if path == "/filelike":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return env["wsgi.file_wrapper"](io.BytesIO(b"from a BytesIO " * 1000), 100)

    if path == "/status":
        code = q.get("code", "404")
        start_response("%s Custom Reason" % code, [("Content-Type", "text/plain")])
        return [b"status " + code.encode()]

    if path == "/headers":
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-Multi", "one"),
                                  ("X-Multi", "two"), ("X-Latin1", "caf\xe9"),
                                  ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
        return [b"headers"]

    if path == "/exc-info":
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-First", "yes")])
        try:
            raise ValueError("replaced")
        except ValueError:
            start_response("500 Oops", [("Content-Type", "text/plain"), ("X-Second", "yes")],
                           sys.exc_info())
        return [b"replaced"]

    if path == "/exc-info-late":
        def late():
            start_response("200 OK", [("Content-Type", "text/plain")])
            yield b"x" * 100
            try:
                raise KeyError("late")
            except KeyError:
                try:
                    start_response("500 Oops", [], sys.exc_info())
                except KeyError:
                    STREAMED["exc-info-late"] = "re-raised"
                    yield b"re-raised"
                    return
            yield b"not re-raised"
        return late()

    if path == "/double-start":
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            start_response("200 OK", [("Content-Type", "text/plain")])
        except Exception as e:
            return [("%s: %s" % (type(e).__name__, e)).encode()]
        return [b"no error"]

    if path == "/bad-status":
        return refused(start_response, [
            (status, []) for status in ["200", "OK 200", "20 OK", "200 OK\r\nX: y", 200,
                                        "099 Low", "200 \u20ac"]])

    if path == "/bad-header":
        return refused(start_response, [
            ("200 OK", headers) for headers in [
                [("X-A", "b\r\nX-C: d")], [("X A", "b")], [("X-A",)], ("X-A", "b"),
                [("X-A", "\u20ac")], [("X-A", 5)], [("", "b")], {"X-A": "b"},
                [("X-A", "b\x00")]]])

    if path == "/raise":
        raise ZeroDivisionError("failing on purpose before start_response")

    if path == "/raise-after-start":
        start_response("200 OK", [("Content-Type", "text/plain")])
        raise LookupError("failing on purpose after start_response")

    if path == "/raise-mid-stream":
        def gen():
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "1000000")])
            yield b"y" * 100000
            raise ArithmeticError("failing on purpose in the middle of the body")
        return gen()

    if path == "/no-start":
        return [b"no start_response"]

    if path == "/yield-int":
        start_response("200 OK", [])
        return [b"ok", 42]

    if path == "/closing":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Closing(q["id"], [b"chunk1 ", b"chunk2"])

    if path == "/closing-raise":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Closing(q["id"], [b"z" * 100000], fail=True)

    if path == "/closed":
        return text(start_response, json.dumps(CLOSED.get(q["id"])))

    if path == "/streamed":
        return text(start_response, json.dumps(STREAMED.get(q["id"])))

    if path == "/gone":
        key = q["id"]

        def slow():
            try:
                for i in range(100000):
                    STREAMED[key] = i
                    yield b"g" * 65536
            finally:
                CLOSED[key] = True
        CLOSED[key] = False
        start_response("200 OK", [("Content-Type", "text/plain")])
        return slow()

    if path == "/ext":
        import _ctypes  # noqa: F401
        import _json  # noqa: F401
        import ctypes
        import json as j
        names = ["_ctypes", "_json"]
        try:
            import greenlet  # noqa: F401
            names.append("greenlet")
        except ImportError:
            pass
        assert ctypes.sizeof(ctypes.c_int) == 4
        return text(start_response, j.dumps(names))

    if path == "/threads":
        # A thread that ticks while the worker is idle in its loop: the GIL
        # must not be held there.
        ticks = []
        t = threading.Thread(target=lambda: [ticks.append(time.sleep(0.01)) for _ in range(20)],
                             daemon=True)
        t.start()
        THREADS[q.get("id", "t")] = (t, ticks)
        return text(start_response, "started")

    if path == "/thread-ticks":
        t, ticks = THREADS[q.get("id", "t")]
        return text(start_response, str(len(ticks)))

    if path == "/pid":
        return text(start_response, str(os.getpid()))

    if path == "/spin":
        t = time.time()
        while time.time() - t < float(q.get("s", "10")):
            pass
        return text(start_response, "spun")

    return text(start_response, "no such route", "404 Not Found")


THREADS = {}
atexit.register(lambda: print("atexit ran in %d" % os.getpid(), flush=True))
