"""weft --check-config FILE: a real-world uWSGI file is read with its
includes and plugins, each option not applied exactly as uWSGI would gets a
FILE:LINE: OPTION: STATUS: line, nothing is bound, no directory changed,
no app loaded; exit 0 when weft would start, 1 with the reason when not;
deployment-only values get a note and do not fail."""
import os
import socket
import subprocess

from weftlib import SRCDIR, TEST_PLUGINS, WEFT_BIN, free_port, plugin_available

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")
APPS = os.path.join(SRCDIR, "t", "apps", "python")


def run(*args, cwd=None):
    return subprocess.run([WEFT_BIN] + list(args), capture_output=True, text=True,
                          timeout=30, cwd=cwd)


# A Flask-style deployment as a Debian user writes it: the app would fail
# to import, so a 0 exit also shows --check-config loads no app.
REAL_WORLD = """\
[uwsgi]
plugin = python
chdir = %d
pythonpath = {apps}
module = import_error:application
master = true
processes = %(%k + 1)
enable-threads = true
thunder-lock = true
threads = 2
http-socket = 127.0.0.1:{port}
socket = %dapp.sock
die-on-term = true
carbon = 127.0.0.1:2003
cheaper = 1
project = myapp
logto = %d%(project).log
max-requests = 1000   # restart workers
"""


def test_a_real_world_file_passes(tmp_path):
    assert plugin_available("python"), "python.so is not built (python3-dev)"
    port = free_port()
    ini = tmp_path / "myapp.ini"
    ini.write_text(REAL_WORLD.format(apps=APPS, port=port))
    r = run("--check-config", str(ini), cwd="/")
    assert r.returncode == 0, r.stdout + r.stderr
    f = str(ini)
    lines = r.stdout.splitlines()
    for want in [
        f + ":8: enable-threads: accepted: Python threads always run in weft",
        f + ":9: thunder-lock: accepted: weft has no accept lock to turn on: a worker that loses an accept goes back to its loop",
        f + ":13: die-on-term: accepted: SIGTERM stops weft (SIGHUP reloads it)",
        f + ":14: carbon: unsupported: ",
        f + ":16: project: placeholder: not an option; kept as a placeholder, used as %(project)",
        f + ":17: logto: note: not applied by --check-config",
        f + ": ok: weft would start with this configuration",
    ]:
        assert any(l.startswith(want) for l in lines), (want, r.stdout)
    assert not any(l.startswith(f + ":15: ") for l in lines), r.stdout   # cheaper: honoured
    assert not any(l.startswith(f + ":10: threads") for l in lines), r.stdout   # honoured
    # nothing bound, nothing written, no directory changed
    s = socket.socket()
    s.bind(("127.0.0.1", port))
    s.close()
    assert not (tmp_path / "app.sock").exists()
    assert not (tmp_path / "myapp.log").exists()
    assert "weft_no_such_module_here" not in r.stderr


def test_show_config_with_check_config(tmp_path):
    ini = tmp_path / "app.ini"
    ini.write_text("[uwsgi]\nplugin = %s\nname = demo\nhttp-socket = 127.0.0.1:%d\n"
                   "for = 1 2\nstatic-index = %%(name)%%(_).html\nendfor\n" % (TESTAPP, free_port()))
    r = run("--check-config", str(ini), "--show-config")
    assert r.returncode == 0, r.stderr
    assert "static-index = demo1.html\nstatic-index = demo2.html\n" in r.stdout, r.stdout


def test_deployment_only_values_are_notes(tmp_path):
    assert plugin_available("python"), "python.so is not built (python3-dev)"
    ini = tmp_path / "app.ini"
    ini.write_text("[uwsgi]\nplugin = %s\nhttp-socket = 127.0.0.1:%d\nchdir = /srv/nowhere/app\n"
                   "uid = weft-no-such-user\ngid = weft-no-such-group\n"
                   "socket = /run/nowhere/app.sock\npidfile = /run/nowhere/app.pid\n"
                   "wsgi-file = /srv/nowhere/app.py\n"
                   % (TESTAPP, free_port()))
    r = run("--check-config", str(ini))
    assert r.returncode == 0, r.stdout + r.stderr
    f = str(ini)
    for want in [":4: chdir: note: /srv/nowhere/app is not a directory on this machine",
                 ":5: uid: note: there is no user weft-no-such-user on this machine",
                 ":6: gid: note: there is no group weft-no-such-group on this machine",
                 ":7: socket: note: the directory of the UNIX socket /run/nowhere/app.sock",
                 ":8: pidfile: note: the directory of /run/nowhere/app.pid",
                 ":9: wsgi-file: note: there is no /srv/nowhere/app.py on this machine"]:
        assert f + want in r.stdout, (want, r.stdout)


def test_files_that_fail(tmp_path):
    port = free_port()
    cases = [
        ("[uwsgi]\nplugin = %s\nhttp-socket = :%d\nasync = lots\n" % (TESTAPP, port),
         "app.ini:4: --async: 'lots' is not a whole number"),
        ("[uwsgi]\nplugin = %s\nmaster = true\n" % TESTAPP, "nothing to listen on"),
        ("[uwsgi]\nstrict = true\nhttp-socket = :%d\nmules = 4\n" % port,
         "app.ini:4: mules: a uWSGI option weft does not support"),
        ("[uwsgi]\nhttp-socket = :%d\nini = missing.ini\n" % port, "cannot read missing.ini"),
        ("[uwsgi]\nhttp-socket = :%d\nif-exists = /\nmaster\n" % port, "if-exists without endif"),
        ("[uwsgi]\nhttp-socket = :%d\nplugin = /no/such/plugin.so\n" % port,
         "app.ini:3: --plugin: cannot load /no/such/plugin.so"),
    ]
    for text, message in cases:
        ini = tmp_path / "app.ini"
        ini.write_text(text)
        r = run("--check-config", str(ini))
        assert r.returncode == 1, (text, r.returncode, r.stdout, r.stderr)
        assert message in r.stderr, (text, r.stderr)


def test_missing_file(tmp_path):
    r = run("--check-config", str(tmp_path / "nope.ini"))
    assert r.returncode == 1 and "cannot read" in r.stderr
