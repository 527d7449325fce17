"""wsgi.input read patterns.  Each route reads the body its own way and
answers with JSON: the pieces it got (their lengths) and the whole body's
MD5, so a test can compare with what it sent.

    /read            read()
    /read-n?n=K      read(K) until b''
    /readline        readline() until b''
    /readline-n?n=K  readline(K) until b''
    /readlines       readlines()
    /readlines-hint?n=K  readlines(K) until []
    /iter            for line in wsgi.input
    /mixed           readline(), read(10), readline(), read()
    /read-more       read(CONTENT_LENGTH + 100): no more than the body
    /no-read         does not read the body at all
    /keep            keeps wsgi.input; /stale then reads it: ValueError
"""
import hashlib
import json

KEPT = []


def qn(env, default):
    for part in env.get("QUERY_STRING", "").split("&"):
        if part.startswith("n="):
            return int(part[2:])
    return default


def until_empty(read, *args):
    """Call read(*args) until it returns something empty."""
    out = []
    while True:
        p = read(*args)
        if not p:
            return out
        out.append(p)


def application(env, start_response):
    inp = env["wsgi.input"]
    path = env["PATH_INFO"]
    pieces = []

    if path == "/read":
        pieces.append(inp.read())
    elif path == "/read-n":
        pieces = until_empty(inp.read, qn(env, 1000))
    elif path == "/readline":
        pieces = until_empty(inp.readline)
    elif path == "/readline-n":
        pieces = until_empty(inp.readline, qn(env, 10))
    elif path == "/readlines":
        pieces = inp.readlines()
    elif path == "/readlines-hint":
        pieces = [b"".join(lines) for lines in until_empty(inp.readlines, qn(env, 100))]
    elif path == "/iter":
        pieces = list(inp)
    elif path == "/mixed":
        pieces = [inp.readline(), inp.read(10), inp.readline(), inp.read()]
    elif path == "/read-more":
        pieces.append(inp.read(int(env.get("CONTENT_LENGTH") or 0) + 100))
        pieces.append(inp.read(100))
    elif path == "/no-read":
        pass
    elif path == "/keep":
        KEPT.append(inp)
    elif path == "/stale":
        try:
            KEPT[-1].read(1)
            pieces.append(b"read a stale input")
        except ValueError as e:
            pieces.append(("ValueError: %s" % e).encode())

    body = b"".join(pieces)
    out = json.dumps({
        "lengths": [len(p) for p in pieces],
        "md5": hashlib.md5(body).hexdigest(),
        "size": len(body),
        "types": sorted(set(type(p).__name__ for p in pieces)),
        "text": body.decode("latin-1") if path == "/stale" else None,
        "chunked": "CONTENT_LENGTH" not in env,
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(out)))])
    return [out]
