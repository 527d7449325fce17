"""A local TCP backend that answers each connection after a delay, for
tests of apps that wait on a socket of their own while weft serves others."""

import socket
import threading
import time


class SlowServer:
    """Listens on a free loopback port (self.port).  Each connection gets,
    after `delay` seconds, an HTTP 200 "slow and steady" when what it sent
    looks like a GET, else b"slow server got " + what it sent."""

    def __init__(self, delay):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(256)
        self.port = self.sock.getsockname()[1]
        self.delay = delay
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.answer, args=(c,), daemon=True).start()

    def answer(self, c):
        try:
            got = c.recv(4096)
            time.sleep(self.delay)
            if got.startswith(b"GET "):
                body = b"slow and steady"
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                          % (len(body), body))
            else:
                c.sendall(b"slow server got " + got)
        finally:
            c.close()

    def close(self):
        self.sock.close()
