"""Routes (uWSGI's internal routing, the request chain): every action and
condition over HTTP with the real binary and the C test app, goto and
labels, regexp captures, the ${...} variables, and bad rules refused at
start-up."""
import ctypes
import email.utils
import os
import re
import socket
import time

import pytest

from weftlib import TEST_PLUGINS, http_get, run, uwsgi_request

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")


@pytest.fixture
def app(weft):
    def start(*args, **kw):
        return weft("--plugin", TESTAPP, *args, **kw)
    return start


def app_vars(r):
    """The /vars page of the test app as a dict."""
    out = {}
    for line in r.body.decode("latin-1").splitlines():
        k, _, v = line.partition("=")
        out[k] = v
    return out


# ------------------------------------------------------------ actions

def test_donotlog_leaves_no_access_line(app):
    w = app("--route", "^/healthz$ donotlog:", "--route", "^/healthz$ return:200")
    assert http_get(w, "/healthz").status == 200
    assert http_get(w, "/hello").status == 200
    w.assert_not_logged(r'"GET /healthz ', after=r'"GET /hello HTTP/1.1" 200')


def test_break_with_a_status_and_a_reason(app):
    w = app("--route-if", "ishigher:${CONTENT_LENGTH};10 break:413",
            "--route", "^/forbidden$ break:403 Go away")
    r = http_get(w, "/echo", method="POST", body=b"x" * 20)
    assert r.status == 413 and r.body == b""
    r = http_get(w, "/echo", method="POST", body=b"short")
    assert r.status == 200 and b"short" in r.body
    r = http_get(w, "/forbidden")
    assert (r.status, r.reason) == (403, "Go away")
    w.wait_log(r'"GET /forbidden HTTP/1.1" 403')


def test_break_without_a_status_closes(app):
    w = app("--route", "^/drop$ break:")
    s = w.connect()
    s.sendall(b"GET /drop HTTP/1.1\r\nHost: x\r\n\r\n")
    assert s.recv(100) == b""
    s.close()
    assert http_get(w, "/hello").status == 200


def test_return_sends_the_status_with_a_text_body(app):
    w = app("--route", "^/gone$ return:403", "--route", "^/hello$ return:404")
    r = http_get(w, "/gone")
    assert r.status == 403 and r.body == b"403 Forbidden\n"
    assert r.header("Content-Type") == "text/plain"
    r = http_get(w, "/hello")
    assert r.status == 404 and r.body == b"404 Not Found\n"


