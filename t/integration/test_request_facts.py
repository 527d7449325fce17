"""The request facts the core derives once for every language: the URL
scheme, SERVER_NAME/SERVER_PORT (from Host, the frontend's variables, or the
socket), the SCRIPT_NAME/PATH_INFO split of a mount point (--script-name,
$SCRIPT_NAME, --manage-script-name), and no HTTP_PROXY for anyone (httpoxy).
Each is checked through a WSGI app and a CGI script, over HTTP and over the
uwsgi protocol."""
import json
import os

import pytest

from weftlib import Reader, SRCDIR, plugin_available, uwsgi_packet

CGI_APPS = os.path.realpath(os.path.join(SRCDIR, "t", "apps", "cgi"))
KEYS = ("SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "PATH_INFO", "HTTPS", "HTTP_PROXY",
        "REQUEST_SCHEME", "wsgi.url_scheme")

WSGI_APP = """
import json
KEYS = %r
def application(env, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({k: env[k] for k in KEYS if k in env}).encode()]
""" % (KEYS,)

LANGS = [
    pytest.param("wsgi", marks=pytest.mark.skipif(not plugin_available("python"),
                                                  reason="python.so is not built")),
    pytest.param("cgi", marks=pytest.mark.skipif(not plugin_available("cgi"),
                                                 reason="cgi.so is not built")),
]


@pytest.fixture
def serve(weft, tmp_path):
    """serve(lang, *options, http=True): a weft serving the facts app."""
    app = tmp_path / "facts_app.py"
    app.write_text(WSGI_APP)

    def start(lang, *args, **kw):
        if lang == "wsgi":
            return weft("--plugin", "python", "--wsgi-file", str(app), *args, **kw)
        return weft("--plugin", "cgi", "--cgi", CGI_APPS, *args, **kw)
    return start


def target(lang, path):
    """The URL path that reaches the app: CGI runs env.sh with path as its
    PATH_INFO."""
    return path if lang == "wsgi" else "/env.sh" + path


def parse(lang, body):
    if lang == "wsgi":
        return json.loads(body)
    env = {}
    for line in body.decode("latin-1").splitlines():
        k, sep, v = line.partition("=")
        if sep and k in KEYS:
            env[k] = v
    # The CGI way to say the scheme: both variables, and they agree.
    env["wsgi.url_scheme"] = env["REQUEST_SCHEME"]
    assert env.get("HTTPS") == ("on" if env["REQUEST_SCHEME"] == "https" else None), env
    return env


def http(w, lang, path, headers=("Host: localhost",), version="HTTP/1.1", url=None):
    """GET path (or the request target url, as it is) over HTTP."""
    s = w.connect()
    try:
        head = "GET %s %s\r\n%sConnection: close\r\n\r\n" % (
            url or target(lang, path), version, "".join(h + "\r\n" for h in headers))
        s.sendall(head.encode("latin-1"))
        r = Reader(s).read()
    finally:
        s.close()
    assert r.status == 200, (r.status, r.body)
    return parse(lang, r.body)


def uwsgi(w, lang, path, **variables):
    """A request as nginx's uwsgi_params sends it; a variable set to None is
    left out."""
    v = {"REQUEST_METHOD": "GET", "REQUEST_URI": path, "PATH_INFO": target(lang, path),
         "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "localhost",
         "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "1234",
         "HTTP_HOST": "localhost"}
    v.update(variables)
    v = {k: val for k, val in v.items() if val is not None}
    s = w.connect()
    try:
        s.sendall(uwsgi_packet(v))
        r = Reader(s).read()
    finally:
        s.close()
    assert r.status == 200, (r.status, r.body)
    return parse(lang, r.body)


def name_port(env):
    return env["SERVER_NAME"], env["SERVER_PORT"]


# ------------------------------------------------------------ name and port

@pytest.mark.parametrize("lang", LANGS)
def test_server_name_and_port_from_host(serve, lang):
    w = serve(lang)
    port = str(w.port)
    assert name_port(http(w, lang, "/", ["Host: example.org:8081"])) == ("example.org", "8081")
    # A Host without a port: the port the connection came to.
    assert name_port(http(w, lang, "/", ["Host: example.org"])) == ("example.org", port)
    # An IPv6 literal keeps its brackets, as in a URL.
    assert name_port(http(w, lang, "/", ["Host: [::1]:8082"])) == ("[::1]", "8082")
    assert name_port(http(w, lang, "/", ["Host: [2001:db8::7]"])) == ("[2001:db8::7]", port)
    # An absolute-form target's authority wins over Host (RFC 9112 3.2.2).
    env = http(w, lang, None, ["Host: ignored.example"],
               url="http://abs.example:99" + target(lang, "/"))
    assert name_port(env) == ("abs.example", "99")
    env = http(w, lang, None, ["Host: ignored.example"],
               url="http://[::2]:98" + target(lang, "/"))
    assert name_port(env) == ("[::2]", "98")
    # HTTP/1.0 without Host: the socket's address and port.
    assert name_port(http(w, lang, "/", [], version="HTTP/1.0")) == ("127.0.0.1", port)
    assert http(w, lang, "/")["wsgi.url_scheme"] == "http"


