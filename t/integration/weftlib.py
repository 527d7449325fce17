"""Helpers for weft's integration tests: start the real binary on a free
loopback port, talk to it over real sockets, and stop it, failing on any
crash, sanitizer report or unexpected error line in its log."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

WEFT_BIN = os.environ.get("WEFT_BIN", "weft")
PLUGIN_DIR = os.environ.get("WEFT_PLUGIN_DIR", "")
TEST_PLUGINS = os.environ.get("WEFT_TEST_PLUGINS", "")
SRCDIR = os.environ.get("WEFT_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("WEFT_BUILDDIR", ".")

# Lines in a server log that always mean a test failed.
CRASH_PATTERNS = [
    r"AddressSanitizer", r"LeakSanitizer", r"runtime error:", r"Segmentation fault",
    r"\bcore dumped\b", r"Assertion .* failed", r"double free", r"stack smashing",
]


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def plugin_available(name):
    return os.path.exists(os.path.join(PLUGIN_DIR, name + ".so"))


def run(args, timeout=30, env=None):
    """Run weft to completion (for command-line tests)."""
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run([WEFT_BIN] + list(args), capture_output=True, text=True,
                          timeout=timeout, env=e)


class Weft:
    """A running weft.  Use as a context manager or call stop()."""

    def __init__(self, args, port=None, http=True, env=None, wait=True,
                 allow_errors=(), cwd=None, add_socket=True, launcher=(), pass_fds=(),
                 preexec_fn=None):
        """launcher: argv words before weft's (a shell that sets up its
        environment); pass_fds and preexec_fn: as subprocess.Popen's."""
        self.allow_errors = [re.compile(p) for p in allow_errors]
        own_socket = add_socket and port is not False \
            and not any(a in ("--http-socket", "--socket") for a in args)
        e = dict(os.environ)
        if env:
            e.update(env)
        # A port free_port() found may be taken before weft binds it (by
        # another test running at the same time): with a port of our own
        # choosing, try another one.
        for attempt in range(5):
            self.port = port or free_port()
            self.addr = ("127.0.0.1", self.port)
            self.args = list(launcher) + [WEFT_BIN]
            if own_socket:
                self.args += ["--http-socket" if http else "--socket", "127.0.0.1:%d" % self.port]
            self.args += list(args)
            self.logfile = tempfile.NamedTemporaryFile(prefix="weft-log-", suffix=".txt",
                                                       delete=False)
            self.proc = subprocess.Popen(self.args, stdout=self.logfile,
                                         stderr=subprocess.STDOUT, env=e, cwd=cwd,
                                         start_new_session=True, pass_fds=pass_fds,
                                         preexec_fn=preexec_fn)
            self.stopped = False
            if not wait:
                return
            try:
                self.wait_ready()
                return
            except AssertionError:
                if port or not own_socket or attempt == 4 or self.proc.poll() is None \
                        or "Address already in use" not in self.log():
                    raise
                os.unlink(self.logfile.name)

    # ---------------------------------------------------------------- life
    def wait_ready(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("weft exited with %s before listening:\n%s"
                                     % (self.proc.returncode, self.log()))
            try:
                socket.create_connection(self.addr, timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.02)
        raise AssertionError("weft did not listen on %s within %ss:\n%s"
                             % (self.addr, timeout, self.log()))

    def log(self):
        with open(self.logfile.name, "r", errors="replace") as f:
            return f.read()

    # The one way a test looks at the log.  The server writes many lines
    # after the moment a test could read them: a worker's lines after the
    # master listens (so after wait_ready()), a request's after its client
    # has the answer, another process's at any time.  So a test never reads
    # the log once and asserts: it waits for the line it needs, and asserts
    # that a line is absent only once a later line (or the server's exit)
    # proves the server got past the point where it would have written it.

    def wait_log(self, pattern, timeout=10, count=1):
        """Wait until the log matches pattern (a regular expression) count
        times; return the last match (its .string is the log then)."""
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        while True:
            found = list(rx.finditer(self.log()))
            if len(found) >= count:
                return found[count - 1]
            if time.time() >= deadline:
                raise AssertionError("log matched %r %d time(s), not %d, within %ss:\n%s"
                                     % (pattern, len(found), count, timeout, self.log()))
            time.sleep(0.02)

    def wait_text(self, text, timeout=10, count=1):
        """wait_log() for a literal piece of text."""
        return self.wait_log(re.escape(text), timeout, count)

    def assert_log_count(self, pattern, n, after=None, timeout=10):
        """The log matches pattern exactly n times: wait for n, and for the
        line `after` when given (or, after=True, for the server's exit: the
        caller stopped it), then count."""
        if n > 0:
            self.wait_log(pattern, timeout, n)
        self._wait_past(after, timeout)
        found = len(re.findall(pattern, self.log()))
        assert found == n, "log matched %r %d times, not %d:\n%s" % (pattern, found, n,
                                                                      self.log())

    def assert_not_logged(self, pattern, after=None, timeout=10):
        """pattern is not in the log, once the line `after` is (a line the
        server writes later than it would have written pattern); with no
        `after`, the server must have been stopped (its exit is the proof)."""
        self._wait_past(after if after is not None else True, timeout)
        m = re.search(pattern, self.log())
        assert m is None, "%r is in the log:\n%s" % (m and m.group(0), self.log())

    def _wait_past(self, after, timeout):
        if after is True:
            assert self.stopped and self.proc.poll() is not None, \
                "stop the server first: its exit proves every line is written"
        elif after is not None:
            self.wait_log(after, timeout)

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=20, check=True):
        """Stop weft; with check, fail on a crash or an unexpected error line."""
        if self.stopped:
            return self.proc.returncode
        self.stopped = True
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                raise AssertionError("weft did not stop within %ss of %s:\n%s"
                                     % (timeout, sig, self.log()))
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # stray workers, children
        except OSError:
            pass
        if check:
            self.check_log()
            assert self.proc.returncode is not None and self.proc.returncode >= 0, \
                "weft died of signal %d:\n%s" % (-self.proc.returncode, self.log())
        return self.proc.returncode

    def check_log(self):
        text = self.log()
        for p in CRASH_PATTERNS:
            assert not re.search(p, text), "crash pattern %r in the log:\n%s" % (p, text)
        for line in text.splitlines():
            if " ERROR " in line and not any(rx.search(line) for rx in self.allow_errors):
                raise AssertionError("unexpected error line in the log: %s\n--- log:\n%s"
                                     % (line, text))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop(check=exc_type is None)
        if exc_type is None:
            os.unlink(self.logfile.name)
        return False

    # ---------------------------------------------------------------- talk
    def connect(self, timeout=10):
        s = socket.create_connection(self.addr, timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def in_flight(self, path):
        """Send a GET for path and leave it running: the socket, unread."""
        s = self.connect()
        s.sendall(b"GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % path.encode())
        return s


# -------------------------------------------------------------------- wire

class Response:
    def __init__(self, status, reason, headers, body, version):
        self.status = status
        self.reason = reason
        self.headers = headers          # list of (name, value)
        self.body = body
        self.version = version

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def __repr__(self):
        return "<Response %d %s, %d bytes>" % (self.status, self.reason, len(self.body))


class Reader:
    """Reads HTTP/1.1 responses off a socket, one after another."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _more(self):
        d = self.sock.recv(65536)
        if not d:
            raise EOFError("connection closed after %d buffered bytes: %r"
                           % (len(self.buf), self.buf[:200]))
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._more()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exactly(self, n):
        while len(self.buf) < n:
            self._more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read(self, head=False):
        """One response; head=True for the answer to a HEAD request."""
        while True:
            line = self._line()
            version, status, reason = (line.decode("latin-1").split(" ", 2) + [""])[:3]
            headers = []
            while True:
                h = self._line()
                if not h:
                    break
                k, v = h.decode("latin-1").split(":", 1)
                headers.append((k.strip(), v.strip()))
            if int(status) >= 200 or int(status) == 101:
                break
        r = Response(int(status), reason, headers, b"", version)
        if head or r.status in (204, 304):
            return r
        te = r.header("Transfer-Encoding")
        cl = r.header("Content-Length")
        if te and te.lower() == "chunked":
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._exactly(size)
                assert self._exactly(2) == b"\r\n", "chunk not followed by CRLF"
            r.body = body
        elif cl is not None:
            r.body = self._exactly(int(cl))
        else:
            while True:
                try:
                    self._more()
                except EOFError:
                    break
            r.body, self.buf = self.buf, b""
        return r


def http_get(w, path, headers=(), timeout=10, method="GET", body=None):
    """One request on a new connection (Connection: close)."""
    s = w.connect(timeout=timeout)
    try:
        h = "".join("%s: %s\r\n" % kv for kv in headers)
        if body is not None:
            h += "Content-Length: %d\r\n" % len(body)
        s.sendall(("%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s\r\n"
                   % (method, path, h)).encode("latin-1") + (body or b""))
        return Reader(s).read(head=(method == "HEAD"))
    finally:
        s.close()


def uwsgi_packet(variables, body=b"", modifier1=0, modifier2=0):
    """A uwsgi protocol request: header, variables, body."""
    import struct
    data = b""
    for k, v in variables.items():
        k = k.encode("latin-1") if isinstance(k, str) else k
        v = v.encode("latin-1") if isinstance(v, str) else v
        data += struct.pack("<H", len(k)) + k + struct.pack("<H", len(v)) + v
    return struct.pack("<BHB", modifier1, len(data), modifier2) + data + body


def uwsgi_request(w, path="/", method="GET", body=b"", extra=None, modifier1=0, timeout=10):
    """Send one uwsgi request and read the raw response until close."""
    path_info, _, query = path.partition("?")
    v = {"REQUEST_METHOD": method, "REQUEST_URI": path, "PATH_INFO": path_info,
         "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "localhost",
         "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "1234",
         "HTTP_HOST": "localhost"}
    if body:
        v["CONTENT_LENGTH"] = str(len(body))
    v.update(extra or {})
    s = w.connect(timeout=timeout)
    try:
        s.sendall(uwsgi_packet(v, body, modifier1))
        return Reader(s).read(head=(method == "HEAD"))
    finally:
        s.close()


def build_example_plugin(example, tmp, make_args=()):
    """Build examples/<example> the way a third-party author would: stage
    only the SDK (headers and weft.pc) with `make install DESTDIR=`, then run
    the example's own Makefile against it through pkg-config.  Returns the
    directory holding the built plugin."""
    if shutil.which("pkg-config") is None or shutil.which("cc") is None:
        raise AssertionError("pkg-config and cc are needed (apt-get install pkg-config gcc)")
    dest = os.path.join(str(tmp), "root")
    subprocess.run(["make", "-C", BUILDDIR, "install-weftincludeHEADERS",
                    "install-pkgconfigDATA", "DESTDIR=%s" % dest],
                   check=True, capture_output=True)
    pcdirs = [root for root, _, files in os.walk(dest) if "weft.pc" in files]
    assert pcdirs, "make install put no weft.pc under %s" % dest
    env = dict(os.environ, PKG_CONFIG_PATH=pcdirs[0], PKG_CONFIG_SYSROOT_DIR=dest)
    src = os.path.join(str(tmp), example)
    shutil.copytree(os.path.join(SRCDIR, "examples", example), src)
    r = subprocess.run(["make", "-C", src] + list(make_args), env=env, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return src


def workers_of(w):
    """The master's children (its workers), by pid."""
    out = subprocess.run(["pgrep", "-P", str(w.proc.pid)], capture_output=True, text=True)
    return sorted(int(p) for p in out.stdout.split())


def wait_for(cond, timeout=10, what="condition"):
    """Poll cond() until it returns something true (returned), or fail
    after timeout seconds naming what was awaited."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s" % what)
