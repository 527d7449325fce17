"""A WSGI app wrapped in wsgiref.validate.validator, with every warning made
an error: any complaint of the validator about weft fails the request with
a 500 and an ERROR line in the log.

    /            a small page
    /post        echoes the body (read(n) in steps, as the validator allows)
    /lines       reads the body with readline(), readlines() and iteration
    /big?size=N  N bytes in 64 KiB chunks of a list
    /stream?n=N  a generator of N lines
    /file?size=N wsgi.file_wrapper over a temporary file
    /write       the write() callable
    /empty       204, no body
"""
import hashlib
import tempfile
import warnings
from wsgiref.validate import WSGIWarning, validator

warnings.simplefilter("error", WSGIWarning)


def qn(env, default):
    for part in env.get("QUERY_STRING", "").split("&"):
        if part.startswith(("size=", "n=")):
            return int(part.split("=", 1)[1])
    return default


def raw_app(env, start_response):
    path = env["PATH_INFO"]
    ctype = [("Content-Type", "text/plain; charset=utf-8")]

    if path == "/":
        start_response("200 OK", ctype)
        return [b"validated\n"]

    if path == "/post":
        inp = env["wsgi.input"]
        h = hashlib.md5()
        size = 0
        while True:
            data = inp.read(8192)
            if not data:
                break
            h.update(data)
            size += len(data)
        start_response("200 OK", ctype)
        return [("%d %s" % (size, h.hexdigest())).encode()]

    if path == "/lines":
        inp = env["wsgi.input"]
        first = inp.readline()
        second = inp.readline(5)
        some = inp.readlines(10)
        rest = [line for line in inp]
        body = first + second + b"".join(some) + b"".join(rest)
        start_response("200 OK", ctype)
        return [("%d %s" % (len(body), hashlib.md5(body).hexdigest())).encode()]

    if path == "/big":
        size = qn(env, 1 << 20)
        block = bytes(range(256)) * 256
        chunks = [block] * (size // len(block))
        chunks.append(block[:size % len(block)])
        start_response("200 OK", ctype + [("Content-Length", str(size))])
        return chunks

    if path == "/stream":
        n = qn(env, 100)
        start_response("200 OK", ctype)
        return (b"line %d\n" % i for i in range(n))

    if path == "/file":
        size = qn(env, 100000)
        f = tempfile.TemporaryFile()
        f.write(b"f" * size)
        f.seek(0)
        start_response("200 OK", ctype)
        return env["wsgi.file_wrapper"](f, 8192)

    if path == "/write":
        write = start_response("200 OK", ctype)
        write(b"written ")
        return [b"and returned"]

    if path == "/empty":
        start_response("204 No Content", [])
        return []

    start_response("404 Not Found", ctype)
    return [b"no such route"]


application = validator(raw_app)
