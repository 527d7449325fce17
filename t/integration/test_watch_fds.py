"""watch_fd takes any number of fds: an app that waits for 20 (more than
the 16 the core used to keep) is woken by the last one, under no engine
(blocking the worker, or parked between its chunks), a suspend engine and
the gevent loop engine."""
import os
import sys

import pytest

from weftlib import SRCDIR

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "python"))
import wsgiclient as wc  # noqa: E402

pytestmark = wc.needs("python")

MODES = [wc.variant("no-engine-suspend", [], "suspend"),
         wc.variant("no-engine-yield", [], "yield"),
         wc.variant("ugreen-suspend", ["--ugreen"], "suspend", plugin="ugreen"),
         wc.variant("gevent-suspend", ["--gevent", "4"], "suspend", plugin="gevent"),
         wc.variant("gevent-yield", ["--gevent", "4"], "yield", plugin="gevent")]


@pytest.mark.parametrize("engine,mode", MODES)
@pytest.mark.parametrize("n", [20, 100])
def test_the_last_of_many_watched_fds_wakes_the_request(weft, engine, mode, n):
    w = weft("--plugin", "python", "--wsgi-file", wc.app("watch_many_app.py"),
             "--async", "4", *engine)
    r = wc.http(w, "GET", "/?n=%d&mode=%s" % (n, mode))
    assert (r.status, r.body) == (200, b"woken by the last fd, timed out False"), w.log()