def test_return_keeps_the_connection(app):
    w = app("--route", "^/nope$ return:404")
    s = w.connect()
    from weftlib import Reader
    rd = Reader(s)
    s.sendall(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
    assert rd.read().status == 404
    r = rd.read()
    assert r.status == 200 and r.body == b"Hello, World!"
    s.close()


def test_addheader_and_delheader(app):
    w = app("--route-run", "addheader:X-Method: ${REQUEST_METHOD}",
            "--route", "^/hello$ delheader:content-type",
            "--route", "^/hello$ addheader:Content-Type: text/x-routed")
    r = http_get(w, "/hello")
    assert r.status == 200 and r.body == b"Hello, World!"
    assert r.header("X-Method") == "GET"
    assert [v for k, v in r.headers if k.lower() == "content-type"] == ["text/x-routed"]
    r = http_get(w, "/vars")
    assert r.header("Content-Type") == "text/plain" and r.header("X-Method") == "GET"


@pytest.mark.parametrize("action,code", [
    ("redirect", 302), ("redirect-302", 302), ("redirect-301", 301)])
def test_redirects_with_captures(app, action, code):
    w = app("--route", "^/old/(.*)/(.*)$ %s:https://example.com/$2/$1?${QUERY_STRING}" % action)
    r = http_get(w, "/old/a/b?q=1")
    assert r.status == code
    assert r.header("Location") == "https://example.com/b/a?q=1"
    assert r.body == b""


def test_rewrite_changes_path_and_query_then_goes_on(app):
    w = app("--route", "^/old/(.*)$ rewrite:/vars?x=$1",
            "--route", "^/vars$ addheader:X-Seen: ${PATH_INFO}")
    r = http_get(w, "/old/abc?q=1")
    v = app_vars(r)
    assert v["PATH_INFO"] == "/vars" and v["QUERY_STRING"] == "x=abc"
    assert v["REQUEST_URI"] == "/old/abc?q=1"
    assert r.header("X-Seen") == "/vars"             # the next rule saw the new path


def test_rewrite_without_a_query_keeps_it_and_decodes_the_path(app):
    w = app("--route", "^/y$ rewrite:/v%61rs")
    v = app_vars(http_get(w, "/y?keep=1"))
    assert v["PATH_INFO"] == "/vars" and v["QUERY_STRING"] == "keep=1"


def test_rewrite_last_stops_the_chain(app):
    w = app("--route", "^/old$ rewrite-last:/vars",
            "--route", "^/vars$ return:500")
    r = http_get(w, "/old")
    assert r.status == 200 and app_vars(r)["PATH_INFO"] == "/vars"
    assert http_get(w, "/vars").status == 500


def test_setpathinfo(app):
    w = app("--route", "^/sp/(.*)$ setpathinfo:/vars", "--route", "^/vars$ addheader:X-P: $0")
    r = http_get(w, "/sp/zz")
    assert app_vars(r)["PATH_INFO"] == "/vars" and r.header("X-P") == "/vars"


def test_addvar_adds_and_replaces(app):
    w = app("--route-run", "addvar:MY_VAR=${REQUEST_METHOD}-x",
            "--route-run", "addvar:SERVER_NAME=routed.example")
    v = app_vars(http_get(w, "/vars"))
    assert v["MY_VAR"] == "GET-x" and v["SERVER_NAME"] == "routed.example"


def test_basicauth_user_password(app):
    import base64
    w = app("--route", "^/vars$ basicauth:My Realm,alice:s3cret")
    r = http_get(w, "/vars")
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Basic realm="My Realm"'
    bad = base64.b64encode(b"alice:wrong").decode()
    assert http_get(w, "/vars", headers=[("Authorization", "Basic " + bad)]).status == 401
    good = base64.b64encode(b"alice:s3cret").decode()
    r = http_get(w, "/vars", headers=[("Authorization", "Basic " + good)])
    assert r.status == 200 and app_vars(r)["REMOTE_USER"] == "alice"
    assert http_get(w, "/hello").status == 200


def crypt(password, salt):
    lib = ctypes.CDLL("libcrypt.so.1")
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    return lib.crypt(password.encode(), salt.encode()).decode()


def test_basicauth_htpasswd_file(app, tmp_path):
    import base64
    htpasswd = tmp_path / "htpasswd"
    htpasswd.write_text("bob:%s\ncarol:%s\n" % (crypt("pw1", "$6$saltsalt$"),
                                                 crypt("pw2", "$1$abc$")))
    w = app("--route", "^/vars$ basicauth:files,%s" % htpasswd)
    for user, pw, code in [("bob", "pw1", 200), ("carol", "pw2", 200), ("bob", "pw2", 401),
                           ("dave", "pw1", 401)]:
        auth = base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()
        r = http_get(w, "/vars", headers=[("Authorization", "Basic " + auth)])
        assert r.status == code, (user, pw)
        if code == 200:
            assert app_vars(r)["REMOTE_USER"] == user


def test_chunked(app):
    w = app("--route", "^/hello$ chunked:")
    s = w.connect()
    s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    raw = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        raw += d
    s.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head and b"Content-Length" not in head
    assert body == b"d\r\nHello, World!\r\n0\r\n\r\n"
    # HTTP/1.0 cannot: the length stays
    s = w.connect()
    s.sendall(b"GET /hello HTTP/1.0\r\n\r\n")
    raw = s.recv(65536)
    s.close()
    assert b"Content-Length: 13" in raw and b"chunked" not in raw


@pytest.mark.parametrize("action", ["last:", "continue:"])
def test_last_and_continue_go_to_the_app(app, action):
    w = app("--route", "^/hello$ " + action, "--route-run", "return:503")
    assert http_get(w, "/hello").status == 200
    assert http_get(w, "/vars").status == 503


def test_goto_and_labels(app):
    w = app("--route-if", "equal:${qs[jump]};1 goto:skip",
            "--route-run", "addheader:X-Not-Skipped: 1",
            "--route-label", "skip",
            "--route-run", "addheader:X-After: 1")
    r = http_get(w, "/hello?jump=1")
    assert r.header("X-After") == "1" and r.header("X-Not-Skipped") is None
    r = http_get(w, "/hello")
    assert r.header("X-After") == "1" and r.header("X-Not-Skipped") == "1"


def test_a_goto_loop_is_stopped_with_500(app):
    w = app("--route-label", "top", "--route", "^/loop$ goto:top",
            allow_errors=[r"GET /loop: route '\^/loop\$ goto:top': 1000 jumps: the rules loop"])
    assert http_get(w, "/loop").status == 500
    w.wait_log(r"1000 jumps: the rules loop; the request is stopped")
    assert http_get(w, "/hello").status == 200


# ------------------------------------------------------------ conditions

def cond_cases(tmp):
    f = tmp / "afile"
    f.write_text("x")
    d = tmp / "adir"
    d.mkdir()
    return [
        # condition, value that holds, value that does not
        ("empty:${qs[v]}", None, "x"),
        ("equal:${qs[v]};abc", "abc", "abcd"),
        ("startswith:${qs[v]};ab", "abz", "zab"),
        ("endswith:${qs[v]};bc", "zbc", "bcz"),
        ("regexp:${qs[v]};^a.c$", "abc", "abbc"),
        ("re:${qs[v]};^[0-9]+$", "123", "12a"),
        ("contains:${qs[v]};needle", "hayneedlehay", "hay"),
        ("isfile:${qs[v]}", str(f), str(d)),
        ("isdir:${qs[v]}", str(d), str(f)),
        ("ishigher:${qs[v]};10", "11", "10"),
        ("islower:${qs[v]};10", "9", "10"),
    ]


@pytest.mark.parametrize("index", range(11))
def test_each_condition(app, tmp_path, index):
    cond, yes, no = cond_cases(tmp_path)[index]
    w = app("--route-if", cond + " addheader:X-Hit: yes",
            "--route-if-not", cond + " addheader:X-Miss: yes")
    q = "/hello" if yes is None else "/hello?v=" + yes
    r = http_get(w, q)
    assert (r.header("X-Hit"), r.header("X-Miss")) == ("yes", None), cond
    r = http_get(w, "/hello?v=" + no)
    assert (r.header("X-Hit"), r.header("X-Miss")) == (None, "yes"), cond


def test_regexp_captures_in_route_and_route_if(app):
    w = app("--route", r"^/(h)(e)llo$ addheader:X-Route: $2$1-$0-[$9]",
            "--route-if", r"regexp:${HTTP_X_NAME};^(\w+)@(\w+)$ addheader:X-User: $1 at $2")
    r = http_get(w, "/hello", headers=[("X-Name", "ann@host")])
    assert r.header("X-Route") == "eh-/hello-[]"
    assert r.header("X-User") == "ann at host"


# ------------------------------------------------------------ variables

def test_request_variables(app):
    w = app("--route-run",
            "addheader:X-V: ${REQUEST_METHOD}|${REQUEST_URI}|${PATH_INFO}|${QUERY_STRING}"
            "|${REMOTE_ADDR}|${HTTP_X_TEST}|${CONTENT_LENGTH}|${NO_SUCH_VAR}|$5")
    r = http_get(w, "/echo?a=1", method="POST", body=b"abc", headers=[("X-Test", "t t")])
    assert r.header("X-V") == "POST|/echo?a=1|/echo|a=1|127.0.0.1|t t|3||"


def test_cookie_qs_and_httptime(app):
    w = app("--route-run", "addheader:X-C: ${cookie[sid]}/${cookie[none]}/${cookie[b]}",
            "--route-run", "addheader:X-Q: ${qs[b]}/${qs[a]}/${qs[zz]}",
            "--route-run", "addheader:Expires: ${httptime[3600]}",
            "--route-run", "addheader:X-Now: ${httptime[0]}")
    r = http_get(w, "/hello?a=1&b=two", headers=[("Cookie", "a=1; sid=xyz; b=2")])
    assert r.header("X-C") == "xyz//2"
    assert r.header("X-Q") == "two/1/"
    expires = email.utils.parsedate_to_datetime(r.header("Expires")).timestamp()
    now = email.utils.parsedate_to_datetime(r.header("X-Now")).timestamp()
    assert expires - now == 3600 and abs(now - time.time()) < 60
    assert r.header("Expires").endswith(" GMT")


def test_routes_over_the_uwsgi_protocol(weft):
    w = weft("--plugin", TESTAPP, "--route", "^/r$ redirect:/elsewhere", http=False)
    r = uwsgi_request(w, "/r")
    assert r.status == 302 and r.header("Location") == "/elsewhere"


def test_routes_from_a_uwsgi_ini_file(app, tmp_path):
    ini = tmp_path / "app.ini"
    ini.write_text("[uwsgi]\n"
                   "route = ^/healthz$ donotlog:\n"
                   "route = ^/healthz$ return:200\n"
                   "route-if = ishigher:${CONTENT_LENGTH};15000000 break:413\n")
    w = app("--ini", str(ini))
    assert http_get(w, "/healthz").status == 200
    s = w.connect()
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n"
              b"Connection: close\r\n\r\n")
    s.sendall(b"x" * 65536)
    assert s.recv(100).startswith(b"HTTP/1.1 413")
    s.close()
    assert http_get(w, "/hello").status == 200
    w.assert_not_logged(r'"GET /healthz ', after=r'"GET /hello HTTP/1.1" 200')


