"""Large responses for the slow-reader tests (test_offload.py).

/list?MB   a list of 64 KiB bytes chunks, MB mebibytes in all
/file?MB   a wsgi.file_wrapper over a file of MB mebibytes
/gen?MB    a generator of 64 KiB chunks that ends
/tracked?MB  like /list, with chunks that count themselves while alive
/alive     how many tracked chunks are alive
/small     a short answer
Every body is body(MB): chunk i is the 8-digit number i repeated.
"""
import tempfile

CHUNK = 65536


def chunk(i):
    return (b"%08d" % i) * (CHUNK // 8)


def body(mb):
    return b"".join(chunk(i) for i in range(mb * 16))


alive = [0]


class Tracked(bytes):
    """A chunk that knows when the server has let go of it."""

    def __del__(self):
        alive[0] -= 1


def tracked(i):
    alive[0] += 1
    return Tracked(chunk(i))


def application(env, start_response):
    path = env["PATH_INFO"]
    mb = int(env.get("QUERY_STRING") or "0")
    if path == "/list":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [chunk(i) for i in range(mb * 16)]
    if path == "/file":
        f = tempfile.TemporaryFile()
        for i in range(mb * 16):
            f.write(chunk(i))
        f.seek(0)
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return env["wsgi.file_wrapper"](f)
    if path == "/gen":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return (chunk(i) for i in range(mb * 16))
    if path == "/tracked":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [tracked(i) for i in range(mb * 16)]
    if path == "/alive":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"%d" % alive[0]]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"small"]
