"""The soak's HTTP/1.1 client side: a connection that remembers which worker
answered on it, and a response reader that tells a connection closed before
any byte of a response (a keep-alive close a client may retry) from one cut
in the middle of a response (a lost request)."""
import socket
import time


class Closed(Exception):
    """The connection ended (EOF, reset) before a whole response arrived;
    .partial: some bytes of this response had arrived."""

    def __init__(self, partial, why):
        Exception.__init__(self, why)
        self.partial = partial


class Hang(Exception):
    """No byte arrived for the client's timeout."""


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # lower-case name -> last value
        self.body = body

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)


class Conn:
    """One client connection.  rcvbuf: a small receive buffer (slow
    readers), set before connect so the window stays small."""

    def __init__(self, addr, timeout=30.0, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.opened = time.time()
        self.sock.connect(addr)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.port = self.sock.getsockname()[1]
        self.buf = b""
        self.got = 0                    # bytes of the current response so far
        self.answered = 0               # whole responses read on this connection
        self.pid = None                 # the worker that answered here (X-Pid)

    # ------------------------------------------------------------ send
    def send(self, data):
        try:
            self.sock.sendall(data)
        except socket.timeout:
            raise Hang("send blocked for the client timeout")
        except OSError as e:
            raise Closed(self.got > 0, "send: %s" % e)

    def send_slowly(self, data, piece, pause):
        """data `piece` bytes at a time, `pause` seconds apart."""
        for i in range(0, len(data), piece):
            self.send(data[i:i + piece])
            time.sleep(pause)

    def vanish(self, reset=True):
        """Go away: with reset, an RST (SO_LINGER 0) rather than a FIN."""
        try:
            if reset:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # ------------------------------------------------------------ read
    def _more(self, size=65536, pause=0.0):
        try:
            d = self.sock.recv(size)
        except socket.timeout:
            raise Hang("no byte for the client timeout (%d bytes of this response)" % self.got)
        except OSError as e:
            raise Closed(self.got > 0 or bool(self.buf), "recv: %s" % e)
        if not d:
            raise Closed(self.got > 0 or bool(self.buf), "EOF after %d bytes of this response"
                         % self.got)
        self.got += len(d)
        self.buf += d
        if pause:
            time.sleep(pause)

    def _line(self, size, pause):
        while b"\r\n" not in self.buf:
            if len(self.buf) > 1 << 20:
                raise ValueError("a response line over 1 MiB")
            self._more(size, pause)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exactly(self, n, size, pause):
        while len(self.buf) < n:
            self._more(size, pause)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read(self, size=65536, pause=0.0, head=False):
        """One response.  size and pause: read that many bytes at a time,
        sleeping pause seconds after each read (a slow reader).  Raises
        Closed, Hang, or ValueError for a malformed response."""
        self.got = len(self.buf)
        while True:
            line = self._line(size, pause)
            parts = line.split(b" ", 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
                raise ValueError("not a status line: %r" % line[:100])
            status = int(parts[1])
            headers = {}
            while True:
                h = self._line(size, pause)
                if not h:
                    break
                k, sep, v = h.partition(b":")
                if not sep:
                    raise ValueError("not a header line: %r" % h[:100])
                headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
            if status >= 200:
                break
        body = b""
        te = headers.get("transfer-encoding", "").lower()
        if head or status in (204, 304):
            pass
        elif te == "chunked":
            parts = []
            while True:
                n = int(self._line(size, pause).split(b";")[0], 16)
                if n == 0:
                    while self._line(size, pause):
                        pass
                    break
                parts.append(self._exactly(n, size, pause))
                if self._exactly(2, size, pause) != b"\r\n":
                    raise ValueError("a chunk not followed by CRLF")
            body = b"".join(parts)
        elif "content-length" in headers:
            body = self._exactly(int(headers["content-length"]), size, pause)
        else:
            while True:
                try:
                    self._more(size, pause)
                except Closed:
                    break
            body, self.buf = self.buf, b""
        r = Response(status, headers, body)
        self.answered += 1
        if r.header("x-pid"):
            self.pid = int(r.header("x-pid"))
        self.got = 0
        return r
