"""The current request under a loop engine: gevent's hub switches between
greenlets on its own (a monkey-patched sleep or socket), and the core still
knows which request runs on the greenlet it resumes -- for the in-app API
(async_sleep, suspend, core_id) and for a response write that has to wait
for a slow reader.  Many requests at once; every body must be exactly its
own."""
import os
import selectors
import socket
import sys
import time

from weftlib import SRCDIR

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "python"))
import wsgiclient as wc  # noqa: E402
import loop_current_app as app  # noqa: E402

pytestmark = wc.needs("gevent")

CLIENTS = 50


def shape(i):
    """(chunks, size) of request i's response.  Every other one is bigger
    than what loopback's send buffer takes (about 3.5 MB) while its reader
    stalls, so its writes must wait; the others switch around them."""
    return (40, 131072) if i % 2 == 0 else (24, 16384)


def slow_readers(w, paths, stall=1.0, piece=16384, timeout=90):
    """Send every request at once on its own connection with a small receive
    buffer, read nothing for `stall` seconds (so the server's writes must
    wait), then read each in small pieces.  Returns the raw responses."""
    sel = selectors.DefaultSelector()
    state = []
    for p in paths:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        s.settimeout(10)
        s.connect(w.addr)
        s.sendall(("GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % p).encode())
        s.setblocking(False)
        entry = [s, bytearray(), False]
        state.append(entry)
    time.sleep(stall)
    for entry in state:
        sel.register(entry[0], selectors.EVENT_READ, entry)
    left = len(state)
    deadline = time.time() + timeout
    while left and time.time() < deadline:
        for key, _ in sel.select(1):
            entry = key.data
            try:
                d = entry[0].recv(piece)
            except BlockingIOError:
                continue
            except OSError:
                d = b""
            if d:
                entry[1] += d
            else:
                entry[2] = True
                sel.unregister(entry[0])
                entry[0].close()
                left -= 1
        time.sleep(0.001)
    for entry in state:
        if not entry[2]:
            entry[0].close()
    return [(bytes(data), done) for _, data, done in state]


def test_each_greenlet_writes_its_own_response(weft):
    w = weft("--gevent", str(CLIENTS), "--gevent-monkey-patch", "--listen", "2048",
             "--wsgi-file", wc.app("loop_current_app.py"))
    w.wait_log(r"worker 1 ready \(pid \d+, %d cores, loop engine gevent\)" % CLIENTS)
    ids = ["r%02d" % i for i in range(CLIENTS)]
    got = slow_readers(w, ["/stream?id=%s&chunks=%d&size=%d" % ((rid,) + shape(i))
                           for i, rid in enumerate(ids)])
    for i, (rid, (data, done)) in enumerate(zip(ids, got)):
        chunks, size = shape(i)
        assert done, "request %s did not finish (%d bytes):\n%s" % (rid, len(data), w.log())
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), (rid, head, w.log())
        expected = b"".join(app.chunk(rid, n, size) for n in range(chunks))
        if body != expected:
            at = next((i for i, (a, b) in enumerate(zip(body, expected)) if a != b),
                      min(len(body), len(expected)))
            raise AssertionError("request %s: body differs at byte %d of %d (got %r, want %r)"
                                 % (rid, at, len(expected), body[at:at + 40],
                                    expected[at:at + 40]))
