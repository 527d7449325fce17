"""Shared fixtures for weft's integration tests."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import weftlib  # noqa: E402


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, for the fixtures below."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture
def weft(request):
    """Factory: weft(args...) starts a server; all are stopped (and their
    logs checked) when the test ends.  The logs of a test that passed are
    removed; a failing test's stay for a look."""
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
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.passed:
        for w in servers:
            try:
                os.unlink(w.logfile.name)
            except OSError:
                pass
