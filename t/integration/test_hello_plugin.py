"""examples/hello-plugin builds out of tree against nothing but the
installed SDK (headers + weft.pc), and weft loads it by path."""
import os
import subprocess

from weftlib import build_example_plugin, run


def test_out_of_tree_plugin_builds_against_installed_sdk(tmp_path):
    so = os.path.join(build_example_plugin("hello-plugin", tmp_path), "hello.so")
    assert os.path.exists(so)

    # Only the descriptor is exported.
    nm = subprocess.run(["nm", "-D", "--defined-only", so], capture_output=True,
                        text=True, check=True)
    exported = [l.split()[-1] for l in nm.stdout.splitlines() if l.split()[1] in "TDBRV"]
    assert exported == ["weft_plugin"], nm.stdout

    r = run(["--plugin", so, "--hello-name", "tester"])
    assert "hello, tester, from a plugin built out of tree" in r.stderr, r.stderr
    assert "nothing to listen on" in r.stderr
