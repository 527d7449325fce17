#!/usr/bin/env python3
"""t/fuzz/make-seeds.py - the fuzz harnesses' seed corpora, made from the
test suite's own inputs:

  http      every raw HTTP request written in t/integration/*.py
  chunked   the bodies of those that are chunked, and chunked encodings of
            the bodies the tests send
  uwsgi     every uwsgi packet the tests build (struct.pack and
            weftlib.uwsgi_packet expressions), and each HTTP request above
            as nginx's uwsgi_pass would send it
  ini       every ini file the tests write (strings with an [uwsgi] or
            [weft] section)
  cgi_head  the heads the test CGI scripts (t/apps/cgi) print, captured by
            running them (bad.sh once per case it knows)
  query     the query strings and Cookie headers of the requests above

plus the hand-made edge cases in this file.  Each seed is a file named by
its SHA-1 (as libFuzzer names them), so running this again only adds what
is new.  Run from anywhere: python3 t/fuzz/make-seeds.py [--clean]
"""
import ast
import glob
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")
sys.path.insert(0, os.path.join(TOP, "t", "integration"))
from weftlib import uwsgi_packet  # noqa: E402  (the tests' own packet builder)

METHOD_LINE = re.compile(rb"^[A-Z]{3,10} [^ \r\n]+ HTTP/\d\.\d\r?\n")


def save(name, data, seen):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if not data or len(data) > 65536:
        return
    d = os.path.join(CORPUS, name)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()
    if (name, h) in seen:
        return
    seen.add((name, h))
    with open(os.path.join(d, h), "wb") as f:
        f.write(data)