@pytest.mark.parametrize("lang", LANGS)
def test_a_host_that_is_not_an_authority_is_400(serve, lang):
    w = serve(lang)
    for host in ("x:abc", "x:123456", "[::1", "[::1]x"):
        s = w.connect()
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                   % (target(lang, "/"), host)).encode())
        r = Reader(s).read()
        s.close()
        assert r.status == 400, (host, r.status, r.body)


@pytest.mark.parametrize("lang", LANGS)
def test_server_name_and_port_over_uwsgi(serve, lang):
    w = serve(lang, http=False)
    # nginx's SERVER_NAME/SERVER_PORT are the truth.
    env = uwsgi(w, lang, "/", SERVER_NAME="nginx.example", SERVER_PORT="8443",
                HTTP_HOST="other.example:1")
    assert name_port(env) == ("nginx.example", "8443")
    # Without them: the frontend's Host, then the socket.
    env = uwsgi(w, lang, "/", SERVER_NAME=None, SERVER_PORT=None, HTTP_HOST="h.example:8000")
    assert name_port(env) == ("h.example", "8000")
    env = uwsgi(w, lang, "/", SERVER_NAME="", SERVER_PORT=None, HTTP_HOST="[::1]:8001")
    assert name_port(env) == ("[::1]", "8001")
    env = uwsgi(w, lang, "/", SERVER_NAME=None, SERVER_PORT=None, HTTP_HOST=None)
    assert name_port(env) == ("127.0.0.1", str(w.port))


# ------------------------------------------------------------ the scheme

@pytest.mark.parametrize("lang", LANGS)
def test_url_scheme_over_uwsgi(serve, lang):
    w = serve(lang, http=False)
    assert uwsgi(w, lang, "/")["wsgi.url_scheme"] == "http"
    assert uwsgi(w, lang, "/", HTTPS="on")["wsgi.url_scheme"] == "https"
    assert uwsgi(w, lang, "/", HTTPS="1")["wsgi.url_scheme"] == "https"
    assert uwsgi(w, lang, "/", REQUEST_SCHEME="https")["wsgi.url_scheme"] == "https"
    assert uwsgi(w, lang, "/", UWSGI_SCHEME="https")["wsgi.url_scheme"] == "https"
    # UWSGI_SCHEME says it first; an odd word is no scheme.
    assert uwsgi(w, lang, "/", UWSGI_SCHEME="http", HTTPS="on")["wsgi.url_scheme"] == "http"
    assert uwsgi(w, lang, "/", REQUEST_SCHEME="gopher")["wsgi.url_scheme"] == "http"


# ------------------------------------------------------------ the mount point

def split(env):
    return env["SCRIPT_NAME"], env["PATH_INFO"]


def cgi_split(lang, script_name, path_info):
    """What the app sees: CGI adds the script's own name to SCRIPT_NAME."""
    if lang == "wsgi":
        return script_name, path_info
    return script_name + "/env.sh", path_info


def mounted(lang, prefix, path):
    """The URL of path under mount prefix: CGI's script comes after it."""
    return prefix + target(lang, path)


@pytest.mark.parametrize("lang", LANGS)
def test_script_name_option(serve, lang):
    w = serve(lang, "--script-name", "/app/")

    def at(prefix, path):
        return split(http(w, lang, None, url=mounted(lang, prefix, path)))
    assert at("/app", "/x/y") == cgi_split(lang, "/app", "/x/y")
    assert at("/app", "/") == cgi_split(lang, "/app", "/")
    assert at("", "/other") == cgi_split(lang, "", "/other")     # not under it
    if lang == "wsgi":
        assert split(http(w, lang, "/app")) == ("/app", "")
        assert split(http(w, lang, "/application/x")) == ("", "/application/x")
    # The same over the uwsgi protocol when nginx sends the whole path.
    w = serve(lang, "--script-name", "/app", http=False)
    env = uwsgi(w, lang, "/app/x", PATH_INFO=mounted(lang, "/app", "/x"))
    assert split(env) == cgi_split(lang, "/app", "/x")


@pytest.mark.parametrize("lang", LANGS)
def test_script_name_from_the_environment(serve, lang):
    # gunicorn's way: SCRIPT_NAME in weft's environment.
    w = serve(lang, env={"SCRIPT_NAME": "/gun"})
    env = http(w, lang, None, url=mounted(lang, "/gun", "/x"))
    assert split(env) == cgi_split(lang, "/gun", "/x")
    env = http(w, lang, None, url=mounted(lang, "", "/x"))
    assert split(env) == cgi_split(lang, "", "/x")


