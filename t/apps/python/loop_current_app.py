"""An app for t/integration/test_loop_current.py: a streaming response whose
generator waits, at random points between its chunks, in every way an app
under the gevent loop engine can -- gevent's own sleep and a monkey-patched
time.sleep (gevent's hub switches back, not weft), and the in-app API
(uwsgi.async_sleep, then a yield or suspend(): weft finds the request from
the running greenlet).  Each chunk names its request, so a client can tell
a byte of another request's body from its own.

    /stream?id=ID&chunks=N&size=S   N chunks of S bytes, see chunk()
"""
import random
import time
from urllib.parse import parse_qsl

import gevent


def chunk(rid, i, size):
    """Chunk i of request rid: its name, then the name repeated."""
    tag = ("[%s:%d]" % (rid, i)).encode()
    return (tag * (size // len(tag) + 1))[:size]


def application(env, start_response):
    import uwsgi          # the server's modules (the test imports chunk())
    import weft

    q = dict(parse_qsl(env.get("QUERY_STRING", "")))
    rid, n, size = q["id"], int(q["chunks"]), int(q["size"])
    core = weft.core_id()
    rng = random.Random(rid)
    start_response("200 OK", [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(n * size))])

    def body():
        for i in range(n):
            way = rng.randrange(5)
            if way == 0:
                gevent.sleep(rng.random() * 0.01)
            elif way == 1:
                time.sleep(rng.random() * 0.01)         # monkey-patched
            elif way == 2:
                yield uwsgi.async_sleep(rng.random() * 0.01)
            elif way == 3:
                uwsgi.async_sleep(rng.random() * 0.01)
                uwsgi.suspend()
            if weft.core_id() != core:
                raise RuntimeError("request %s runs on core %d, the API says core %d"
                                   % (rid, core, weft.core_id()))
            yield chunk(rid, i, size)

    return body()
