"""An app for the gevent loop engine's tests: gevent's own waits, and
blocking calls that cooperate once monkey-patched (--gevent-monkey-patch).

    /time-sleep?s=F          time.sleep(F)
    /gevent-sleep?s=F        gevent.sleep(F)
    /socket?port=P           a TCP connection to a local server on P: send
                             "hello", answer what came back
    /select?s=F              select.select() on a pipe nobody writes, F s
    /patched                 which modules gevent has patched
    /greenlet                this request's greenlet: id, and is it the hub
    /big?size=N&s=F          gevent.sleep(F), then N bytes
    /write?size=N&s=F        gevent.sleep(F), then N bytes through write()
    /input?s=F               gevent.sleep(F), then reads wsgi.input: its md5
    /ids?s=F                 gevent.sleep(F), then weft.core_id()
    /pid?s=F                 time.sleep(F), then the worker's pid
    /thread                  how far a thread of the app's own has counted
                             (started by the first call)
"""
import hashlib
import os
import select
import socket
import threading
import time
from urllib.parse import parse_qsl

import gevent
import gevent.monkey
import greenlet

import weft

# The hub runs once at import: before the fork, unless --lazy-apps, so the
# workers get a hub made in their parent (gevent.reinit() in each).
gevent.spawn(lambda: None).join()

COUNT = [0, None]


def count():
    while True:
        COUNT[0] += 1
        time.sleep(0.001)


def answer(start_response, text):
    body = text if isinstance(text, bytes) else text.encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]


def application(env, start_response):
    path = env["PATH_INFO"]
    q = dict(parse_qsl(env.get("QUERY_STRING", "")))
    s = float(q.get("s", "0"))

    if path == "/time-sleep":
        t = time.time()
        time.sleep(s)
        return answer(start_response, "slept %.3f" % (time.time() - t))

    if path == "/gevent-sleep":
        t = time.time()
        gevent.sleep(s)
        return answer(start_response, "slept %.3f" % (time.time() - t))

    if path == "/socket":
        c = socket.create_connection(("127.0.0.1", int(q["port"])), timeout=30)
        c.sendall(b"hello")
        data = b""
        while True:
            d = c.recv(4096)
            if not d:
                break
            data += d
        c.close()
        return answer(start_response, data)

    if path == "/select":
        r, w = os.pipe()
        t = time.time()
        ready = select.select([r], [], [], s)[0]
        os.close(r)
        os.close(w)
        return answer(start_response, "%s after %.3f" % ("ready" if ready else "nothing", time.time() - t))

    if path == "/patched":
        mods = ["time", "socket", "select", "threading"]
        return answer(start_response, " ".join(
            "%s=%s" % (m, gevent.monkey.is_module_patched(m)) for m in mods))

    if path == "/greenlet":
        g = greenlet.getcurrent()
        return answer(start_response, "%d %s" % (id(g), g is gevent.get_hub()))

    if path == "/big":
        gevent.sleep(s)
        size = int(q.get("size", "1000000"))
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [b"x" * size]

    if path == "/write":
        gevent.sleep(s)
        size = int(q.get("size", "1000000"))
        write = start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                          ("Content-Length", str(size))])
        write(b"x" * size)
        return []

    if path == "/input":
        gevent.sleep(s)
        return answer(start_response, hashlib.md5(env["wsgi.input"].read()).hexdigest())

    if path == "/pid":
        time.sleep(s)
        return answer(start_response, str(os.getpid()))

    if path == "/thread":
        if COUNT[1] is None:
            COUNT[1] = threading.Thread(target=count, daemon=True)
            COUNT[1].start()
        return answer(start_response, str(COUNT[0]))

    if path == "/ids":
        gevent.sleep(s)
        return answer(start_response, "core %d" % weft.core_id())

    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"no such route"]
