"""nginx (Debian's nginx-light) in front of weft with uwsgi_pass, the way
uWSGI users deploy it: nginx's own uwsgi_params, unchanged."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

from weftlib import TEST_PLUGINS, free_port

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture
def nginx():
    procs = []

    def start(upstream_port):
        if not os.path.exists(NGINX):
            pytest.fail("nginx is not installed (apt-get install nginx-light)")
        d = tempfile.mkdtemp(prefix="weft-nginx-")
        os.chmod(d, 0o755)    # nginx's workers run as nobody and buffer bodies here
        port = free_port()
        params = "/etc/nginx/uwsgi_params"
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""
worker_processes 1;
daemon off;
error_log %(d)s/error.log;
pid %(d)s/nginx.pid;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path %(d)s/body;
  proxy_temp_path %(d)s/proxy;
  fastcgi_temp_path %(d)s/fastcgi;
  uwsgi_temp_path %(d)s/uwsgi;
  scgi_temp_path %(d)s/scgi;
  server {
    listen 127.0.0.1:%(port)d;
    location / {
      include %(params)s;
      uwsgi_pass 127.0.0.1:%(up)d;
    }
  }
}
""" % {"d": d, "port": port, "params": params, "up": upstream_port})
        p = subprocess.Popen([NGINX, "-c", conf, "-p", d], stdout=subprocess.DEVNULL,
                             stderr=subprocess.STDOUT)
        procs.append((p, d))
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return port
            except OSError:
                time.sleep(0.05)
        pytest.fail("nginx did not start")

    yield start
    for p, d in procs:
        p.terminate()
        p.wait()
        shutil.rmtree(d, ignore_errors=True)


def get(port, path, data=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data)
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, dict(r.headers), r.read()


def test_nginx_uwsgi_pass(weft, nginx):
    w = weft("--plugin", TESTAPP, "--async", "10", "--ugreen", http=False)
    port = nginx(w.port)
    status, headers, body = get(port, "/hello")
    assert status == 200 and body == b"Hello, World!"
    status, headers, body = get(port, "/vars?x=%41")
    text = body.decode()
    assert "QUERY_STRING=x=%41\n" in text and "PATH_INFO=/vars\n" in text
    assert "REQUEST_METHOD=GET\n" in text and "HTTP_HOST=" in text
    data = os.urandom(100000)
    status, headers, body = get(port, "/echo", data=data)
    assert body == data
    status, headers, body = get(port, "/stream?n=100&size=100")
    assert body == b"x" * 10000
    t0 = time.time()
    assert get(port, "/sleep?s=0.3")[2] == b"slept"
    assert time.time() - t0 < 2
