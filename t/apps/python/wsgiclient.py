"""Clients for the Python plugin's tests: HTTP/1.1 through http.client
(chunked uploads, keep-alive), the uwsgi binary protocol (weftlib's packet
and reader: a 4-byte header of modifier1, the variables' size as a
little-endian uint16 and modifier2; each variable as a uint16 length and the
key, a uint16 length and the value; then the body), and many requests at
once.
"""
import http.client as httpclient
import os
import selectors
import socket
import time

import pytest

import weftlib

HERE = os.path.dirname(os.path.abspath(__file__))

REASONS = {
    "python": "the python plugin is not built (apt-get install python3-dev)",
    "ugreen": "ugreen.so is not built",
    "greenlet": "greenlet.so is not built (apt-get install python3-greenlet python-greenlet-dev)",
    "gevent": "gevent.so is not built (apt-get install python3-gevent python-greenlet-dev)",
}


def needs(plugin):
    """A mark that skips a test, with the reason, when plugin is not built."""
    return pytest.mark.skipif(not weftlib.plugin_available(plugin), reason=REASONS[plugin])


def variant(id, *values, plugin=None):
    """A test parameter (values, named id) that needs plugin, if given."""
    return pytest.param(*values, id=id, marks=[needs(plugin)] if plugin else [])


# In an engine's arguments: the test's number of cores (--gevent N).
CORES = "{cores}"


def engine_args(args, cores):
    """An engine's arguments with CORES replaced by cores."""
    return [str(cores) if a == CORES else a for a in args]


def app(name):
    """The path of a test app in t/apps/python."""
    return os.path.join(HERE, name)


class Response(weftlib.Response):
    def headers_named(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]


def http(w, method, path, body=None, headers=None, timeout=20, conn=None):
    """One HTTP/1.1 request.  body: bytes (sent with a Content-Length) or a
    list of bytes (sent chunked).  Pass conn to reuse a keep-alive
    connection."""
    own = conn is None
    if own:
        conn = httpclient.HTTPConnection("127.0.0.1", w.port, timeout=timeout)
    hdrs = dict(headers or {})
    if isinstance(body, list):
        conn.request(method, path, body=iter(body), headers=hdrs, encode_chunked=True)
    else:
        conn.request(method, path, body=body, headers=hdrs)
    r = conn.getresponse()
    data = r.read()
    resp = Response(r.status, r.reason, r.getheaders(), data, "HTTP/1.1")
    if own:
        conn.close()
    return resp


def uwsgi(w, method, path, query="", body=b"", headers=None, extra=None, modifier1=0,
          timeout=20, chunks=None):
    """One request over the uwsgi protocol, as nginx's uwsgi_pass sends it.
    chunks: send the body in these pieces with a pause between them."""
    v = {
        "REQUEST_METHOD": method, "REQUEST_URI": path + ("?" + query if query else ""),
        "PATH_INFO": path, "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "localhost", "SERVER_PORT": str(w.port), "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000", "HTTP_HOST": "localhost:%d" % w.port,
    }
    if body or method in ("POST", "PUT"):
        v["CONTENT_LENGTH"] = str(len(body))
        v["CONTENT_TYPE"] = "application/octet-stream"
    for k, val in (headers or {}).items():
        v["HTTP_" + k.upper().replace("-", "_")] = val
    v.update(extra or {})
    s = w.connect(timeout=timeout)
    try:
        if chunks:
            s.sendall(weftlib.uwsgi_packet(v, b"", modifier1))
            for c in chunks:
                time.sleep(0.05)
                s.sendall(c)
        else:
            s.sendall(weftlib.uwsgi_packet(v, body, modifier1))
        return weftlib.Reader(s).read(head=(method == "HEAD"))
    finally:
        s.close()


def many(w, paths, timeout=60):
    """Send every request of paths (a list) at once, each on its own
    connection; wait for all the responses.  Returns [(status, body)] in the
    order of paths; status None for a connection that failed."""
    sel = selectors.DefaultSelector()
    state = []
    for i, p in enumerate(paths):
        s = socket.create_connection(w.addr, timeout=10)
        s.sendall(("GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % p).encode())
        s.setblocking(False)
        entry = [s, b"", False]
        state.append(entry)
        sel.register(s, selectors.EVENT_READ, entry)
    left = len(state)
    deadline = time.time() + timeout
    while left and time.time() < deadline:
        for key, _ in sel.select(1):
            entry = key.data
            try:
                d = entry[0].recv(65536)
            except OSError:
                d = b""
            if d:
                entry[1] += d
            else:
                entry[2] = True
                sel.unregister(entry[0])
                entry[0].close()
                left -= 1
    out = []
    for s, data, done in state:
        if not done:
            s.close()
            out.append((None, data))
            continue
        head, _, body = data.partition(b"\r\n\r\n")
        try:
            status = int(head.split(b" ", 2)[1])
        except (IndexError, ValueError):
            status = None
        if b"transfer-encoding: chunked" in head.lower():
            body = dechunk(body)
        out.append((status, body))
    return out


def dechunk(data):
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2:]
    return out


def read_to_close(s):
    """Everything the server sends on socket s until it closes."""
    data = b""
    while True:
        try:
            d = s.recv(65536)
        except ConnectionResetError:
            break
        if not d:
            break
        data += d
    return data


def raw(w, request, timeout=20):
    """Send raw bytes, read until the server closes; return what came back."""
    s = w.connect(timeout=timeout)
    try:
        s.sendall(request)
        return read_to_close(s)
    finally:
        s.close()
