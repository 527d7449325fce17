"""An app for t/integration/test_watch_fds.py: it watches N socket pairs
through the in-app API, of which only the last becomes readable, and says
which fd woke it.

    /?n=N&mode=suspend|yield    wait_fd_read() on N fds (timeout 5 s), then
                                uwsgi.suspend() or yield b''
"""
import socket
from urllib.parse import parse_qsl

import uwsgi


def application(env, start_response):
    q = dict(parse_qsl(env.get("QUERY_STRING", "")))
    n, mode = int(q.get("n", "20")), q.get("mode", "suspend")
    pairs = [socket.socketpair() for _ in range(n)]
    start_response("200 OK", [("Content-Type", "text/plain")])

    def body():
        try:
            for a, _ in pairs:
                uwsgi.wait_fd_read(a.fileno(), 5)
            pairs[-1][1].send(b"x")         # only the last becomes readable
            if mode == "yield":
                yield b""
            else:
                uwsgi.suspend()
            ready = uwsgi.ready_fd()
            yield ("woken by %s, timed out %s" % (
                "the last fd" if ready == pairs[-1][0].fileno() else "fd %d" % ready,
                uwsgi.timed_out())).encode()
        finally:
            for a, b in pairs:
                a.close()
                b.close()

    return body()
