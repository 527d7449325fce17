"""Plack's server conformance suite (Plack::Test::Suite) against weft:
every assertion passes, in sync mode and with async cores and no engine.
t/apps/perl/suite.pl runs the suite's client; its server child execs weft
serving the suite's apps behind Plack::Middleware::Lint."""
import os
import re
import subprocess
import sys

import pytest

from weftlib import CRASH_PATTERNS, SRCDIR, WEFT_BIN

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "perl"))
import psgiclient as pc  # noqa: E402
from psgiclient import _needs_perl  # noqa: E402,F401

# The suite's one app that dies does so on purpose; its backtrace follows.
# --async with no engine says once that only yielding apps share the worker.
EXPECTED_ERRORS = re.compile(r"ERROR (GET /: the app died: Throwing an exception|  \t)"
                             r"|WARN --async \d+ without a suspend engine")


@pytest.mark.parametrize("args", [[], ["--async", "4"], ["--processes", "2", "--master"]],
                         ids=["sync", "async-no-engine", "processes-master"])
def test_plack_server_suite(args):
    pc.needs_module("Plack::Test::Suite", "libplack-perl")
    p = subprocess.run(["perl", pc.app("suite.pl"), WEFT_BIN, "--plugin", "perl"] + args,
                       capture_output=True, text=True, timeout=240)
    out = p.stdout + p.stderr
    oks = re.findall(r"^ok \d+", p.stdout, re.M)
    assert p.returncode == 0, out
    assert not re.search(r"^not ok", p.stdout, re.M), out
    plan = re.search(r"^1\.\.(\d+)$", p.stdout, re.M)
    assert plan and int(plan.group(1)) == len(oks) >= 100, out
    for line in out.splitlines():
        for pat in CRASH_PATTERNS:
            assert not re.search(pat, line), line
        if re.search(r"\] (ERROR|WARN) ", line):
            assert EXPECTED_ERRORS.search(line), line
