"""The CGI plugin, RFC 3875 behaviour: meta-variables, request bodies (also
chunked) on stdin, the script's head (Status, Location, Content-Type),
nph- scripts, stderr in the log, malformed output, modifier1 9."""
import os
import struct

import pytest

from weftlib import SRCDIR, TEST_PLUGINS
from test_cgi_common import APPS, body_of, env_of, get, header, needs_cgi, raw, read_all

pytestmark = needs_cgi


def cgi(weft, *extra, **kw):
    return weft("--plugin", "cgi", "--cgi", APPS, *extra, **kw)


def test_shell_script(weft):
    w = cgi(weft)
    status, _, headers, body = get(w, "/hello.sh")
    assert status == 200
    assert header(headers, "Content-Type") == "text/plain"
    assert body == b"Hello, World!\n"


def test_cgi_option_alone_loads_and_serves(weft):
    # No --plugin and no modifier option: --cgi loads cgi.so, the only language.
    w = weft("--cgi", APPS)
    status, _, _, body = get(w, "/hello.sh")
    assert (status, body) == (200, b"Hello, World!\n")


def test_keepalive_and_head(weft):
    w = cgi(weft)
    s = w.connect()
    s.sendall(b"GET /hello.sh HTTP/1.1\r\nHost: x\r\n\r\n"
              b"HEAD /hello.sh HTTP/1.1\r\nHost: x\r\n\r\n"
              b"GET /crlf.sh HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    out = read_all(s)
    s.close()
    assert out.count(b"HTTP/1.1 200 OK") == 2, out
    assert out.count(b"Hello, World!") == 1, out       # HEAD has no body
    assert out.endswith(b"created"), out


def test_meta_variables(weft):
    w = cgi(weft)
    status, _, _, body = get(w, "/env.sh/some/path%20here?a=1&b=%41",
                             headers={"X-Custom": "yes", "Proxy": "http://evil:1/"})
    assert status == 200
    env = env_of(body)
    assert env["GATEWAY_INTERFACE"] == "CGI/1.1"
    assert env["SERVER_SOFTWARE"].startswith("weft/")
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["SERVER_PORT"] == str(w.port)
    assert env["SERVER_NAME"] == "127.0.0.1"
    assert env["REQUEST_METHOD"] == "GET"
    assert env["REQUEST_URI"] == "/env.sh/some/path%20here?a=1&b=%41"
    assert env["SCRIPT_NAME"] == "/env.sh"
    assert env["SCRIPT_FILENAME"] == os.path.join(APPS, "env.sh")
    assert env["PATH_INFO"] == "/some/path here"
    assert env["PATH_TRANSLATED"] == APPS + "/some/path here"
    assert env["DOCUMENT_ROOT"] == APPS
    assert env["QUERY_STRING"] == "a=1&b=%41"
    assert env["REMOTE_ADDR"] == "127.0.0.1"
    assert int(env["REMOTE_PORT"]) > 0
    assert env["HTTP_X_CUSTOM"] == "yes"
    assert env["HTTP_HOST"] == "127.0.0.1:%d" % w.port
    assert env["PATH"]
    assert env["CWD"] == APPS                   # scripts run in their directory
    assert "HTTP_PROXY" not in env              # httpoxy
    assert "CONTENT_LENGTH" not in env and "CONTENT_TYPE" not in env


def test_meta_variables_of_a_post(weft):
    w = cgi(weft)
    status, _, _, body = get(w, "/env.sh", method="POST", body=b"x=1",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    env = env_of(body)
    assert status == 200
    assert env["CONTENT_LENGTH"] == "3"
    assert env["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert env["PATH_INFO"] == ""
    assert "PATH_TRANSLATED" not in env          # RFC 3875 4.1.6: no PATH_INFO, none


def test_perl_scripts(weft):
    w = cgi(weft, "--cgi-helper", ".pl=perl")
    # an executable Perl script reading a form the way CGI.pm does
    status, _, _, body = get(w, "/post.pl", method="POST", body=b"name=weft&lang=perl",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200
    assert body == b"length=19\nlang=perl\nname=weft\n"
    # a Perl script without the exec bit, run by its helper
    status, _, _, body = get(w, "/hello.pl?x=1")
    assert status == 200
    assert body == b"Hello from Perl\nargv=0\nquery=x=1\n"


def test_post_body_round_trip(weft):
    w = cgi(weft)
    data = os.urandom(3 * 1024 * 1024 + 17)
    status, _, headers, body = get(w, "/echo.sh", method="POST", body=data)
    assert status == 200
    assert header(headers, "X-Content-Length") == str(len(data))
    assert header(headers, "X-Method") == "POST"
    assert body == data


def test_chunked_upload(weft):
    w = cgi(weft)
    pieces = [b"hello ", b"chunked ", os.urandom(100000), b" world"]
    req = b"POST /echo.sh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    for p in pieces:
        req += b"%x\r\n%s\r\n" % (len(p), p)
    req += b"0\r\n\r\n"
    out = raw(w, req)
    head = out.partition(b"\r\n\r\n")[0]
    assert head.startswith(b"HTTP/1.1 200 OK"), head
    assert b"X-Content-Length: none" in head       # unknown length: read to EOF
    body = body_of(out)
    assert body == b"".join(pieces)


def test_script_that_ignores_its_body(weft):
    w = cgi(weft)
    status, _, _, body = get(w, "/hello.sh", method="POST", body=b"z" * (2 * 1024 * 1024))
    assert (status, body) == (200, b"Hello, World!\n")


def test_status_and_repeated_headers(weft):
    w = cgi(weft)
    status, reason, headers, body = get(w, "/status.sh")
    assert (status, reason) == (418, "I'm a teapot")
    assert [v for k, v in headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert body == b"short and stout\n"


def test_crlf_head_bare_status_and_content_length(weft):
    w = cgi(weft)
    status, reason, headers, body = get(w, "/crlf.sh")
    assert (status, reason) == (201, "Created")
    assert header(headers, "Content-Length") == "7"
    assert body == b"created"


def test_local_redirect(weft):
    w = cgi(weft)
    for method, body in (("GET", None), ("POST", b"a body the target must not get")):
        status, _, _, out = get(w, "/redirect-local.sh?orig=1", method=method, body=body)
        assert status == 200, out
        lines = out.decode().splitlines()
        assert lines[0] == "target"
        assert "method=GET" in lines
        assert "query=from=redirect&x=%41" in lines
        assert "path_info=/extra path" in lines
        assert "script_name=/target.sh" in lines
        assert "redirect_url=/redirect-local.sh?orig=1" in lines
        assert "content_length=unset" in lines
        assert b"discarded" not in out


def test_client_redirects(weft):
    w = cgi(weft)
    status, _, headers, _ = get(w, "/redirect-client.sh")
    assert status == 302 and header(headers, "Location") == "http://example.com/elsewhere"
    status, _, headers, _ = get(w, "/redirect-303.sh")
    assert status == 303 and header(headers, "Location") == "/target.sh"
    status, _, headers, _ = get(w, "/redirect-protocol-relative.sh")
    assert status == 302 and header(headers, "Location") == "//example.com/x"
    status, _, headers, _ = get(w, "/redirect-200.sh")
    assert status == 302 and header(headers, "Location") == "https://example.com/"


def answers(w, path, status, log=None):
    """GET path: the status must be `status`, and the log must say `log`."""
    assert get(w, path)[0] == status, path
    if log is not None:
        w.wait_log(log)


def test_redirect_loop_and_missing_target(weft):
    w = cgi(weft, allow_errors=[r"more than 10 local redirects"])
    answers(w, "/redirect-loop.sh", 500, r"redirect-loop\.sh: more than 10 local redirects")
    answers(w, "/redirect-missing.sh", 404, r"local redirect to /no-such-script\.sh: 404")


def test_nph_script(weft):
    w = cgi(weft)
    status, reason, headers, body = get(w, "/nph-hello.sh")
    assert (status, reason) == (202, "Accepted")
    assert header(headers, "X-Nph") == "yes"
    assert header(headers, "Content-Type") == "text/plain"
    assert body == b"nph body\n"


def test_stderr_goes_to_the_log_line_by_line(weft):
    w = cgi(weft)
    status, _, _, body = get(w, "/stderr.sh")
    assert (status, body) == (200, b"see the log\n")
    tag = os.path.join(APPS, "stderr.sh")
    for text in ("first complaint", "second complaint", "third complaint"):
        w.wait_log(r"WARN cgi: %s: %s\n" % (tag, text))


@pytest.mark.parametrize("case,reason", [
    ("no-colon", r'header line 2, "hello there", is not "Name: value"'),
    ("body-first", r'header line 1, "Hello, World!", is not "Name: value"'),
    ("no-blank", r"its output ended before the blank line that ends its headers"),
    ("nothing", r"it printed nothing \(no headers\) \(it exited with status 3\)"),
    ("status", r'Status "two hundred" is not a final HTTP status'),
    ("fold", r'header line 2, " folded: value", has a bad field name'),
    ("length", r'Content-Length "many" is not a length'),
    ("nph-less", r'Status "100 Continue" is not a final HTTP status'),
    ("huge", r"its headers are longer than 65536 bytes"),
])
def test_malformed_output_is_502(weft, case, reason):
    w = cgi(weft, allow_errors=[r"bad gateway"])
    status, _, headers, body = get(w, "/bad.sh/" + case)
    assert status == 502, body
    assert body == b"502 Bad Gateway\n"
    w.wait_log(r"ERROR cgi: %s: bad gateway: %s" % (os.path.join(APPS, "bad.sh"), reason))


def test_no_argument_injection(weft):
    w = cgi(weft, "--cgi-helper", ".pl=perl")
    # An ISINDEX-style query (no '=') must not become arguments (RFC 3875 4.4
    # allows it; it is how php-cgi's CVE-2012-1823 happened).
    for q in ("-x", "foo+bar", "-e+print+1", "--help"):
        status, _, _, body = get(w, "/args.sh?" + q)
        assert (status, body) == (200, b"argc=0\n"), (q, body)
        status, _, _, body = get(w, "/hello.pl?" + q)
        assert status == 200 and b"argv=0\n" in body, (q, body)


def test_scripts_that_cannot_be_executed(weft):
    w = cgi(weft, allow_errors=[r"cannot run it"])
    answers(w, "/noshebang.cgi", 500, r"noshebang\.cgi: cannot run it: not an executable format")
    answers(w, "/badinterp.cgi", 500,
            r"badinterp\.cgi: cannot run it: not found \(the script, or the interpreter")


def uwsgi_packet(modifier1, variables):
    body = b""
    for k, v in variables.items():
        k, v = k.encode(), v.encode()
        body += struct.pack("<H", len(k)) + k + struct.pack("<H", len(v)) + v
    return struct.pack("<BHB", modifier1, len(body), 0) + body


def test_uwsgi_protocol_modifier1_9(weft):
    testapp = os.path.join(TEST_PLUGINS, "testapp.so")
    if not os.path.exists(testapp):
        pytest.fail("t/plugins/testapp.so is not built (make check builds it)")
    # Two languages: modifier1 picks one per request.
    w = weft("--plugin", "cgi", "--plugin", testapp, "--cgi", APPS, http=False)
    variables = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/hello.sh", "PATH_INFO": "/hello.sh",
                 "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "x",
                 "SERVER_PORT": "80", "REMOTE_ADDR": "10.0.0.1", "SCRIPT_NAME": ""}
    out = raw(w, uwsgi_packet(9, variables))
    assert out.startswith(b"HTTP/1.1 200 OK"), out
    assert out.endswith(b"Hello, World!\n")
    variables["PATH_INFO"] = "/hello"
    out = raw(w, uwsgi_packet(99, variables))
    assert b"Hello, World!" in out and out.startswith(b"HTTP/1.1 200 OK"), out
    # The frontend's SCRIPT_NAME is the mount the scripts live under.
    variables.update(PATH_INFO="/env.sh/x", SCRIPT_NAME="/app", DOCUMENT_ROOT="/srv/www")
    out = raw(w, uwsgi_packet(9, variables))
    env = env_of(out.partition(b"\r\n\r\n")[2])
    assert env["SCRIPT_NAME"] == "/app/env.sh"
    assert env["PATH_INFO"] == "/x"
    assert env["DOCUMENT_ROOT"] == "/srv/www"
    assert env["PATH_TRANSLATED"] == "/srv/www/x"
    assert env["REMOTE_ADDR"] == "10.0.0.1"


def test_what_a_script_inherits(weft):
    w = cgi(weft, "--async", "4", "--ugreen") if os.path.exists(
        os.path.join(os.environ["WEFT_PLUGIN_DIR"], "ugreen.so")) else cgi(weft)
    status, _, _, body = get(w, "/inherit.pl")
    assert status == 200
    lines = body.decode().splitlines()
    sig = dict(l.split(":\t") for l in lines if l.startswith("Sig"))
    assert int(sig["SigBlk"], 16) == 0, "the script starts with signals blocked"
    assert int(sig["SigIgn"], 16) & (1 << (13 - 1)) == 0, "SIGPIPE is ignored in the script"
    fds = [l.split()[1:] for l in lines if l.startswith("fd ")]
    assert [fd for fd, _ in fds] == ["0", "1", "2"], fds   # no socket, no log, no pipe
    assert fds[0][1] == "/dev/null" and fds[1][1].startswith("pipe:")


def test_the_example_app(weft):
    # What the README's quick start serves.
    w = weft("--cgi", os.path.join(SRCDIR, "examples", "cgi"))
    status, _, _, body = get(w, "/hello.sh/some/path?name=you")
    assert status == 200
    assert b"Hello from a CGI script!" in body
    assert b"path info:  /some/path\n" in body and b"query:      name=you\n" in body
