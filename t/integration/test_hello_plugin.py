"""examples/hello-plugin builds out of tree against nothing but the
installed SDK (headers + weft.pc), and weft loads it by path."""
import os
import shutil
import subprocess

import pytest

from weftlib import BUILDDIR, SRCDIR, run


def test_out_of_tree_plugin_builds_against_installed_sdk(tmp_path):
    if shutil.which("pkg-config") is None or shutil.which("cc") is None:
        pytest.fail("pkg-config and cc are needed (apt-get install pkg-config gcc)")
    dest = tmp_path / "root"
    # Install only the SDK (headers and weft.pc) into a staging root.
    subprocess.run(["make", "-C", BUILDDIR, "install-weftincludeHEADERS",
                    "install-pkgconfigDATA", "DESTDIR=%s" % dest],
                   check=True, capture_output=True)
    pcdirs = [str(p.parent) for p in dest.rglob("weft.pc")]
    assert pcdirs, "make install put no weft.pc under %s" % dest
    env = dict(os.environ, PKG_CONFIG_PATH=pcdirs[0], PKG_CONFIG_SYSROOT_DIR=str(dest))
    src = tmp_path / "hello"
    shutil.copytree(os.path.join(SRCDIR, "examples", "hello-plugin"), src)
    r = subprocess.run(["make", "-C", str(src)], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    so = src / "hello.so"
    assert so.exists()

    # Only the descriptor is exported.
    nm = subprocess.run(["nm", "-D", "--defined-only", str(so)], capture_output=True,
                        text=True, check=True)
    exported = [l.split()[-1] for l in nm.stdout.splitlines() if l.split()[1] in "TDBRV"]
    assert exported == ["weft_plugin"], nm.stdout

    r = run(["--plugin", str(so), "--hello-name", "tester"])
    assert "hello, tester, from a plugin built out of tree" in r.stderr, r.stderr
    assert "nothing to listen on" in r.stderr
