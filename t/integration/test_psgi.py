"""The Perl plugin serves PSGI 1.1: boot, the env, psgi.input, the body in
its forms, streaming, cleanup handlers, harakiri, errors, and the refusal
of engines that switch C stacks under Perl."""
import json
import os
import re
import sys

from weftlib import SRCDIR, run

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "perl"))
import psgiclient as pc  # noqa: E402
from psgiclient import _needs_perl  # noqa: E402,F401

APP = pc.app("psgi_app.psgi")
# The error routes log their messages at ERROR on purpose.
DIES = [r"ERROR (GET /\S+: the app died|  |perl: a psgix.cleanup handler died)"]


def serve(weft, *args, **kw):
    kw.setdefault("allow_errors", DIES)
    return weft("--plugin", "perl", "--psgi", APP, *args, **kw)


def test_hello(weft):
    w = weft("--psgi", pc.app("hello.psgi"))
    r = pc.http(w, "GET", "/")
    assert (r.status, r.body, r.header("Content-Length")) == (200, b"Hello, World!", "13")
    h = pc.http(w, "HEAD", "/")
    assert (h.status, h.body, h.header("Content-Length")) == (200, b"", "13")
    w.wait_log(r"perl: Perl 5\.\d+\.\d+ ready")
