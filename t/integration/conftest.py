"""Shared fixtures for weft's integration tests."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import weftlib  # noqa: E402


@pytest.fixture
def weft():
    """Factory: weft(args...) starts a server; all are stopped (and their
    logs checked) when the test ends."""
    servers = []

    def start(*args, **kw):
        w = weftlib.Weft(list(args), **kw)
        servers.append(w)
        return w

    yield start
    errors = []
    for w in servers:
        try:
            w.stop()
        except AssertionError as e:
            errors.append(str(e))
    if errors:
        pytest.fail("\n\n".join(errors))