# ------------------------------------------------------------ start-up

@pytest.mark.parametrize("opt,value,says", [
    ("--route", "^(/x last:", "bad regexp '^(/x'"),
    ("--route-if", "regexp:${PATH_INFO};(( last:", "bad regexp '(('"),
    ("--route-run", "goto:nowhere", "goto: no --route-label nowhere"),
    ("--route-if", "equal:a last:", "equal: needs two operands"),
    ("--route-run", "break:abc", "break: needs a status code"),
    ("--route-run", "return:", "return: needs a status code"),
    ("--route", "^/x", "needs a regexp and an action"),
    ("--route-run", "addheader:NoColon", "addheader: needs 'Name: value'"),
    ("--route-run", "basicauth:norealm", "basicauth: needs"),
])
def test_a_bad_rule_is_refused_at_start_up(opt, value, says):
    p = run(["--plugin", TESTAPP, "--http-socket", "127.0.0.1:0", opt, value], timeout=20)
    assert p.returncode != 0
    out = p.stdout + p.stderr
    assert says in out and value in out, out


UNSUPPORTED = [
    ("--route", "^/x frobnicate:1", "unsupported route action 'frobnicate'"),
    ("--route", "^/x cache:foo", "unsupported route action 'cache'"),
    ("--route-if", "wat:a;b last:", "unsupported route condition 'wat'"),
    ("--route-if-not", "isnotafile:a last:", "unsupported route condition 'isnotafile'"),
]


