"""uWSGI's ini dialect in the real weft: magic variables, $(ENV),
%(placeholders), %(expr), if-env/else/endif, for, ini = :section, --set,
@(file), bare keys, CRLF, numbers with comments; unknown keys kept as
placeholders with one WARN line; strict making them errors.  Each file is
both shown with --show-config and served."""
import os
import subprocess

from weftlib import SRCDIR, TEST_PLUGINS, WEFT_BIN, free_port, http_get

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")


def run(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([WEFT_BIN] + list(args), capture_output=True, text=True,
                          timeout=20, env=e)


def shown(r):
    """The name = value lines of --show-config."""
    return [l for l in r.stdout.splitlines() if " = " in l and not l.startswith(("/", "command"))
            and ": " not in l.split(" = ")[0]]


DIALECT = """\
[app:main]
use = egg:myapp
async = 999

[uwsgi]
; %k is expanded in comments too: %(nothing
plugin = {testapp}
base = %d
http-socket = 127.0.0.1:$(WEFT_T_PORT)
async = %(%k + 1)
if-env = WEFT_T_MODE
static-index = %(_).html
else =
static-index = no-mode.html
endif =
for = a b
static-map = /%(_)=%(base)www_%(_)
endfor =
buffer-size = $(WEFT_T_UNSET:-32k)
ini = :extra

[extra]
max-headers = 50

[loggers]
keys = root
"""


def dialect_file(tmp_path):
    for d in ("a", "b"):
        (tmp_path / ("www_" + d)).mkdir()
        (tmp_path / ("www_" + d) / "f.txt").write_text("from " + d)
    p = tmp_path / "app.ini"
    p.write_text(DIALECT.format(testapp=TESTAPP))
    return str(p)


def test_show_config_after_expansion(tmp_path):
    ini = dialect_file(tmp_path)
    port = free_port()
    cores = os.cpu_count()
    r = run("--check-config", ini, "--show-config",
            env={"WEFT_T_PORT": str(port), "WEFT_T_MODE": "on"})
    assert r.returncode == 0, r.stderr
    base = str(tmp_path) + "/"
    assert shown(r) == [
        "plugin = " + TESTAPP,
        "base = " + base,
        "http-socket = 127.0.0.1:%d" % port,
        "async = %d" % (cores + 1),
        "static-index = on.html",
        "static-map = /a=%swww_a" % base,
        "static-map = /b=%swww_b" % base,
        "buffer-size = 32k",
        "max-headers = 50",
    ], r.stdout
    # the other branch of if-env
    r = run("--check-config", ini, "--show-config", env={"WEFT_T_PORT": str(port)})
    assert "static-index = no-mode.html" in r.stdout.splitlines(), r.stdout


def test_the_dialect_file_serves(weft, tmp_path):
    ini = dialect_file(tmp_path)
    port = free_port()
    w = weft(ini, port=port, add_socket=False,
             env={"WEFT_T_PORT": str(port), "WEFT_T_MODE": "on"})
    assert http_get(w, "/a/f.txt").body == b"from a"
    assert http_get(w, "/b/f.txt").body == b"from b"
    w.wait_text("%d cores" % (os.cpu_count() + 1))
    w.assert_not_logged(r"WARN .*not an option", after=r"cores")


def test_bare_keys_crlf_and_numbers_with_comments(weft, tmp_path):
    port = free_port()
    p = tmp_path / "crlf.ini"
    p.write_bytes(("[uwsgi]\r\nplugin = %s\r\nhttp-socket = 127.0.0.1:%d\r\nmaster\r\n"
                   "max-requests = 1000   # restart workers\r\nprocesses = 2 ; two\r\n"
                   "disable_logging = off\r\nchmod-socket = 664\r\n" % (TESTAPP, port)).encode())
    r = run("--check-config", str(p), "--show-config")
    assert r.returncode == 0, r.stderr
    lines = shown(r)
    assert "master = true" in lines and "max-requests = 1000" in lines, r.stdout
    assert "processes = 2" in lines and "disable-logging = false" in lines, r.stdout
    assert "chmod-socket = 664" in lines, r.stdout     # an octal mode, not a boolean
    w = weft(str(p), port=port, add_socket=False)
    assert http_get(w, "/hello").body == b"Hello, World!"
    w.wait_text("starting 2 workers")


def test_set_on_the_command_line_and_file_contents(weft, tmp_path):
    port = free_port()
    (tmp_path / "addr.txt").write_text("127.0.0.1:%d\n" % port)
    p = tmp_path / "app.ini"
    p.write_text("[uwsgi]\nplugin = %s\nhttp-socket = @(%%daddr.txt)\nasync = %%(n * 3)\n"
                 % TESTAPP)
    w = weft("--set", "n=2", "--ini", str(p), port=port, add_socket=False)
    assert http_get(w, "/hello").status == 200
    w.wait_text("6 cores")


def test_section_on_the_command_line(weft, tmp_path):
    port = free_port()
    p = tmp_path / "app.ini"
    p.write_text("[uwsgi]\nasync = 1\n[prod]\nplugin = %s\nhttp-socket = 127.0.0.1:%d\n"
                 "async = 4\n" % (TESTAPP, port))
    w = weft(str(p) + ":prod", port=port, add_socket=False)
    w.wait_text("4 cores")


def test_unknown_keys_and_unhonoured_options_warn_once(weft, tmp_path):
    p = tmp_path / "app.ini"
    p.write_text("[uwsgi]\nplugin = %s\nmaster = true\nprocesess = 4\nmules = 4\n"
                 "enable-threads = true\ncarbon = 127.0.0.1:2003\n"
                 "pidfile2 = %s\n" % (TESTAPP, tmp_path / "pid"))
    w = weft("--ini", str(p))
    assert http_get(w, "/hello").status == 200
    ini = str(p)
    w.wait_log(r"WARN %s:4: 'procesess' is not an option; kept as a placeholder, as uWSGI does: a typo\?"
               % ini)
    w.wait_log(r"WARN %s:5: mules: a uWSGI option weft does not support" % ini)
    w.wait_log(r"WARN %s:7: carbon: a uWSGI option weft does not support" % ini)
    w.wait_log(r"%s:8: pidfile2: applied as --pidfile" % ini)
    w.assert_log_count(r"procesess", 1)
    w.assert_not_logged(r"enable-threads", after=r"procesess")
    assert (tmp_path / "pid").read_text().strip().isdigit()


def test_strict_makes_them_errors(tmp_path):
    p = tmp_path / "app.ini"
    for text, message in [
        ("[uwsgi]\nprocesess = 4\nstrict = true\n", "app.ini:2: 'procesess' is not an option"),
        ("[uwsgi]\nstrict\nmules = 4\n", "app.ini:3: mules: a uWSGI option weft does not support"),
    ]:
        p.write_text(text)
        r = run("--ini", str(p))
        assert r.returncode == 2 and message in r.stderr, r.stderr
    # accepted options and set-placeholder are fine under strict
    port = free_port()
    p.write_text("[uwsgi]\nstrict = true\nenable-threads = true\nset-placeholder = p=%d\n"
                 "http-socket = 127.0.0.1:%%(p)\nplugin = %s\n" % (port, TESTAPP))
    r = run("--check-config", str(p))
    assert r.returncode == 0, r.stderr
    r = run("--strict", "--check-config", str(p))
    assert r.returncode == 0, r.stderr


def test_real_world_dialect_errors_name_file_and_line(tmp_path):
    p = tmp_path / "app.ini"
    for text, message in [
        ("[uwsgi]\nif-env = PATH\nmaster = true\n", "app.ini:2: if-env without endif"),
        ("[uwsgi]\nendfor =\n", "app.ini:2: endfor without for"),
        ("[uwsgi]\nasync = %(3 / 0)\n", "app.ini:2: async: %(3 / 0): division by zero"),
        ("[uwsgi]\nini = nowhere.ini\n", "app.ini:2: ini = nowhere.ini: cannot read nowhere.ini"),
    ]:
        p.write_text(text)
        r = run("--ini", str(p))
        assert r.returncode == 2 and message in r.stderr, (text, r.stderr)


def test_uwsgi_options_on_the_command_line(weft):
    # uWSGI's quick start line: the options weft answers without its own
    w = weft("--plugin", TESTAPP, "--master", "--processes", "2", "--mules", "2",
             "--enable-threads", "--master-fifo=/tmp/weft-no-such.fifo")
    assert http_get(w, "/hello").status == 200
    w.wait_log(r"WARN command line: mules: a uWSGI option weft does not support")
    w.wait_log(r"WARN command line: master-fifo: a uWSGI option weft does not support")
    w.wait_text("starting 2 workers")
    r = run("--threads", "2", "--no-such-option")
    assert r.returncode == 2 and "unknown option --no-such-option" in r.stderr, r.stderr


def test_placeholders_first_value_and_forward_references(tmp_path):
    p = tmp_path / "app.ini"
    p.write_text("[uwsgi]\nhttp-socket = 127.0.0.1:%%(port)\nplugin = %s\nport = %d\n"
                 "port = 1\nname = first\nname = second\nstatic-index = %%(name).html\n"
                 % (TESTAPP, free_port()))
    r = run("--check-config", str(p), "--show-config")
    assert r.returncode == 0, r.stderr
    lines = shown(r)
    assert lines[0].startswith("http-socket = 127.0.0.1:") and not lines[0].endswith(":1"), lines
    assert "static-index = first.html" in lines, lines
