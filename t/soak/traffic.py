"""The soak's kinds of traffic.  Each kind is a function (ctx, rng) that
talks to weft and records one Result per request it made (ctx.record).

Outcomes:
    ok        the whole response came back and was right
    retried   the connection closed before any byte of the answer to a
              request sent on a reused keep-alive connection (or behind a
              pipelined one), and the request then succeeded on a new one:
              what RFC 9112 section 9.3 lets a client do, counted apart
    cut       cut off by the test itself (a client that vanished)
    lost      the connection ended before the whole response
    hang      no byte for the client timeout
    corrupt   a response came back wrong (status, length, bytes)
"""
import hashlib
import time

from wire import Closed, Conn, Hang


class Result:
    __slots__ = ("kind", "t0", "t1", "outcome", "why", "port", "opened", "pid", "retried")

    def __init__(self, kind, t0, outcome, why="", conn=None, retried=False):
        self.kind = kind
        self.t0 = t0
        self.t1 = time.time()
        self.outcome = outcome
        self.why = why
        self.port = conn.port if conn else None
        self.opened = conn.opened if conn else t0
        self.pid = conn.pid if conn else None
        self.retried = retried


def pattern(n):
    """The bytes /hello?n=N answers: "0000000\\n0000001\\n..." cut at n."""
    return b"".join(b"%07d\n" % i for i in range(n // 8 + 1))[:n]


def get(path):
    return ("GET %s HTTP/1.1\r\nHost: soak\r\n\r\n" % path).encode()


def post(path, body, chunks=None, expect100=False):
    """A POST of body: fixed-length, or chunked in pieces of the given
    sizes; with expect100, an Expect: 100-continue (sent at once all the
    same, as curl does after its wait)."""
    more = "Expect: 100-continue\r\n" if expect100 else ""
    if chunks is None:
        return ("POST %s HTTP/1.1\r\nHost: soak\r\n%sContent-Length: %d\r\n\r\n"
                % (path, more, len(body))).encode() + body
    out = [("POST %s HTTP/1.1\r\nHost: soak\r\n%sTransfer-Encoding: chunked\r\n\r\n"
            % (path, more)).encode()]
    i = 0
    for n in chunks:
        if i >= len(body):
            break
        piece = body[i:i + n]
        i += len(piece)
        out.append(b"%x\r\n%s\r\n" % (len(piece), piece))
    if i < len(body):
        out.append(b"%x\r\n%s\r\n" % (len(body) - i, body[i:]))
    out.append(b"0\r\n\r\n")
    return b"".join(out)


def chunk_sizes(rng, total):
    sizes = []
    while sum(sizes) < total:
        sizes.append(rng.choice((1, 7, 100, 1000, 4096, 16384, 65536, rng.randint(1, 40000))))
    return sizes


def expect(resp, body=None, digest_of=None):
    """None when resp is right, else what is wrong."""
    if resp.status != 200:
        return "status %d" % resp.status
    if not resp.header("x-pid"):
        return "no X-Pid"
    if body is not None and resp.body != body:
        return "body of %d bytes, not the %d expected (first difference at %d)" % (
            len(resp.body), len(body),
            next((i for i, (a, b) in enumerate(zip(resp.body, body)) if a != b),
                 min(len(resp.body), len(body))))
    if digest_of is not None:
        want = b"%d %s\n" % (len(digest_of), hashlib.sha256(digest_of).hexdigest().encode())
        if resp.body.strip() != want.strip():
            return "digest %r, not %r" % (resp.body[:80], want)
    return None


# A request: (raw bytes, check(resp) -> None or what is wrong).
def hello_req(ctx, rng, big=False):
    n = rng.choice((0, 1, 8, 100, 4096, rng.randint(0, 20000))) if not big \
        else rng.randint(32768, 200000)
    path = ctx.path("stream" if rng.random() < 0.3 else "hello") + "?n=%d" % n
    want = pattern(n)
    return get(path), lambda r: expect(r, body=want)


def echo_req(ctx, rng, chunked, size=None):
    size = size if size is not None else rng.choice(
        (0, 1, 1000, 65536, rng.randint(0, 300000)))
    body = ctx.random_bytes(rng, size)
    chunks = chunk_sizes(rng, size) if chunked else None
    e100 = rng.random() < 0.2
    if rng.random() < 0.5:
        return post(ctx.path("echo"), body, chunks, e100), lambda r: expect(r, body=body)
    return post(ctx.path("digest"), body, chunks, e100), lambda r: expect(r, digest_of=body)


def converse(ctx, kind, rng, reqs, pipelined=False, send_piece=None, read_size=65536,
             read_pause=0.0, rcvbuf=None):
    """Send reqs on one connection (one by one, or all at once pipelined),
    check each answer, record one Result each.  A request whose connection
    closed before any byte of its answer, on a connection that had answered
    before (or behind an earlier pipelined request), is retried once on a
    new connection (up to three times in all); the same when the very first
    request never got a byte on a fresh connection is a loss."""
    pending = list(reqs)
    retry = False               # the next request is a retry
    retries = 0
    while pending:
        t0 = time.time()
        try:
            conn = Conn(ctx.addr, timeout=ctx.timeout, rcvbuf=rcvbuf)
        except OSError as e:
            for _ in pending:
                ctx.record(Result(kind, t0, "lost", "connect: %s" % e, retried=retry))
                retry = False
            return
        done = 0
        try:
            if pipelined:
                ctx.send_in_background(conn, b"".join(r for r, _ in pending))
            for i, (raw, check) in enumerate(pending):
                t0 = time.time()
                if not pipelined:
                    if send_piece:
                        conn.send_slowly(raw, send_piece, 0.01)
                    else:
                        ctx.send_in_background(conn, raw)
                resp = conn.read(read_size, read_pause)
                ctx.sent_done(conn)
                why = check(resp)
                ctx.record(Result(kind, t0, "corrupt" if why else "ok", why or "", conn,
                                  retried=retry))
                retry = False
                done = i + 1
                if why:
                    break
            pending = []
        except Closed as e:
            reusable = not e.partial and (conn.answered > 0 or (pipelined and done > 0))
            if reusable and retries < 3:
                pending = pending[done:]
                retry = True
                retries += 1
            else:
                ctx.record(Result(kind, t0, "lost", str(e), conn, retried=retry))
                pending = []
        except Hang as e:
            ctx.record(Result(kind, t0, "hang", str(e), conn, retried=retry))
            pending = []
        except ValueError as e:
            ctx.record(Result(kind, t0, "corrupt", str(e), conn, retried=retry))
            pending = []
        finally:
            ctx.sent_done(conn)
            conn.close()


# ---------------------------------------------------------------- kinds

def keepalive(ctx, rng):
    """2 to 10 requests, one after another, on one connection."""
    reqs = [hello_req(ctx, rng) if rng.random() < 0.8 else echo_req(ctx, rng, False, 2000)
            for _ in range(rng.randint(2, 10))]
    converse(ctx, "keep-alive", rng, reqs)


def pipelined(ctx, rng):
    """2 to 10 requests sent at once, answers read in order."""
    reqs = [hello_req(ctx, rng) if rng.random() < 0.8 else echo_req(ctx, rng, rng.random() < 0.5,
                                                                     3000)
            for _ in range(rng.randint(2, 10))]
    converse(ctx, "pipelined", rng, reqs, pipelined=True)


def upload_fixed(ctx, rng):
    converse(ctx, "upload (fixed)", rng,
             [echo_req(ctx, rng, False) for _ in range(rng.randint(1, 3))])


def upload_chunked(ctx, rng):
    converse(ctx, "upload (chunked)", rng,
             [echo_req(ctx, rng, True) for _ in range(rng.randint(1, 3))])


def slow_reader(ctx, rng):
    """A big answer read a few bytes at a time through a small window."""
    converse(ctx, "slow reader", rng, [hello_req(ctx, rng, big=True)],
             read_size=rng.randint(1, 64) * 16, read_pause=0.0005, rcvbuf=4096)


def slow_writer(ctx, rng):
    """The request (head, and a small body) sent a few bytes at a time,
    within about a second."""
    if rng.random() < 0.5:
        req = hello_req(ctx, rng)
    else:
        req = echo_req(ctx, rng, rng.random() < 0.5, rng.randint(0, 300))
    piece = max(1, len(req[0]) // 80 + rng.randint(0, 3))
    converse(ctx, "slow writer", rng, [req], send_piece=piece)


def http10(ctx, rng):
    """An HTTP/1.0 request: the answer may end with the connection."""
    n = rng.randint(0, 50000)
    want = pattern(n)
    path = ctx.path("stream" if rng.random() < 0.5 else "hello") + "?n=%d" % n
    converse(ctx, "HTTP/1.0", rng, [(("GET %s HTTP/1.0\r\n\r\n" % path).encode(),
                                     lambda r: expect(r, body=want))])


def sleepy(ctx, rng):
    """A request that holds its core for a moment (a cooperative sleep)."""
    s = rng.choice((0.05, 0.2, 0.5))
    converse(ctx, "sleep", rng, [(get(ctx.path("sleep") + "?s=%g" % s),
                                  lambda r: expect(r))])


def vanish_request(ctx, rng):
    """Send part of a request (head, or head and part of its body), go away."""
    t0 = time.time()
    raw = echo_req(ctx, rng, rng.random() < 0.5, rng.randint(100, 100000))[0]
    try:
        conn = Conn(ctx.addr, timeout=ctx.timeout)
    except OSError as e:
        ctx.record(Result("vanish mid-request", t0, "lost", "connect: %s" % e))
        return
    try:
        conn.send(raw[:rng.randint(1, len(raw) - 1)])
        time.sleep(rng.choice((0, 0.01, 0.1)))
    except (Closed, Hang):
        pass
    conn.vanish(reset=rng.random() < 0.5)
    ctx.record(Result("vanish mid-request", t0, "cut", "", conn))


def vanish_response(ctx, rng):
    """Ask for a big answer, read a little of it, go away."""
    t0 = time.time()
    n = rng.randint(200000, 2000000)
    try:
        conn = Conn(ctx.addr, timeout=ctx.timeout)
    except OSError as e:
        ctx.record(Result("vanish mid-response", t0, "lost", "connect: %s" % e))
        return
    try:
        path = ctx.path("stream" if rng.random() < 0.5 else "hello")
        conn.send(get(path + "?n=%d" % n))
        want = rng.randint(1, 60000)
        while conn.got < want:
            conn._more(4096)
    except (Closed, Hang):
        pass
    conn.vanish(reset=rng.random() < 0.5)
    ctx.record(Result("vanish mid-response", t0, "cut", "", conn))


BROKEN_HEADS = [
    b"GET / HTTP/1.1\r\nHost: soak\r\nno colon here\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: soak\r\n\r\n",
    b"GET\r\n\r\n",
    b"\x00\x01\x02 / HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: soak\r\nContent-Length: -5\r\n\r\n",
    b"POST /x HTTP/1.1\r\nHost: soak\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    b"POST /x HTTP/1.1\r\nHost: soak\r\nContent-Length: 12x\r\n\r\n",
    b"POST /x HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
    b"POST /x HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: gzip\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: soak\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: soak\r\n" + b"X-Many: b\r\n" * 3000 + b"\r\n",
    b"GET /\x7f\x80 HTTP/1.1\r\nHost: soak\r\n\r\n",
    b"GET / HTTP/1.1\r\n: empty name\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost : soak\r\n\r\n",
]


def garbage(ctx, rng):
    """Random bytes (then the end of the stream), or a broken head: weft
    must answer 4xx/5xx or close the connection, never hang."""
    t0 = time.time()
    if rng.random() < 0.5:
        raw = ctx.random_bytes(rng, rng.randint(1, 20000))
        kind = "garbage (random)"
    else:
        raw = rng.choice(BROKEN_HEADS)
        kind = "garbage (broken head)"
    try:
        conn = Conn(ctx.addr, timeout=ctx.timeout)
    except OSError as e:
        ctx.record(Result(kind, t0, "lost", "connect: %s" % e))
        return
    try:
        try:
            conn.send(raw)
            if kind == "garbage (random)":
                conn.sock.shutdown(1)
        except (Closed, OSError):
            pass                            # weft answered and closed early
        resp = conn.read()
        outcome = "ok" if resp.status >= 400 else "corrupt"
        ctx.record(Result(kind, t0, outcome, "" if outcome == "ok" else
                          "status %d for %r" % (resp.status, raw[:60]), conn))
    except Closed as e:
        ctx.record(Result(kind, t0, "ok" if not e.partial else "corrupt",
                          "" if not e.partial else "a partial answer: %r" % conn.buf[:100],
                          conn))
    except Hang as e:
        ctx.record(Result(kind, t0, "hang", "%s after %r" % (e, raw[:60]), conn))
    except ValueError as e:
        ctx.record(Result(kind, t0, "corrupt", "%s after %r" % (e, raw[:60]), conn))
    finally:
        conn.close()


# name -> (function, weight)
KINDS = {
    "keep-alive": (keepalive, 20),
    "pipelined": (pipelined, 12),
    "upload (fixed)": (upload_fixed, 10),
    "upload (chunked)": (upload_chunked, 10),
    "slow reader": (slow_reader, 5),
    "slow writer": (slow_writer, 5),
    "sleep": (sleepy, 6),
    "HTTP/1.0": (http10, 4),
    "vanish mid-request": (vanish_request, 4),
    "vanish mid-response": (vanish_response, 4),
    "garbage": (garbage, 6),
}
