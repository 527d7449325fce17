"""Helpers for the Perl plugin's tests: where the apps are, and a fixture
that fails, naming the package, when perl.so is not built (CI installs
everything and counts a skip as a failure).  The HTTP and uwsgi clients
are the Python tests' (t/apps/python/wsgiclient.py)."""
import os
import sys

import pytest

import weftlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
import wsgiclient  # noqa: E402,F401

http = wsgiclient.http
uwsgi = wsgiclient.uwsgi
many = wsgiclient.many
raw = wsgiclient.raw
dechunk = wsgiclient.dechunk


def app(name):
    """The path of a test app in t/apps/perl."""
    return os.path.join(HERE, name)


@pytest.fixture(autouse=True)
def _needs_perl():
    """Fail, with the package to install, when perl.so is not built."""
    if not weftlib.plugin_available("perl"):
        pytest.fail("perl.so is not built (apt-get install libperl-dev libplack-perl, then re-run configure)")


def needs_module(module, package):
    """Fail naming the Debian package when perl cannot load module."""
    import subprocess
    if subprocess.run(["perl", "-M" + module, "-e1"], capture_output=True).returncode != 0:
        pytest.fail("perl cannot load %s (apt-get install %s)" % (module, package))
