"""The in-app API (module weft, also importable as uwsgi), in both of
uWSGI's call patterns: register then suspend(), and register then yield.

    /sleep?s=F&mode=suspend|yield    async_sleep(F), then wait
    /wait?mode=...&timeout=F         waits to read the shared pipe: answers
                                     what woke it (the fd, or a timeout)
    /poke                            writes a byte into the shared pipe
    /ready?mode=...                  waits on an fd that is ready already
    /writable?mode=...               wait_fd_write on a pipe's write end
    /suspend-alone                   suspend() with nothing registered
    /ids                             worker_id() and core_id()
    /whoami?s=F                      sleeps F (yielding), then: pid and worker
    /multiprocess                    wsgi.multiprocess
    /outside                         what the API said at import time
"""
import os
import time
from urllib.parse import parse_qsl

import uwsgi
import weft

PIPE_R, PIPE_W = os.pipe()
os.set_blocking(PIPE_R, False)

try:
    weft.async_sleep(1)
    OUTSIDE = "no error"
except RuntimeError as e:
    OUTSIDE = "RuntimeError: %s" % e


def answer(start_response, text):
    body = text.encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]


def woken():
    fd = uwsgi.ready_fd()
    return "fd" if fd >= 0 else ("timeout" if uwsgi.timed_out() else "nothing")


def application(env, start_response):
    path = env["PATH_INFO"]
    q = dict(parse_qsl(env.get("QUERY_STRING", "")))
    mode = q.get("mode", "suspend")

    if path == "/sleep":
        s = float(q.get("s", "1"))
        t = time.time()
        if mode == "yield":
            def gen():
                start_response("200 OK", [("Content-Type", "text/plain")])
                yield uwsgi.async_sleep(s)
                yield ("slept %.3f" % (time.time() - t)).encode()
            return gen()
        assert uwsgi.async_sleep(s) == b""
        uwsgi.suspend()
        return answer(start_response, "slept %.3f" % (time.time() - t))

    if path in ("/wait", "/ready", "/writable"):
        timeout = float(q.get("timeout", "5"))
        if path == "/wait":
            fd, wait = PIPE_R, weft.wait_fd_read
        elif path == "/ready":
            r, w = os.pipe()
            os.write(w, b"x")
            fd, wait = r, uwsgi.wait_fd_read
        else:
            r, w = os.pipe()
            fd, wait = w, uwsgi.wait_fd_write
        if mode == "yield":
            def gen():
                start_response("200 OK", [("Content-Type", "text/plain")])
                yield wait(fd, timeout)
                what = woken()
                if what == "fd" and path == "/wait":
                    os.read(PIPE_R, 1)
                yield what.encode()
            return gen()
        wait(fd, timeout)
        uwsgi.suspend()
        what = woken()
        if what == "fd" and path == "/wait":
            os.read(PIPE_R, 1)
        return answer(start_response, what)

    if path == "/poke":
        os.write(PIPE_W, b"x")
        return answer(start_response, "poked")

    if path == "/suspend-alone":
        for _ in range(3):
            weft.suspend()
        return answer(start_response, "resumed")

    if path == "/ids":
        return answer(start_response, "worker %d core %d" % (weft.worker_id(), weft.core_id()))

    if path == "/whoami":
        def gen():
            start_response("200 OK", [("Content-Type", "text/plain")])
            yield uwsgi.async_sleep(float(q.get("s", "0.5")))
            yield b"%d %d" % (os.getpid(), uwsgi.worker_id())
        return gen()

    if path == "/multiprocess":
        return answer(start_response, str(env["wsgi.multiprocess"]))

    if path == "/outside":
        return answer(start_response, OUTSIDE)

    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"no such route"]