@pytest.mark.parametrize("opt,value,says", UNSUPPORTED)
def test_an_action_or_condition_weft_lacks_is_a_warning(weft, opt, value, says):
    # As for a uWSGI option weft does not honour: the file still starts.
    w = weft("--plugin", TESTAPP, opt, value, "--route", "^/gone$ return:410")
    w.wait_log(r"WARN --%s \"%s\": %s.*: the rule is left out \(an error under --strict\)"
               % (re.escape(opt[2:]), re.escape(value), re.escape(says)))
    assert http_get(w, "/gone").status == 410           # the other rules stand
    assert http_get(w, "/x").status != 500


@pytest.mark.parametrize("opt,value,says", UNSUPPORTED)
def test_an_action_or_condition_weft_lacks_is_refused_under_strict(opt, value, says):
    p = run(["--plugin", TESTAPP, "--http-socket", "127.0.0.1:0", "--strict", opt, value],
            timeout=20)
    assert p.returncode != 0
    out = p.stdout + p.stderr
    assert says in out and value in out, out


def test_check_config_checks_the_rules(tmp_path):
    ini = tmp_path / "app.ini"
    good = ("[uwsgi]\nhttp-socket = 127.0.0.1:0\n"
            "route = ^/healthz$ donotlog:\n"
            "route-if = ishigher:${CONTENT_LENGTH};15000000 break:413\n")
    ini.write_text(good)
    p = run(["--check-config", str(ini)])
    assert p.returncode == 0, p.stdout + p.stderr
    assert "ok: weft would start" in p.stdout
    ini.write_text(good + "route = ^/x cache:foo\n")
    p = run(["--check-config", str(ini)])
    assert p.returncode == 0, p.stdout + p.stderr           # a WARN, as in uWSGI's files
    assert "unsupported route action 'cache'" in p.stdout + p.stderr
    ini.write_text(good + "strict = true\nroute = ^/x cache:foo\n")
    p = run(["--check-config", str(ini)])
    assert p.returncode == 1
    assert "unsupported route action 'cache'" in p.stderr
    assert "weft would not start: a route rule is refused" in p.stderr
