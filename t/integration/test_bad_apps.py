"""Bad apps in every language (issue 17 item 4): wrong types, headers with
CR/LF or NUL, a status without digits, a body that fails before or after
the head went out, an app that closes stdin/stdout/stderr, an app that
forks.  Each gives a 500 (502 for a CGI script: a bad gateway) or a clean
cut of the connection, one log line with the cause, and the same worker
serves the next request.

The apps are t/apps/bad/: bad_wsgi.py, bad_rack.ru, bad_psgi.psgi and
cgi/bad.sh, each choosing its misdeed by PATH_INFO."""
import os
import re
import signal
import socket

import pytest

from weftlib import SRCDIR, Reader, plugin_available

BAD = os.path.realpath(os.path.join(SRCDIR, "t", "apps", "bad"))

LANGS = {
    "wsgi": ("python", ["--wsgi-file", os.path.join(BAD, "bad_wsgi.py")], ""),
    "rack": ("ruby", ["--rack", os.path.join(BAD, "bad_rack.ru")], ""),
    "psgi": ("perl", ["--psgi", os.path.join(BAD, "bad_psgi.psgi")], ""),
    "cgi": ("cgi", ["--cgi", os.path.join(BAD, "cgi")], "/bad.sh"),
    # The same WSGI app on async cores with a suspend engine: the app's
    # fork and closed fds are repaired the same way between core switches.
    "wsgi_ugreen": ("python", ["--wsgi-file", os.path.join(BAD, "bad_wsgi.py"),
                               "--async", "4", "--ugreen"], ""),
}

# What each case gives: an answer (a status), "cut" (the head went out,
# then the connection closed short of the body's end), and the cause's
# line in the log (None: nothing went wrong that deserves one).
STDOUT_LINE = {"wsgi": r"the app closed fd %d \(%s\): put back",
               "psgi": r"the app closed fd %d \(%s\): put back",
               "rack": r"the app closed \$%s: a new one on fd %d"}


def close_line(lang, fd):
    name = ("stdin", "stdout", "stderr")[fd]
    lang = lang.split("_")[0]
    if lang == "rack":
        return STDOUT_LINE[lang] % (name, fd)
    return STDOUT_LINE[lang] % (fd, name)


FORK_BACK = r"a process the app forked \(pid \d+\) came back into weft: it exits here"

CASES = {
    "wsgi": {
        "status_type": (500, r"TypeError: the status must be a str, not int"),
        "body_type": (500, r"TypeError: 'int' object is not iterable"),
        "header_type": (500, r"TypeError: a header must be a \(name, value\) tuple"),
        "header_crlf": (500, r"ValueError: invalid header \('X-A', 'a\\r\\nSet-Cookie"),
        "header_nul_name": (500, r"ValueError: invalid header \('X-\\x00A', 'v'\)"),
        "header_nul_value": (500, r"ValueError: invalid header \('X-A', 'a\\x00b'\)"),
        "status_nodigits": (500, r"ValueError: the status must be like '200 OK', not 'OK'"),
        "raise_before": (500, r"RuntimeError: the body broke before its first chunk"),
        "raise_after_chunked": ("cut", r"RuntimeError: the body broke halfway"),
        "raise_after_length": ("cut", r"RuntimeError: the body broke halfway"),
    },
    "rack": {
        "status_type": (500, r"can't convert nil into Integer \(TypeError\)"),
        "body_type": (500, r"the body \(Integer\) has neither each nor call \(TypeError\)"),
        "header_type": (500, r"the headers must be a Hash, not Integer \(TypeError\)"),
        "header_crlf": (500, r"invalid value for the header X-A: \"a\\r\" \(ArgumentError\)"),
        "header_nul_name": (500, r"invalid header name \"X-\\x00A\" \(ArgumentError\)"),
        "header_nul_value": (500, r"invalid value for the header X-A: \"a\\x00b\""),
        "status_nodigits": (500, r"invalid value for Integer\(\): \"OK\" \(ArgumentError\)"),
        "raise_before": (500, r"the body broke before its first chunk \(RuntimeError\)"),
        "raise_after_chunked": ("cut", r"the body broke halfway \(RuntimeError\)"),
        "raise_after_length": ("cut", r"the body broke halfway \(RuntimeError\)"),
    },
    "psgi": {
        "status_type": (500, r"the app died: the status must be a number, not 'ARRAY\(0x"),
        "body_type": (500, r"the app died: the body must be an array ref, a filehandle or an "
                           r"object with getline"),
        "header_type": (500, r"the app died: the headers array has an odd number of elements"),
        "header_crlf": (500, r"the app died: invalid value for the header X-A\."),
        "header_nul_name": (500, r"the app died: invalid header name 'X-\\x00A'"),
        "header_nul_value": (500, r"the app died: invalid value for the header X-A\."),
        "status_nodigits": (500, r"the app died: the status must be a number, not 'OK'"),
        "raise_before": (500, r"the app died: the body broke before its first chunk"),
        "raise_after_chunked": ("cut", r"the app died: the body broke halfway"),
        "raise_after_length": ("cut", r"the app died: the body broke halfway"),
    },
    "cgi": {
        "header_type": (502, r'bad gateway: header line 2, "X-A", is not "Name: value"'),
        "header_crlf": (502, r'bad gateway: header line 2, "X-A: a\?Set-Cookie: evil=1", has '
                             r'a control character'),
        "header_nul_name": (502, r'bad gateway: header line 2, "X-\?A: v", has a bad field name'),
        "header_nul_value": (502, r'bad gateway: header line 2, "X-A: a\?b", has a control '
                                  r'character'),
        "status_nodigits": (502, r'bad gateway: Status "OK" is not a final HTTP status'),
        "raise_before": (502, r"bad gateway: it printed nothing \(no headers\) \(it exited "
                              r"with status 1\)"),
        "raise_after_chunked": ("cut", r"exited with status 1 after its head: the response is cut"),
        "raise_after_length": ("cut", r"exited with status 1 after its head: the response is cut"),
        # Closing its stdout is how a script ends its output: here, before any.
        "close_stdout": (502, r"(?m)bad gateway: it printed nothing \(no headers\)$"),
        "close_stdin": (200, None),
        "close_stderr": (200, None),
        "fork_exit": (200, None),
        "fork_return": (200, None),    # a subshell writes the head: nothing wrong
        "fork_linger": (200, r"exited, but a process it started still holds its output open: "
                             r"the response ends with the script"),
    },
}
CASES["wsgi_ugreen"] = CASES["wsgi"]
for _lang in ("wsgi", "rack", "psgi"):
    for _fd, _name in enumerate(("stdin", "stdout", "stderr")):
        CASES[_lang]["close_" + _name] = (200, close_line(_lang, _fd))
    CASES[_lang]["fork_exit"] = (200, None)
    CASES[_lang]["fork_return"] = (200, FORK_BACK)
    CASES[_lang]["fork_linger"] = (200, None)


