"""Resource limits over real sockets (issue 17 item 3): --max-body (413),
--max-headers and the head's size (431), the request-head timeout, the
keep-alive idle timeout, --max-conns, a full listen queue and running out
of file descriptors.  Each limit gets a clear answer and one log line, and
a client served in parallel on its own keep-alive connection keeps getting
200s all the while (the Bystander).

test_http.py already checks the status codes alone; these check the log
line, the other clients, and the limits it does not reach."""
import os
import resource
import socket
import threading
import time

from weftlib import TEST_PLUGINS, Reader, http_get, wait_for, workers_of

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")


class Bystander(threading.Thread):
    """A client served in parallel: GET /hello on one keep-alive connection,
    over and over, until stop(); every answer must be a 200."""

    def __init__(self, w):
        super().__init__(daemon=True)
        self.sock = w.connect(timeout=20)
        self.reader = Reader(self.sock)
        self.statuses = []
        self.error = None
        self.done = threading.Event()
        self._get()                      # accepted before the test goes on
        self.start()

    def _get(self):
        self.sock.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        self.statuses.append(self.reader.read().status)

    def run(self):
        try:
            while not self.done.is_set():
                self._get()
                time.sleep(0.05)
        except Exception as e:           # noqa: BLE001 - reported by stop()
            self.error = e

    def stop(self):
        self.done.set()
        self.join(30)
        self.sock.close()
        assert self.error is None, "the bystander failed: %r" % self.error
        assert len(self.statuses) >= 2 and set(self.statuses) == {200}, self.statuses


def raw(w, data, timeout=10):
    """Send data on a new connection; everything the server sends back."""
    s = w.connect(timeout=timeout)
    s.sendall(data.encode("latin-1") if isinstance(data, str) else data)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return out


def app(weft, *args, **kw):
    return weft("--plugin", TESTAPP, *args, **kw)


def test_max_body_is_413_with_one_line(weft):
    w = app(weft, "--max-body", "1000")
    b = Bystander(w)
    r = http_get(w, "/echo", method="POST", body=b"x" * 1001)
    assert r.status == 413 and r.header("Connection") == "close"
    w.wait_log(r"rejected a request with 413 Content Too Large: its Content-Length is over "
               r"--limit-post")
    # A chunked body that grows past the limit is cut where it does.
    out = raw(w, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "400\r\n" + "y" * 1024 + "\r\n0\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 413 "), out
    w.wait_log(r"rejected a request with 413 Content Too Large: the body grew over --limit-post")
    assert http_get(w, "/echo", method="POST", body=b"x" * 1000).status == 200
    b.stop()
    w.stop()
    w.assert_log_count(r"over --limit-post", 2, after=True)
    w.assert_log_count(r"rejected a request", 2, after=True)


