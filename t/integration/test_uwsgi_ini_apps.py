"""A Flask and a Django app (Debian's python3-flask and python3-django),
each started from a uWSGI-style ini file as a Debian user writes one for
/etc/uwsgi/apps-available/, and served: over HTTP (`http =`) and over the
uwsgi protocol on a unix socket (`socket =`, as nginx's uwsgi_pass uses)."""
import importlib.util
import os
import socket
import subprocess

import pytest

from weftlib import SRCDIR, Reader, free_port, http_get, uwsgi_packet, wait_for

SITES = os.path.join(SRCDIR, "t", "apps", "python", "uwsgi_opts")


def need(module, package):
    r = subprocess.run(["/usr/bin/python3", "-c", "import " + module], capture_output=True)
    if r.returncode != 0:
        pytest.fail("%s is needed: apt-get install %s" % (module, package))


def uwsgi_get(path, target):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(uwsgi_packet({"REQUEST_METHOD": "GET", "REQUEST_URI": target,
                            "PATH_INFO": target, "QUERY_STRING": "",
                            "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "example.org",
                            "SERVER_PORT": "80", "REMOTE_ADDR": "192.0.2.1",
                            "HTTP_HOST": "example.org"}))
    try:
        return Reader(s).read()
    finally:
        s.close()


FLASK_INI = """\
# /etc/uwsgi/apps-available/flask_site.ini
[uwsgi]
plugins = python3
master = true
processes = 2
vacuum = true

# nginx talks to the socket; the http port is for health checks
socket = {run}/flask_site.sock
http = 127.0.0.1:{port}

chdir = {sites}
module = flask_site:app
env = FLASK_SETTINGS=production

post-buffering = 8192
harakiri = 30
max-requests = 5000
buffer-size = 32768
log-format = %(addr) - %(user) [%(ltime)] "%(method) %(uri) %(proto)" %(status) %(size) %(msecs)ms
"""

DJANGO_INI = """\
# /etc/uwsgi/apps-available/djsite.ini
[uwsgi]
plugin = python3
master = true
workers = 2
vacuum = true
pidfile = {run}/djsite.pid

socket = {run}/djsite.sock
http = 127.0.0.1:{port}

chdir = {sites}
module = djsite.wsgi:application
env = DJANGO_SETTINGS_MODULE=djsite.settings
env = SITE_NAME=example.org

max-requests = 1000
reload-mercy = 8
memory-report = false
"""


def start_site(weft, tmp_path, template, name):
    port = free_port()
    ini = tmp_path / (name + ".ini")
    ini.write_text(template.format(run=tmp_path, port=port, sites=SITES))
    w = weft(str(ini), port=port, add_socket=False)
    sock = str(tmp_path / (name + ".sock"))
    wait_for(lambda: os.path.exists(sock), what="the unix socket")
    return w, sock


def test_flask_site_from_a_debian_style_ini(weft, tmp_path):
    need("flask", "python3-flask")
    w, sock = start_site(weft, tmp_path, FLASK_INI, "flask_site")
    assert http_get(w, "/").body == b"flask says hello"
    r = http_get(w, "/echo", method="POST", body=b"z" * 20000)
    assert r.body == b"got 20000 bytes"
    r = uwsgi_get(sock, "/")
    assert r.status == 200 and r.body == b"flask says hello"
    w.wait_log(r'127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:[\d:]+ [+-]\d{4}\] "GET / HTTP/1\.1" '
               r'200 \d+ \d+ms')
    w.wait_log(r'192\.0\.2\.1 - - \[.*\] "GET / HTTP/1\.1" 200')
    w.wait_log(r"weft's workers speak HTTP themselves")
    assert w.stop() == 0
    assert not os.path.exists(sock)                         # vacuum


def test_django_site_from_a_debian_style_ini(weft, tmp_path):
    need("django", "python3-django")
    w, sock = start_site(weft, tmp_path, DJANGO_INI, "djsite")
    r = http_get(w, "/")
    assert r.status == 200, r.body
    assert r.body == b"django says hello to example.org"
    r = uwsgi_get(sock, "/")
    assert r.status == 200 and r.body == b"django says hello to example.org"
    pidfile = tmp_path / "djsite.pid"
    assert int(pidfile.read_text()) == w.proc.pid
    assert w.stop() == 0
    assert not os.path.exists(sock) and not pidfile.exists()