def params():
    out = []
    for lang, cases in CASES.items():
        plugin = LANGS[lang][0]
        for case in cases:
            out.append(pytest.param(lang, case, id="%s-%s" % (lang, case), marks=pytest.mark.skipif(
                not plugin_available(plugin), reason="%s.so is not built" % plugin)))
    return out


def get(w, path):
    """GET path on a new connection (Connection: close): (the response, or
    None when the connection was cut mid-body; the head's status)."""
    s = w.connect(timeout=20)
    try:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
        rd = Reader(s)
        try:
            r = rd.read()
        except EOFError:
            return None, rd.buf
        # The server closes now, with nothing more: nobody (a forked child)
        # holds the client open or writes to it a second time.
        try:
            extra = rd.buf + s.recv(4096)
        except socket.timeout:
            raise AssertionError("the connection stayed open after GET %s" % path)
        assert extra == b"", "more bytes after the response: %r" % extra[:200]
        return r, b""
    finally:
        s.close()


def cut_head(w, path):
    """For a cut response: the status line, read on its own."""
    s = w.connect(timeout=20)
    try:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
        return data
    finally:
        s.close()


def is_cut(data):
    """A response the client can tell is incomplete."""
    head, sep, body = data.partition(b"\r\n\r\n")
    assert sep and head.startswith(b"HTTP/1.1 200 "), data[:200]
    m = re.search(rb"(?im)^content-length: *(\d+)", head)
    if m:
        return len(body) < int(m.group(1))
    assert re.search(rb"(?im)^transfer-encoding: *chunked", head), head
    return not body.endswith(b"0\r\n\r\n")


@pytest.mark.parametrize("lang,case", params())
def test_a_bad_app_gets_a_clear_answer_and_the_worker_goes_on(weft, lang, case):
    plugin, args, prefix = LANGS[lang]
    expect, cause = CASES[lang][case]
    w = weft("--plugin", plugin, *args, allow_errors=[r"."])
    before, _ = get(w, prefix + "/pid")
    assert before.status == 200
    pid = int(before.body)

    if expect == "cut":
        data = cut_head(w, prefix + "/" + case)
        assert is_cut(data), "a failed body looked whole: %r" % data[-100:]
    else:
        r, _ = get(w, prefix + "/" + case)
        assert r is not None and r.status == expect, (r, r and r.body[:200])
        if case.startswith("fork_") and lang != "cgi":
            assert r.body.startswith(b"parent "), r.body
            child = int(r.body.split()[1])
            if case == "fork_linger":
                os.kill(child, signal.SIGKILL)
    # The same worker serves on; a print to stdout still reaches the log.
    # (A closed standard fd is found, and its line logged, when the next
    # connection would have taken its number: wait for the line after it.)
    after, _ = get(w, prefix + "/ok")
    assert after is not None and (after.status, after.body) == (200, b"ok")
    if cause is not None:
        w.wait_log(cause)
    again, _ = get(w, prefix + "/pid")
    assert int(again.body) == pid
    if lang != "cgi":
        w.wait_text("stdout still works")
    w.stop()
    if cause is not None:
        w.assert_log_count(cause, 1, after=True)
    if lang != "cgi" and case.startswith("fork_") and case != "fork_return":
        w.assert_not_logged(r"came back into weft")
