"""Helpers for the Ruby plugin's tests: where the apps are, and a fixture
that skips, naming the package, when ruby.so is not built (as every
plugin's tests do; CI counts a skip as a failure, and its sanitizer build
leaves Ruby out).  The
HTTP and uwsgi clients are the Python tests' (t/apps/python/wsgiclient.py).
"""
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
    """The path of a test app in t/apps/ruby."""
    return os.path.join(HERE, name)


@pytest.fixture(autouse=True)
def _needs_ruby():
    """Skip, with the package to install, when ruby.so is not built."""
    if not weftlib.plugin_available("ruby"):
        pytest.skip("ruby.so is not built (apt-get install ruby-dev ruby-rack, then re-run configure)")
