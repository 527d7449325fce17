"""The Perl plugin's conformance and framework tests, under the Coro::AnyEvent
loop engine: Plack's server suite (Plack::Test::Suite) with --coroae 100,
and the Dancer2 and Mojolicious (Mojo::Server::PSGI) apps with --coroae 10.
The assertions are those of test_psgi_suite.py and test_psgi_frameworks.py,
run here with the engine's arguments added."""
import os
import sys

import pytest

from weftlib import SRCDIR

sys.path.insert(0, os.path.join(SRCDIR, "t", "apps", "perl"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import psgiclient as pc  # noqa: E402
from psgiclient import _needs_perl  # noqa: E402,F401

import test_psgi_frameworks as frameworks  # noqa: E402
import test_psgi_suite as suite  # noqa: E402
import weftlib  # noqa: E402


@pytest.fixture(autouse=True)
def _needs_coroae():
    if not weftlib.plugin_available("coroae"):
        pytest.fail("coroae.so is not built (apt-get install libcoro-perl libanyevent-perl "
                    "libev-perl, then re-run configure)")


def test_plack_server_suite_under_coroae():
    suite.test_plack_server_suite(["--coroae", "100"])


@pytest.mark.parametrize("name", sorted(frameworks.FRAMEWORKS))
def test_framework_under_coroae(weft, name):
    def coroae_weft(*args, **kw):
        w = weft("--coroae", "10", *args, **kw)
        w.wait_log(r"worker 1 ready \(pid \d+, 10 cores, loop engine coroae\)")
        return w
    frameworks.test_framework(coroae_weft, name)
