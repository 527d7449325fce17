"""The weft command line: --version, --help, plugin loading and its errors.
Each bad input must exit non-zero with one clear line, never crash."""
import ctypes.util
import os
import re

import pytest

from weftlib import TEST_PLUGINS, run


def tp(name):
    return os.path.join(TEST_PLUGINS, name + ".so")


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[\d+\] (INFO|DEBUG) ")


def one_error_line(r):
    """The process failed cleanly with exactly one error line on stderr
    (plugins that did load may have logged their INFO lines before it)."""
    assert r.returncode > 0, (r.returncode, r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.strip() and not LOG_LINE.match(l)]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("weft: "), r.stderr
    return lines[0]


def test_version():
    r = run(["--version"])
    assert r.returncode == 0
    assert re.match(r"weft \d+\.\d+\.\d+ \(plugin ABI \d+\.\d+\)", r.stdout), r.stdout


def test_help_lists_core_and_installed_plugin_options():
    r = run(["--help", "--plugin-dir", TEST_PLUGINS])
    assert r.returncode == 0, r.stderr
    assert "--http-socket" in r.stdout and "--plugin" in r.stdout
    # testgood is installed in that directory: its options are listed
    assert "plugin testgood (installed" in r.stdout
    assert "-G, --test-greeting TEXT" in r.stdout
    # broken plugins in the same directory are passed over, not fatal
    assert "badmagic" not in r.stdout


def test_help_lists_the_real_plugins():
    r = run(["--help"])
    assert r.returncode == 0, r.stderr
    plugins = [f for f in os.listdir(os.environ["WEFT_PLUGIN_DIR"]) if f.endswith(".so")]
    for so in sorted(plugins):
        assert " %s (installed" % so[:-3] in r.stdout, r.stdout


def test_unknown_option():
    line = one_error_line(run(["--no-such-option", "1"]))
    assert "unknown option --no-such-option" in line


def test_stray_argument():
    line = one_error_line(run(["app.py"]))
    assert "unexpected argument 'app.py'" in line


def test_missing_plugin():
    line = one_error_line(run(["--plugin", "nosuchplugin"]))
    assert "plugin 'nosuchplugin' not found" in line
    assert "nosuchplugin.so" in line


def test_foreign_shared_library():
    libz = None
    for d in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"):
        if os.path.exists(os.path.join(d, "libz.so.1")):
            libz = os.path.join(d, "libz.so.1")
            break
    assert libz, "libz.so.1 not found (it comes with every Debian)"
    line = one_error_line(run(["--plugin", libz]))
    assert "is not a weft plugin" in line


@pytest.mark.parametrize("name,message", [
    ("badmagic", "is not a weft plugin: bad magic 0xdeadbeef"),
    ("majorplus", "majorplus.so: built for weft ABI 2.0, this weft speaks 1."),
    ("minornewer", "it needs a newer weft"),
    ("shortdesc", "shortdesc.so: descriptor is 12 bytes"),
    ("nodesc", "is not a weft plugin: it has no weft_plugin descriptor"),
])
def test_broken_plugins(name, message):
    line = one_error_line(run(["--plugin", tp(name)]))
    assert message in line


def test_plugin_given_twice():
    line = one_error_line(run(["--plugin", "%s,%s" % (tp("testgood"), tp("testgood"))]))
    assert "plugin 'testgood' is given twice" in line


def test_two_plugins_with_one_name():
    line = one_error_line(run(["--plugin", tp("testgood"), "--plugin", tp("dupname")]))
    assert "two plugins named 'testgood'" in line


def test_plugin_init_failure():
    r = run(["--plugin", tp("failinit")])
    assert r.returncode > 0
    assert "failinit: refusing to start" in r.stderr
    assert "plugin 'failinit'" in r.stderr and "failed to initialise" in r.stderr


def test_option_loads_its_plugin_on_demand():
    # --needs-level belongs to needsgood.so, which requires testgood.so
    r = run(["--plugin-dir", TEST_PLUGINS, "--needs-level", "3", "--test-greeting", "hi"])
    assert "testgood: init" in r.stderr
    assert "needsgood: init" in r.stderr
    assert r.stderr.index("testgood: init") < r.stderr.index("needsgood: init")
    # it got past the options and stopped for want of a socket
    assert "nothing to listen on" in r.stderr
    assert r.returncode == 1


def test_plugin_dir_from_environment():
    r = run(["--test-greeting", "hi"], env={"WEFT_PLUGIN_DIR": TEST_PLUGINS})
    assert "testgood: init" in r.stderr
    assert "nothing to listen on" in r.stderr


def test_bad_option_value_names_the_option():
    line = one_error_line(run(["--async", "lots"]))
    assert "--async: 'lots' is not a whole number" in line


def test_short_option_loads_its_plugin_on_demand():
    # -G is testgood's short name for --test-greeting
    r = run(["--plugin-dir", TEST_PLUGINS, "-G", "hi"])
    assert "testgood: init" in r.stderr
    assert "nothing to listen on" in r.stderr
    line = one_error_line(run(["--plugin-dir", TEST_PLUGINS, "-Z"]))
    assert "unknown option -Z" in line
