"""Real Perl frameworks under weft: a Dancer2 app and a Mojolicious app
(through Mojo::Server::PSGI) serve routes, params, a POST form, a streamed
response and an error page."""
import os
import sys

import pytest

from weftlib import SRCDIR

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "perl"))
import psgiclient as pc  # noqa: E402
from psgiclient import _needs_perl  # noqa: E402,F401

FRAMEWORKS = {
    "dancer2": ("Dancer2", "libdancer2-perl", "dancer2_app.psgi", b"Hello from Dancer2"),
    "mojolicious": ("Mojolicious", "libmojolicious-perl", "mojo_app.psgi", b"Hello from Mojolicious"),
}


@pytest.mark.parametrize("name", sorted(FRAMEWORKS))
def test_framework(weft, name):
    module, package, app, hello = FRAMEWORKS[name]
    pc.needs_module(module, package)
    w = weft("--psgi", pc.app(app))
    r = pc.http(w, "GET", "/")
    assert (r.status, r.body) == (200, hello)
    assert pc.http(w, "GET", "/hello/weft").body == b"Hello, weft"
    assert pc.http(w, "GET", "/params?q=a%20b").body == b"q=a b"
    r = pc.http(w, "POST", "/form", body=b"name=J%C3%B6rg&n=2",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (r.status, r.body) == (200, "name=Jörg;n=2".encode())
    r = pc.http(w, "GET", "/stream")
    assert (r.status, r.body) == (200, b"one\ntwo\n")
    r = pc.http(w, "GET", "/error")
    assert r.status == 500
    assert b"dies on purpose" not in r.body     # production error pages
    assert pc.http(w, "GET", "/nowhere").status == 404
    assert pc.http(w, "GET", "/").body == hello
