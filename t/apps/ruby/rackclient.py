"""Helpers for the Ruby plugin's tests: where the apps are, and a mark that
fails (never skips) when ruby.so is not built, naming the package.  The
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
    """CI installs Ruby: a missing ruby.so is a failure, not a skip."""
    if not weftlib.plugin_available("ruby"):
        pytest.fail("ruby.so is not built (apt-get install ruby-dev ruby-rack, then re-run configure)")
