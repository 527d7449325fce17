"""A stop asked for while the app still loads is carried out once the
worker runs: the signal is held from start-up, never left to its default
action (SIGQUIT's would dump core, SIGTERM's would skip the clean stop)."""
import os
import signal

import pytest

from weftlib import SRCDIR, Weft, plugin_available

APP = os.path.join(SRCDIR, "t", "apps", "python", "slow_import.py")

pytestmark = pytest.mark.skipif(not plugin_available("python"),
                                reason="python.so is not built (apt-get install python3-dev)")


@pytest.mark.parametrize("sig,master", [(signal.SIGTERM, False), (signal.SIGQUIT, False),
                                        (signal.SIGINT, False), (signal.SIGTERM, True)],
                         ids=["term", "quit", "int", "term-master"])
def test_a_stop_while_the_app_loads_is_carried_out(sig, master):
    args = ["--plugin", "python", "--wsgi-file", APP] + (["--master"] if master else [])
    w = Weft(args, env={"SLOW_IMPORT": "1.5"})
    try:
        w.wait_text("slow_import: loading")     # the listener is open, the app is not
        w.send_signal(sig)
        rc = w.proc.wait(timeout=30)
        assert rc == 0, "weft exited with %s:\n%s" % (rc, w.log())
        w.wait_log(r"worker 1 ready")             # it did start, then stopped
        w.wait_log(r"worker 1 stopped|every worker has stopped")
    finally:
        assert w.stop() == 0
