"""The Perl plugin's options (-I/--perl-include, --perl-local-lib,
--perl-module, --chdir, --perl-no-die-catch) and psgix.io."""
import os
import sys

from weftlib import SRCDIR

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "perl"))
import psgiclient as pc  # noqa: E402
from psgiclient import _needs_perl  # noqa: E402,F401

APP = pc.app("options_app.psgi")
DIES = [r"ERROR (GET /die: the app died|  )"]


def test_include_local_lib_and_module(weft):
    w = weft("--psgi", APP, "-I", pc.app("lib"), "--perl-local-lib", pc.app("locallib"),
             "--perl-module", "WeftTestHelper")
    assert pc.http(w, "GET", "/module").body == b"preloaded"
    assert pc.http(w, "GET", "/inc").body == b"WeftTestHelper,WeftLocalLib"


def test_without_them_nothing_is_found(weft):
    w = weft("--psgi", APP)
    assert pc.http(w, "GET", "/inc").body == b""
    assert pc.http(w, "GET", "/module").body == b"not loaded"


def test_a_missing_module_stops_weft():
    from weftlib import run
    p = run(["--http-socket", "127.0.0.1:0", "--psgi", APP, "--perl-module", "No::Such::Module"])
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    assert "--perl-module No::Such::Module failed: Can't locate No/Such/Module.pm" in out, out


def test_chdir_and_a_relative_psgi(weft):
    w = weft("--chdir", pc.HERE, "--psgi", "options_app.psgi")
    assert pc.http(w, "GET", "/cwd").body == os.path.realpath(pc.HERE).encode()


def test_die_is_logged_with_its_backtrace(weft):
    w = weft("--psgi", APP, allow_errors=DIES)
    assert pc.http(w, "GET", "/die").status == 500
    w.wait_log(r"ERROR GET /die: the app died: died in inner_die")
    w.wait_log(r"ERROR   \s*Weft::Sandbox::\S+::inner_die\(\) called at \S+options_app.psgi")
    assert pc.http(w, "GET", "/die-hook").body == b"hook set"


def test_no_die_catch_leaves_sig_die_alone(weft):
    w = weft("--psgi", APP, "--perl-no-die-catch", allow_errors=DIES)
    assert pc.http(w, "GET", "/die-hook").body == b"no hook"
    assert pc.http(w, "GET", "/die").status == 500
    w.wait_log(r"ERROR GET /die: the app died: died in inner_die")
    w.assert_not_logged(r"inner_die\(\) called at", after=r"the app died")


def test_end_blocks_run_when_the_worker_stops(weft, tmp_path):
    f = tmp_path / "end.txt"
    w = weft("--psgi", APP, env={"WEFT_TEST_END_FILE": str(f)})
    assert pc.http(w, "GET", "/cwd").status == 200
    w.stop()
    assert f.read_text().startswith("END ran in ")


def test_psgix_io_hands_the_connection_over(weft):
    w = weft("--psgi", APP)
    out = pc.raw(w, b"GET /io HTTP/1.1\r\nHost: t\r\n\r\n")
    assert out == b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\nraw from fd"
    assert pc.http(w, "GET", "/cwd").status == 200
