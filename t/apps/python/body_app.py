"""The request body as the core buffers and keeps it (test_body_buffer.py).

    /hash            read() the whole body: its size and MD5
    /fast            answer at once, without reading
    /count           how many requests ran the app before this one
    /first?path=P    read(10), write those bytes to file P, then read the
                     rest: a test sees when the app got its first bytes
    /seek            read, seek, tell and re-read in every way: what each gave
    /seek-far?n=N    seek(N) before the body has arrived, then read(10)
    /end             seek(0, 2) first: the body's size, then read it from 0
    /tmp             read the body, then list $TMPDIR and the open files in it
"""
import hashlib
import json
import os

RAN = [0]


def md5(b):
    return hashlib.md5(b).hexdigest()


def qn(env, name, default=None):
    for part in env.get("QUERY_STRING", "").split("&"):
        if part.startswith(name + "="):
            return part[len(name) + 1:]
    return default


def seeks(inp):
    out = {}
    whole = inp.read()
    out["size"] = len(whole)
    out["md5"] = md5(whole)
    out["tell_end"] = inp.tell()
    out["seekable"] = inp.seekable()
    out["seek0"] = inp.seek(0)
    again = inp.read()
    out["again_md5"] = md5(again)
    inp.seek(10)
    out["at10"] = md5(inp.read(5)) == md5(whole[10:15])
    out["tell15"] = inp.tell()
    inp.seek(3, 1)
    out["cur"] = md5(inp.read(7)) == md5(whole[18:25])
    out["seek_end"] = inp.seek(-5, 2)
    out["tail"] = md5(inp.read()) == md5(whole[-5:])
    out["past_end"] = inp.seek(len(whole) + 100)
    out["read_past_end"] = len(inp.read())
    inp.seek(0)
    lines = list(inp)
    out["lines_md5"] = md5(b"".join(lines))
    inp.seek(0)
    out["readline_after_seek"] = md5(inp.readline()) == md5(whole.split(b"\n")[0] + b"\n"
                                                          if b"\n" in whole else whole)
    try:
        inp.seek(-1)
        out["negative"] = "no error"
    except OSError as e:
        out["negative"] = e.errno
    return out


def application(env, start_response):
    path = env["PATH_INFO"]
    inp = env["wsgi.input"]
    out = {}
    if path == "/count":
        out["ran"] = RAN[0]
    RAN[0] += 1

    if path == "/hash":
        data = inp.read()
        out = {"size": len(data), "md5": md5(data)}
    elif path == "/first":
        first = inp.read(10)
        with open(qn(env, "path"), "wb") as f:
            f.write(first)
        data = first + inp.read()
        out = {"size": len(data), "md5": md5(data)}
    elif path == "/seek":
        out = seeks(inp)
    elif path == "/seek-far":
        n = int(qn(env, "n"))
        out["pos"] = inp.seek(n)
        out["piece"] = inp.read(10).decode("latin-1")
        out["end"] = inp.seek(0, 2)
        inp.seek(0)
        out["md5"] = md5(inp.read())
    elif path == "/end":
        out["end"] = inp.seek(0, 2)
        inp.seek(0)
        data = inp.read()
        out["size"] = len(data)
        out["md5"] = md5(data)
    elif path == "/tmp":
        data = inp.read()
        tmp = os.environ["TMPDIR"]
        out = {"size": len(data), "md5": md5(data), "listing": os.listdir(tmp)}
        held = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink("/proc/self/fd/" + fd)
            except OSError:
                continue
            if target.startswith(tmp + "/"):
                held.append(target)
        out["held"] = held
        inp.seek(0)
        out["again_md5"] = md5(inp.read())

    body = json.dumps(out).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
