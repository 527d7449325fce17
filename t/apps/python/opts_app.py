"""The app of test_uwsgi_opts.py: what uWSGI's everyday options change.

    /env?name=N       os.environ[N] (--env), or 404
    /status?code=C    that status
    /sleep?ms=N       answers after N milliseconds (--log-slow)
    /body             reads wsgi.input, seeks back, reads it again: both
                      reads and the length, as JSON (--post-buffering)
    /spin?s=N         keeps the CPU busy for N seconds (--harakiri)
    /pid              the worker's pid
    /grow?mb=N        keeps N MiB more address space (--reload-on-as)
"""
import json
import mmap
import os
import time
from urllib.parse import parse_qsl

KEPT = []


def answer(start_response, body, status="200 OK"):
    if isinstance(body, str):
        body = body.encode()
    start_response(status, [("Content-Type", "text/plain"),
                            ("Content-Length", str(len(body)))])
    return [body]


def application(environ, start_response):
    path = environ["PATH_INFO"]
    q = dict(parse_qsl(environ.get("QUERY_STRING", "")))
    if path == "/env":
        v = os.environ.get(q.get("name", ""))
        return answer(start_response, v or "", "200 OK" if v is not None else "404 Not Found")
    if path == "/status":
        code = int(q.get("code", "200"))
        return answer(start_response, str(code), "%d Whatever" % code)
    if path == "/sleep":
        time.sleep(int(q.get("ms", "0")) / 1000.0)
        return answer(start_response, "slept")
    if path == "/body":
        inp = environ["wsgi.input"]
        first = inp.read()
        inp.seek(0)
        second = inp.read()
        return answer(start_response, json.dumps({
            "len": len(first), "same": first == second,
            "length": environ.get("CONTENT_LENGTH")}))
    if path == "/spin":
        end = time.time() + float(q.get("s", "1"))
        while time.time() < end:
            pass
        return answer(start_response, "spun")
    if path == "/pid":
        return answer(start_response, str(os.getpid()))
    if path == "/grow":
        m = mmap.mmap(-1, int(q.get("mb", "1")) << 20)
        KEPT.append(m)
        return answer(start_response, "grown")
    return answer(start_response, "hello")
