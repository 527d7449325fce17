"""--ini files: the same keys as the command line, [weft] or [uwsgi],
repeated keys, plugin options loading their plugin, and errors that name
the file and the line."""
import os
import subprocess

import pytest

from weftlib import TEST_PLUGINS, WEFT_BIN, http_get, plugin_available

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")


def write(tmp_path, text, name="app.ini"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def run(*args):
    return subprocess.run([WEFT_BIN] + list(args), capture_output=True, text=True, timeout=20)


def test_every_kind_of_value(weft, tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    (www / "f.txt").write_text("from ini")
    ini = write(tmp_path, """
; a comment
[other]
async = 999

[weft]
plugin = %s
# flags, strings, lists (repeated), ints, doubles, sizes, callbacks
master = true
disable_logging = false
processes = 2
static-map = /a=%s
static-map = /b=%s
socket-timeout = 2.5
buffer-size = 8k
log-format = json
async = 4
""" % (TESTAPP, www, www) + ("ugreen = true\nugreen-stacksize = 64\n" if plugin_available("ugreen") else ""))
    w = weft("--ini", ini)
    assert http_get(w, "/a/f.txt").body == b"from ini"
    assert http_get(w, "/b/f.txt").body == b"from ini"
    assert http_get(w, "/ids").status == 200
    w.wait_text("master (pid")
    w.wait_text("starting 2 workers")
    w.wait_text("4 cores")
    w.wait_log(r'"uri":"/a/f.txt"')                       # json access lines


def test_uwsgi_section_and_positional_ini(weft, tmp_path):
    ini = write(tmp_path, "[uwsgi]\nplugin = %s\nhttp-socket = 127.0.0.1:PORT\n" % TESTAPP)
    from weftlib import free_port
    port = free_port()
    with open(ini, "w") as f:
        f.write("[uwsgi]\nplugin = %s\nhttp-socket = 127.0.0.1:%d\n" % (TESTAPP, port))
    w = weft(ini, port=port, add_socket=False)   # "weft app.ini", as "uwsgi app.ini"
    assert http_get(w, "/hello").body == b"Hello, World!"


def test_named_section(weft, tmp_path):
    ini = write(tmp_path, "[weft]\nasync = 1\n[prod]\nplugin = %s\nasync = 7\n" % TESTAPP)
    w = weft("--ini", ini + ":prod")
    w.wait_text("7 cores")


def test_command_line_and_ini_mix_in_order(weft, tmp_path):
    ini = write(tmp_path, "[weft]\nasync = 3\n")
    w = weft("--plugin", TESTAPP, "--ini", ini, "--async", "5")
    w.wait_text("5 cores")


@pytest.mark.parametrize("text,message", [
    ("[weft]\nstrict = true\nno-such-key = 1\n", "app.ini:3: 'no-such-key' is not an option"),
    ("[weft]\n\nasync = lots\n", "app.ini:3: --async: 'lots' is not a whole number"),
    ("[weft]\nmax-requests = 10 restarts\n", "app.ini:2: --max-requests: '10 restarts' is not a whole number"),
    ("[weft]\nbuffer-size = 12q\n", "app.ini:2: --buffer-size: '12q' is not a size"),
    ("[weft]\njust some words\n", "app.ini:2: not an ini line"),
    ("[weft]\nhttp-socket =\n", "app.ini:2: --http-socket needs a value"),
    ("[weft]\nplugin = /no/such/plugin.so\n", "app.ini:2: --plugin: cannot load /no/such/plugin.so"),
])
def test_broken_ini_names_file_and_line(tmp_path, text, message):
    ini = write(tmp_path, text)
    r = run("--ini", ini)
    assert r.returncode == 2
    assert message in r.stderr, r.stderr


def test_missing_ini_file(tmp_path):
    r = run("--ini", str(tmp_path / "nope.ini"))
    assert r.returncode == 2 and "cannot read" in r.stderr and "nope.ini" in r.stderr


def test_empty_named_section_is_an_error(tmp_path):
    ini = write(tmp_path, "[weft]\nasync = 2\n")
    r = run("--ini", ini + ":missing")
    assert r.returncode == 2 and "no options in section [missing]" in r.stderr


def test_ini_includes_ini(weft, tmp_path):
    inner = write(tmp_path, "[weft]\nasync = 6\n", "inner.ini")
    outer = write(tmp_path, "[weft]\nplugin = %s\nini = %s\n" % (TESTAPP, inner), "outer.ini")
    w = weft("--ini", outer)
    w.wait_text("6 cores")


def test_ini_including_itself_stops(tmp_path):
    p = tmp_path / "loop.ini"
    p.write_text("[weft]\nini = %s\n" % p)
    r = run("--ini", str(p))
    assert r.returncode == 2 and "more than 8 deep" in r.stderr