@pytest.mark.parametrize("lang", LANGS)
def test_manage_script_name(serve, lang):
    # nginx: uwsgi_param SCRIPT_NAME /app; PATH_INFO is the whole $document_uri.
    w = serve(lang, "--manage-script-name", http=False)
    env = uwsgi(w, lang, "/app/x", SCRIPT_NAME="/app", PATH_INFO="/app" + target(lang, "/x"))
    assert split(env) == cgi_split(lang, "/app", "/x")
    # A PATH_INFO already split by the frontend is left alone.
    env = uwsgi(w, lang, "/app/x", SCRIPT_NAME="/app/", PATH_INFO=target(lang, "/x"))
    assert split(env) == cgi_split(lang, "/app", "/x")
    # Without the option the frontend's split is taken as it is.
    w = serve(lang, http=False)
    env = uwsgi(w, lang, "/mnt/x", SCRIPT_NAME="/mnt", PATH_INFO=target(lang, "/x"))
    assert split(env) == cgi_split(lang, "/mnt", "/x")


def test_bad_script_name_is_an_option_error(weft):
    from weftlib import run
    r = run(["--http-socket", "127.0.0.1:1", "--script-name", "app"])
    assert r.returncode != 0 and "'app' is not a URL path" in r.stderr, r.stderr


# ------------------------------------------------------------ httpoxy

@pytest.mark.parametrize("lang", LANGS)
def test_no_http_proxy_for_any_language(serve, lang):
    w = serve(lang)
    env = http(w, lang, "/", ["Host: h", "Proxy: http://evil.example:3128"])
    assert "HTTP_PROXY" not in env
    w = serve(lang, http=False)
    env = uwsgi(w, lang, "/", HTTP_PROXY="http://evil.example:3128")
    assert "HTTP_PROXY" not in env


def test_static_maps_match_the_whole_path(weft, tmp_path):
    # --static-map is in URL space, as in uWSGI: the mount point is part of
    # the path it matches.
    from weftlib import TEST_PLUGINS, http_get
    testapp = os.path.join(TEST_PLUGINS, "testapp.so")
    if not os.path.exists(testapp):
        pytest.skip("testapp.so is not built")
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "f.txt").write_bytes(b"file")
    w = weft("--plugin", testapp, "--script-name", "/app",
             "--static-map", "/app/static=%s" % (tmp_path / "s"))
    assert http_get(w, "/app/static/f.txt").body == b"file"
    assert http_get(w, "/static/f.txt").body == b"no such test"


NGINX_CONF = """
worker_processes 1;
daemon off;
error_log %(d)s/error.log;
pid %(d)s/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %(d)s/body;
  proxy_temp_path %(d)s/proxy;
  fastcgi_temp_path %(d)s/fastcgi;
  uwsgi_temp_path %(d)s/uwsgi;
  scgi_temp_path %(d)s/scgi;
  server {
    listen 127.0.0.1:%(port)d;
    server_name facts.example;
    location /app {
      include /etc/nginx/uwsgi_params;
      uwsgi_param SCRIPT_NAME /app;
      uwsgi_pass 127.0.0.1:%(up)d;
    }
    location / {
      include /etc/nginx/uwsgi_params;
      uwsgi_pass 127.0.0.1:%(up)d;
    }
  }
}
"""


@pytest.mark.skipif(not plugin_available("python"), reason="python.so is not built")
def test_behind_nginx_with_manage_script_name(serve, tmp_path):
    # The uWSGI way, with nginx's own uwsgi_params: SCRIPT_NAME set in the
    # location, PATH_INFO the whole $document_uri, --manage-script-name.
    import shutil
    import socket
    import subprocess
    import time
    import urllib.request
    from weftlib import free_port
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        pytest.fail("nginx is not installed (apt-get install nginx-light)")
    w = serve("wsgi", "--manage-script-name", http=False)
    d = tmp_path / "nginx"
    d.mkdir()
    os.chmod(str(tmp_path), 0o755)
    os.chmod(str(d), 0o755)
    port = free_port()
    (d / "nginx.conf").write_text(NGINX_CONF % {"d": d, "port": port, "up": w.port})
    p = subprocess.Popen([nginx, "-c", str(d / "nginx.conf"), "-p", str(d)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.time() < deadline, "nginx did not start"
                time.sleep(0.05)

        def env(path):
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path),
                                        timeout=10) as r:
                return json.loads(r.read())
        e = env("/app/x/y")
        assert split(e) == ("/app", "/x/y")
        assert name_port(e) == ("facts.example", str(port))
        assert e["wsgi.url_scheme"] == "http" and "HTTP_PROXY" not in e
        assert split(env("/app")) == ("/app", "")
        assert split(env("/other")) == ("", "/other")
        req = urllib.request.Request("http://127.0.0.1:%d/app/" % port,
                                     headers={"Proxy": "http://evil.example"})
        with urllib.request.urlopen(req, timeout=10) as r:
            e = json.loads(r.read())
        assert split(e) == ("/app", "/") and "HTTP_PROXY" not in e
    finally:
        p.terminate()
        p.wait()