class Consts(ast.NodeVisitor):
    """Every value a test writes literally: constants, and expressions of
    constants, struct.pack() and uwsgi_packet() (evaluated without builtins)."""

    ALLOWED = {"struct", "uwsgi_packet", "weftlib"}

    def __init__(self):
        self.values = []

    def evaluable(self, node):
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and n.id not in self.ALLOWED:
                return False
            if isinstance(n, (ast.Lambda, ast.comprehension, ast.NamedExpr, ast.Await)):
                return False
        return True

    def generic_visit(self, node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            self.values.append(node.value)
        elif isinstance(node, (ast.BinOp, ast.Call)) and self.evaluable(node):
            try:
                class W:  # weftlib.uwsgi_packet
                    pass
                W.uwsgi_packet = staticmethod(uwsgi_packet)
                v = eval(compile(ast.Expression(node), "<seed>", "eval"),
                         {"__builtins__": {}, "struct": struct, "uwsgi_packet": uwsgi_packet,
                          "weftlib": W})
                if isinstance(v, (str, bytes)):
                    self.values.append(v)
            except Exception:
                pass
        super().generic_visit(node)


def test_values():
    for path in sorted(glob.glob(os.path.join(TOP, "t", "integration", "*.py"))):
        try:
            tree = ast.parse(open(path, encoding="utf-8").read(), path)
        except SyntaxError:
            continue
        c = Consts()
        c.visit(tree)
        for v in c.values:
            yield v


def as_bytes(v):
    return v if isinstance(v, bytes) else v.encode("utf-8", "surrogateescape")


def http_to_uwsgi(req):
    """The request as nginx's uwsgi_params would pass it."""
    head, _, body = req.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    try:
        method, target, proto = lines[0].split(b" ", 2)
    except ValueError:
        return None
    path, _, query = target.partition(b"?")
    v = {b"REQUEST_METHOD": method, b"REQUEST_URI": target, b"PATH_INFO": path,
         b"QUERY_STRING": query, b"SERVER_PROTOCOL": proto, b"REMOTE_ADDR": b"127.0.0.1",
         b"REMOTE_PORT": b"5000", b"SERVER_NAME": b"localhost", b"SERVER_PORT": b"80",
         b"DOCUMENT_ROOT": b"/srv"}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            continue
        key = name.strip().upper().replace(b"-", b"_")
        if key not in (b"CONTENT_TYPE", b"CONTENT_LENGTH"):
            key = b"HTTP_" + key
        v[key] = value.strip()
    if len(body) and b"CONTENT_LENGTH" not in v:
        v[b"CONTENT_LENGTH"] = str(len(body)).encode()
    try:
        return uwsgi_packet(v, body)
    except struct.error:
        return None


def chunk(data, n):
    out = b""
    for i in range(0, len(data), n):
        piece = data[i:i + n]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def cgi_heads(seen):
    apps = os.path.join(TOP, "t", "apps", "cgi")
    skip = {"hang.sh", "hang-after-head.sh", "sleep.sh", "linger.sh", "inherit.pl",
            "stream.sh", "stream-n.sh", "big.sh", "redirect-loop.sh"}
    for path in sorted(glob.glob(os.path.join(apps, "*"))):
        base = os.path.basename(path)
        if base in skip or not os.path.isfile(path) or base.endswith(".txt"):
            continue
        first = open(path, "rb").readline()
        if not first.startswith(b"#!"):
            continue
        cases = [""]
        if base == "bad.sh":
            cases = re.findall(r"^(/[\w-]+)\)", open(path).read(), re.M)
        for case in cases:
            env = {"PATH": "/usr/bin:/bin", "REQUEST_METHOD": "GET", "PATH_INFO": case,
                   "QUERY_STRING": "a=1", "SCRIPT_NAME": "/" + base, "GATEWAY_INTERFACE": "CGI/1.1",
                   "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_LENGTH": "0"}
            interp = first[2:].split()
            try:
                p = subprocess.Popen([x.decode() for x in interp] + [path], env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=apps)
                try:
                    out, _ = p.communicate(timeout=3)
                except subprocess.TimeoutExpired:
                    p.kill()
                    out, _ = p.communicate()
            except OSError:
                continue
            save("cgi_head", out[:4096], seen)


HAND_MADE = {
    "http": [
        b"GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n  two\r\n\tthree\r\n\r\n",
        b"GET /%2e%2e/%00 HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET http://[::1]:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n",
        b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
        b"CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n",
        b"GET / HTTP/1.0\r\n\r\nGET /2 HTTP/1.1\r\nHost: b\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
        b"GET / HTTP/1.1\r\nHost: a\r\nCookie: a=1\r\nCookie: b=2\r\nAccept: x\r\nAccept: y\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nProxy: http://evil\r\nX_Spoof: 1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"v" * 17000 + b"\r\n\r\n",
    ],
    "chunked": [
        b"0\r\n\r\n",
        b"5\r\nhello\r\n0\r\n\r\n",
        b"5;name=value\r\nhello\r\n0\r\nTrailer: x\r\n\r\n",
        b"A\r\n0123456789\r\n1\r\nx\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"ffffffffffffffff\r\nx",
        b"5\r\nhel",
        b"-1\r\n\r\n",
        b"5 \r\nhello\r\n0\r\n\r\n",
        b"5\nhello\n0\n\n",
        chunk(bytes(range(256)) * 8, 1000),
    ],
    "uwsgi": [
        uwsgi_packet({"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "a"}),
        uwsgi_packet({"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "3"}, b"abc"),
        uwsgi_packet({"CONTENT_LENGTH": "x"}),
        uwsgi_packet({"CONTENT_LENGTH": "99999999999999999999"}),
        uwsgi_packet({"HTTP_HOST": "[::1]:8080", "UWSGI_SCHEME": "https", "HTTPS": "on"}),
        uwsgi_packet({"HTTP_HOST": "h" * 300}),
        uwsgi_packet({"SCRIPT_NAME": "/app/", "PATH_INFO": "/app/x", "HTTP_PROXY": "x"}),
        uwsgi_packet({"SERVER_PORT": "123456", "REQUEST_SCHEME": "HTTPS"}),
        struct.pack("<BHB", 0, 4, 0) + b"\x00\x00\x00\x00",
        struct.pack("<BHB", 5, 0, 0),
    ],
    "ini": [
        "[uwsgi]\nsocket = :3031\nmaster\nprocesses = %(a + 2)\n",
        "[uwsgi]\na = 1\nb = %(a + 9223372036854775807)\n",
        "[uwsgi]\nfor = a b c\nx = %(_)\nendfor\n",
        "[uwsgi]\nfor-times = 3\nif-opt = a\ny = %(_)\nelse\nz = 1\nendif\nendfor\n",
        "[uwsgi]\nset-placeholder = n=5\nm = %(n * n / 0)\n",
        "[uwsgi]\nv = $(HOME:-none) $(NOPE-x) %d%n%e%s%c%0%k\n",
        "[app:main]\nuse = egg:x\n[uwsgi]\nhttp-socket = :0\n[weft]\nb = %(_)\n",
        "[uwsgi]\nif-env = PATH\nx = %(_)\nendif\nif-not-exists = /nonexistent\ny\nend\n",
        "[uwsgi\nfoo = bar\n",
        "[uwsgi]\na b = c\n",
        "[uwsgi]\nini = :other\n[other]\nx = 1\n",
    ],
    "cgi_head": [
        b"Content-Type: text/plain\r\n\r\nbody",
        b"Status: 404 Not Found\nContent-Type: text/plain\n\n",
        b"Location: /other?x=%41\n\n",
        b"Location: //evil.example/\n\n",
        b"Location: http://example.org/\nStatus: 301 Moved\n\n",
        b"HTTP/1.1 200 OK\r\nX: y\r\n\r\n",
        b"Content-Length: 5\nContent-Length: 6\n\n",
        b"Status: 099\n\n",
        b"Status: 100 Continue\n\n",
        b"X: a\x00b\n\n",
        b"no colon here\n\n",
        b": no name\n\n",
        b"\n",
    ],
    "query": [
        b"a\na=1&b=2&a=3",
        b"b\n a=1; b=2; c",
        b"\n%41%42%4",
        b"x\nx=%00&y=%zz",
        b"q\nq=%25%32%35",
        b"name]}${qs[x\nx=1",
        b"k\n=&k&k=",
    ],
}


def main():
    if "--clean" in sys.argv:
        shutil.rmtree(CORPUS, ignore_errors=True)
    seen = set()
    requests, bodies = [], []
    for v in test_values():
        b = as_bytes(v)
        if METHOD_LINE.match(b):
            requests.append(b)
        elif len(b) >= 4 and b[:4] != b"\r\n\r\n":
            size = struct.unpack("<H", b[1:3])[0]
            if 0 < size <= len(b) - 4 and size >= 4 and b[0] in (0, 5, 7, 9):
                save("uwsgi", b, seen)
        if isinstance(v, str) and re.search(r"^\s*\[(uwsgi|weft)\]\s*$", v, re.M):
            save("ini", textwrap.dedent(v).lstrip("\n"), seen)
        if isinstance(v, bytes) and 16 <= len(v) <= 8192 and not METHOD_LINE.match(v):
            bodies.append(v)
    for req in requests:
        save("http", req, seen)
        head, _, body = req.partition(b"\r\n\r\n")
        if re.search(rb"(?i)\r\ntransfer-encoding:[^\r]*chunked", head):
            save("chunked", body, seen)
        u = http_to_uwsgi(req)
        if u:
            save("uwsgi", u, seen)
        target = head.split(b" ")[1] if b" " in head else b""
        if b"?" in target:
            q = target.partition(b"?")[2]
            save("query", q.split(b"=")[0].split(b"&")[0] + b"\n" + q, seen)
        for m in re.finditer(rb"(?im)^cookie:[ \t]*([^\r\n]*)", head):
            save("query", m.group(1).split(b"=")[0] + b"\n" + m.group(1), seen)
    for b in bodies[:40]:
        save("chunked", chunk(b, 7), seen)
    cgi_heads(seen)
    for name, seeds in HAND_MADE.items():
        for s in seeds:
            save(name, s, seen)
    for name in sorted(os.listdir(CORPUS)):
        print("%-9s %d seeds" % (name, len(os.listdir(os.path.join(CORPUS, name)))))


if __name__ == "__main__":
    main()
