"""WebSocket over full rack.hijack with Debian's ruby-faye-websocket, and the
app's own Ruby threads: both run only while the worker's event loop waits
with Ruby's GVL released (weft_language_t.has_threads, without_lock and
with_lock; plugins/ruby/gvl.c).

Faye serves a hijacked socket from an EventMachine thread after the request
returned: with the GVL held by an idle worker, the handshake never came.
The WebSocket client is written here with the standard library (RFC 6455:
the Sec-WebSocket-Key/Accept handshake, masked client frames).
"""
import base64
import hashlib
import os
import struct
import sys
import time

import pytest

from weftlib import SRCDIR, plugin_available

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "ruby"))
import rackclient as rk  # noqa: E402
from rackclient import _needs_ruby  # noqa: E402,F401

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CLIENTS = 100
MESSAGES = 3


@pytest.fixture(autouse=True)
def _needs_fiber_and_faye():
    """Skip, naming what to install, when a piece is missing (CI counts a
    skip as a failure; its sanitizer build leaves Ruby out)."""
    if not plugin_available("fiber"):
        pytest.skip("fiber.so is not built (apt-get install ruby-dev ruby-rack, then ./configure)")
    if not os.path.exists("/usr/lib/ruby/vendor_ruby/faye/websocket.rb"):
        pytest.skip("faye-websocket is missing (apt-get install ruby-faye-websocket)")


# ------------------------------------------------------------------ a client

def recv_exactly(s, n):
    data = b""
    while len(data) < n:
        d = s.recv(n - len(data))
        assert d, "closed after %d of %d bytes" % (len(data), n)
        data += d
    return data


def ws_request(s, path="/ws"):
    """Send the opening handshake; return the key it used."""
    key = base64.b64encode(os.urandom(16))
    s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: localhost\r\n"
              b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
    return key


def ws_accept(s, key):
    """Read the 101 and check Sec-WebSocket-Accept."""
    head = b""
    while b"\r\n\r\n" not in head:
        d = s.recv(1)
        assert d, "closed during the handshake: %r" % head
        head += d
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 101"), head
    fields = {ln.split(":", 1)[0].strip().lower(): ln.split(":", 1)[1].strip()
              for ln in lines[1:] if ":" in ln}
    want = base64.b64encode(hashlib.sha1(key + WS_GUID).digest()).decode()
    assert fields.get("sec-websocket-accept") == want, head
    assert fields.get("upgrade", "").lower() == "websocket", head


def ws_send(s, payload, opcode=1):
    """One masked frame (clients must mask, RFC 6455 5.3)."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    s.sendall(head + mask + masked)


def ws_recv(s):
    """One frame from the server: (opcode, payload); servers never mask."""
    b0, b1 = recv_exactly(s, 2)
    assert b0 & 0x80, "fragmented frames are not expected here"
    assert not b1 & 0x80, "a server frame must not be masked"
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", recv_exactly(s, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", recv_exactly(s, 8))[0]
    return b0 & 0x0F, recv_exactly(s, n)


# ------------------------------------------------------------------ the tests

def test_faye_websocket_echo_100_clients_under_fiber(weft):
    w = weft("--plugin", "ruby", "--fiber", "--async", "16",
             "--rack", rk.app("websocket_echo.ru"))
    assert rk.http(w, "GET", "/").body == b"plain http"
    socks = []
    try:
        for _ in range(CLIENTS):            # all at once: every handshake first
            s = w.connect(timeout=30)
            socks.append((s, ws_request(s)))
        for s, key in socks:
            ws_accept(s, key)
        for m in range(MESSAGES):
            for i, (s, _) in enumerate(socks):
                ws_send(s, ("client %d message %d" % (i, m)).encode())
            for i, (s, _) in enumerate(socks):
                op, data = ws_recv(s)
                assert (op, data) == (1, ("client %d message %d" % (i, m)).encode())
        big = os.urandom(70000)             # a 64-bit length, binary
        ws_send(socks[0][0], big, opcode=2)
        assert ws_recv(socks[0][0]) == (2, big)
        for s, _ in socks:                  # the closing handshake
            ws_send(s, struct.pack("!H", 1000), opcode=8)
        for s, _ in socks:
            op, data = ws_recv(s)
            assert op == 8, (op, data)
    finally:
        for s, _ in socks:
            s.close()
    # The worker serves plain HTTP on after 100 hijacked sockets.
    assert rk.http(w, "GET", "/").body == b"plain http"
    w.wait_log(r'"GET /ws HTTP/1.1" 101', count=CLIENTS)


@pytest.mark.parametrize("engine", [[], ["--fiber"]], ids=["no-engine", "fiber"])
def test_background_thread_runs_while_the_worker_is_idle(weft, engine):
    w = weft("--plugin", "ruby", *engine, "--rack", rk.app("background_thread.ru"))
    rk.http(w, "GET", "/")                  # starts the thread
    time.sleep(0.2)
    before = int(rk.http(w, "GET", "/").body)
    time.sleep(1.0)                         # idle: no request at all
    after = int(rk.http(w, "GET", "/").body)
    # ~100 ticks of 10 ms; with the GVL held by the idle loop, ~0.
    assert after - before >= 50, (before, after)
