"""The WSGI app of test_http_rules.py: the HTTP rules seen from Python.

    /echo-header           the request's X-A header (HTTP_X_A), as latin-1
    /status?s=S            start_response(S) with S percent-decoded; the
                           error it raised, if any, is the body ("refused ...")
    /header?v=V            a header X-Bad: V (percent-decoded), the same way
    /header-name?n=N       a header N: x, the same way
    /file-read?n=N&size=S  wsgi.file_wrapper over a file of S bytes the app
                           read N bytes of first (the rest goes out)
    /pipe?size=S           wsgi.file_wrapper over a pipe (read, not sendfile);
                           S under 64 KiB
"""
import os
import tempfile
from urllib.parse import unquote_to_bytes


def arg(environ, name, default=""):
    for part in environ.get("QUERY_STRING", "").split("&"):
        k, _, v = part.partition("=")
        if k == name:
            return unquote_to_bytes(v).decode("latin-1")
    return default


def try_start(start_response, status, headers):
    try:
        start_response(status, headers)
    except Exception as e:
        body = ("refused %s: %s" % (type(e).__name__, e)).encode("latin-1", "replace")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]
    return [b"accepted"]


def patterned(size):
    return bytes((i * 7) % 251 for i in range(size))


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/echo-header":
        v = environ.get("HTTP_X_A")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"none" if v is None else v.encode("latin-1")]
    if path == "/status":
        return try_start(start_response, arg(environ, "s"), [])
    if path == "/header":
        return try_start(start_response, "200 OK", [("X-Bad", arg(environ, "v"))])
    if path == "/header-name":
        return try_start(start_response, "200 OK", [(arg(environ, "n"), "x")])
    if path == "/file-read":
        size, n = int(arg(environ, "size", "1000")), int(arg(environ, "n", "0"))
        f = tempfile.TemporaryFile()
        f.write(patterned(size))
        f.seek(0)
        f.read(n)                   # through the read buffer: tell() says n
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](f)
    if path == "/pipe":
        size = int(arg(environ, "size", "1000"))
        rfd, wfd = os.pipe()        # size < 64 KiB: it fits the pipe
        os.write(wfd, patterned(size))
        os.close(wfd)
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](os.fdopen(rfd, "rb"), 4096)
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"no such route"]
