"""The soak's WSGI app (t/soak/soak.py serves it under --ugreen).  Every
answer carries X-Pid (the worker's pid), so the driver knows which worker
served a request; the bodies are ones the driver can check byte for byte.

    GET  /hello?n=N     N bytes of the counting pattern (b"%07d\\n" % i ...)
    GET  /stream?n=N    the same bytes, yielded in pieces (chunked), with a
                        switch to the loop between pieces
    POST /echo          the request body back, as it was read
    POST /digest        "LENGTH SHA256HEX\\n" of the request body
    GET  /sleep?s=S     answer after S seconds of cooperative sleep (the core
                        is suspended; the worker serves on): the stuck request
                        harakiri fires on
"""
import hashlib
import os

import uwsgi


def pattern(n):
    """The first n bytes of "0000000\\n0000001\\n...", as seq -f %07.0f prints."""
    return b"".join(b"%07d\n" % i for i in range(n // 8 + 1))[:n]


def arg(env, name, default):
    for part in env.get("QUERY_STRING", "").split("&"):
        if part.startswith(name + "="):
            return part[len(name) + 1:]
    return default


def read_body(env):
    inp = env["wsgi.input"]
    parts = []
    while True:
        b = inp.read(65536)
        if not b:
            return b"".join(parts)
        parts.append(b)


def application(env, start_response):
    path = env.get("PATH_INFO", "/")
    head = [("Content-Type", "application/octet-stream"), ("X-Pid", str(os.getpid()))]
    if path == "/hello":
        body = pattern(int(arg(env, "n", "100")))
        start_response("200 OK", head + [("Content-Length", str(len(body)))])
        return [body]
    if path == "/stream":
        body = pattern(int(arg(env, "n", "100")))
        start_response("200 OK", head)

        def pieces():
            for i in range(0, len(body), 16384):
                yield body[i:i + 16384]
        return pieces()
    if path == "/echo":
        body = read_body(env)
        start_response("200 OK", head + [("Content-Length", str(len(body)))])
        return [body]
    if path == "/digest":
        body = read_body(env)
        out = b"%d %s\n" % (len(body), hashlib.sha256(body).hexdigest().encode())
        start_response("200 OK", head + [("Content-Length", str(len(out)))])
        return [out]
    if path == "/sleep":
        uwsgi.async_sleep(float(arg(env, "s", "1")))
        uwsgi.suspend()
        start_response("200 OK", head + [("Content-Length", "6")])
        return [b"slept\n"]
    start_response("404 Not Found", head + [("Content-Length", "10")])
    return [b"not found\n"]