def test_max_headers_and_head_size_are_431_with_one_line(weft):
    w = app(weft, "--max-headers", "10", "--buffer-size", "4k")
    b = Bystander(w)
    head = "GET / HTTP/1.1\r\nHost: x\r\n" + "".join("X-%d: v\r\n" % i for i in range(10))
    out = raw(w, head + "\r\n")
    assert out.startswith(b"HTTP/1.1 431 "), out
    w.wait_log(r"rejected a request with 431 Request Header Fields Too Large: more header "
               r"fields than --max-headers")
    # Host, Connection and eight more: ten in all are fine.
    assert http_get(w, "/hello", headers=[("X-%d" % i, "v") for i in range(8)]).status == 200
    out = raw(w, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n" % ("a" * 5000))
    assert out.startswith(b"HTTP/1.1 431 "), out
    w.wait_log(r"rejected a request with 431 .*: the request head is over --buffer-size")
    b.stop()
    w.stop()
    w.assert_log_count(r"--max-headers", 1, after=True)
    w.assert_log_count(r"over --buffer-size", 1, after=True)
    w.assert_log_count(r"rejected a request", 2, after=True)


def test_request_head_timeout_closes_with_one_line(weft):
    w = app(weft, "--socket-timeout", "1")
    b = Bystander(w)
    s = w.connect(timeout=20)
    s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n")     # and never the blank line
    assert s.recv(100) == b""                            # closed, within 20 s
    s.close()
    w.wait_log(r"request head not complete within --socket-timeout \(1 s\): closing")
    b.stop()
    w.stop()
    w.assert_log_count(r"request head not complete", 1, after=True)


def test_idle_keepalive_closes_with_one_debug_line(weft):
    # An idle keep-alive connection closing is routine: its line is at
    # debug level, so a busy site's log is not full of them.
    w = app(weft, "--keepalive-timeout", "1", "--log-level", "debug")
    b = Bystander(w)                     # never idle: it is not closed
    s = w.connect(timeout=20)
    s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
    rd = Reader(s)
    assert rd.read().status == 200
    assert s.recv(100) == b""
    s.close()
    w.wait_log(r"idle for --keepalive-timeout \(1 s\): closing")
    b.stop()
    w.stop()
    w.assert_log_count(r"idle for --keepalive-timeout", 1, after=True)


def hold(w):
    """A connection the worker has accepted (it answered one request) and
    keeps open, idle."""
    s = w.connect(timeout=20)
    s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
    assert Reader(s).read().status == 200
    return s


def answered_within(s, seconds):
    """Whether the server sends anything on s within seconds."""
    s.settimeout(seconds)
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except socket.timeout:
        return False
    finally:
        s.settimeout(20)


def test_max_conns_stops_accepting_and_new_clients_wait(weft):
    w = app(weft, "--master", "--max-conns", "3", "--keepalive-timeout", "60")
    b = Bystander(w)
    holders = [hold(w), hold(w)]
    w.wait_log(r"worker 1 holds 3 connections \(--max-conns\): not accepting")
    # The fourth client connects (the kernel's queue holds it) and waits.
    late = w.connect(timeout=20)
    late.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert not answered_within(late, 1), "a client past --max-conns was served"
    holders.pop().close()
    assert Reader(late).read().status == 200          # served once a slot freed
    late.close()
    b.stop()
    for s in holders:
        s.close()
    assert http_get(w, "/hello").status == 200
    w.stop()
    w.assert_log_count(r"\(--max-conns\)", 1, after=True)


def test_full_listen_queue_is_logged_once_and_served_clients_go_on(weft):
    w = app(weft, "--master", "--max-conns", "2", "--listen", "2", "--keepalive-timeout", "60")
    b = Bystander(w)
    holder = hold(w)
    w.wait_log(r"\(--max-conns\): not accepting")
    # The worker accepts no more: the next clients fill the kernel's queue
    # (backlog 2), and the ones after them get no answer to their SYN.
    queued, refused = [], 0
    for i in range(8):
        s = socket.socket()
        s.settimeout(0.5)
        try:
            s.connect(w.addr)
            s.settimeout(20)
            s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            queued.append(s)
        except (socket.timeout, ConnectionRefusedError):
            refused += 1
            s.close()
    assert refused > 0, "no client was turned away by a full queue of 2"
    assert 1 <= len(queued) <= 4, len(queued)
    w.wait_log(r"listen queue of 127\.0\.0\.1:%d is full \(\d+/2\)" % w.port, timeout=20)
    holder.close()
    # Those in the queue are served, one slot at a time.
    for s in queued:
        assert Reader(s).read().status == 200
        s.close()
    b.stop()
    w.stop()
    w.assert_log_count(r"listen queue of .* is full", 1, after=True)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_out_of_file_descriptors_backs_off_without_spinning(weft):
    def low_fd_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    w = app(weft, "--master", preexec_fn=low_fd_limit,
            allow_errors=[r"cannot accept on .*: Too many open files .*backing off"])
    wait_for(lambda: workers_of(w), what="the worker")
    pid = workers_of(w)[0]
    b = Bystander(w)
    # More clients than the worker has descriptors for.
    clients = []
    for i in range(100):
        s = socket.create_connection(w.addr, timeout=20)
        clients.append(s)
    w.wait_log(r"cannot accept on .*: Too many open files \(raise the open files limit, "
               r"ulimit -n\): backing off")
    # Backing off: the worker sleeps instead of spinning on the readable
    # listener (a spinning loop burns a whole CPU second per second).
    t0 = cpu_seconds(pid)
    time.sleep(2)
    assert cpu_seconds(pid) - t0 < 0.5, "the worker spins while out of descriptors"
    b.stop()
    for s in clients:
        s.close()
    # Descriptors free again: the next client is served by the same worker.
    r = wait_for(lambda: http_get(w, "/pid"), what="a request after the back-off")
    assert r.status == 200 and int(r.body) == pid
    assert workers_of(w) == [pid]
    w.stop()
    w.assert_log_count(r"Too many open files", 1, after=True)
