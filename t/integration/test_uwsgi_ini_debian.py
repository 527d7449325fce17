"""A uWSGI ini file as a Debian user writes one, with the dialect (issue
14 items 1-4 together: the ini engineer's dialect and the opts engineer's
options): %d, a bare `master`, numbers with comments, chmod-socket = 664,
the options weft accepts because it already behaves so, `if-env` with
`print`.  It serves a Flask site over HTTP and over a unix socket."""
import os
import stat
import subprocess

import pytest

from weftlib import SRCDIR, free_port, http_get, wait_for
from test_uwsgi_ini_apps import uwsgi_get

SITES = os.path.join(SRCDIR, "t", "apps", "python", "uwsgi_opts")

INI = """\
# /etc/uwsgi/apps-available/flask_site.ini
[uwsgi]
plugins = python3
master
processes = 2
enable-threads = true
single-interpreter = true
thunder-lock = true
die-on-term = true
need-app = true

socket = %d/flask_site.sock
chmod-socket = 664
vacuum = true
http = 127.0.0.1:{port}

chdir = {sites}
module = flask_site:app
max-requests = 1000   # restart workers now and then
harakiri = 60
post-buffering = 8192

if-env = WEFT_TEST_DEBIAN
print = running under the test harness
env = FLASK_SETTINGS=test
else =
print = running in production
endif =
"""


def test_debian_style_ini_with_the_dialect(weft, tmp_path):
    r = subprocess.run(["/usr/bin/python3", "-c", "import flask"], capture_output=True)
    if r.returncode != 0:
        pytest.fail("flask is needed: apt-get install python3-flask")
    port = free_port()
    ini = tmp_path / "flask_site.ini"
    ini.write_text(INI.format(port=port, sites=SITES))
    w = weft(str(ini), port=port, add_socket=False, env={"WEFT_TEST_DEBIAN": "1"})
    sock = str(tmp_path / "flask_site.sock")
    wait_for(lambda: os.path.exists(sock), what="the unix socket")
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o664
    assert http_get(w, "/").body == b"flask says hello"
    assert uwsgi_get(sock, "/").body == b"flask says hello"
    w.assert_log_count(r"INFO running under the test harness", 1, after=r"worker 2 ready")
    w.assert_not_logged(r"running in production", after=r"worker 2 ready")
    assert w.stop() == 0
    assert not os.path.exists(sock)
