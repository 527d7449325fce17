"""One path containment for static files and CGI (core/path.c, the API's
open_beneath): '..' and symlinks out of the root are refused the same way
by both, a symlink swapped to point outside between two requests is refused
on the next one, and CGI runs the very file it checked."""
import os

import pytest

from weftlib import TEST_PLUGINS, Reader, plugin_available

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")
needs_cgi = pytest.mark.skipif(not plugin_available("cgi"), reason="cgi.so is not built")


def script(path, text):
    """An executable shell CGI script that prints text."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("#!/bin/sh\necho 'Content-Type: text/plain'\necho\necho '%s'\n" % text)
    os.chmod(path, 0o755)


def outside_script(path, marker, text):
    """A script that leaves a marker when it runs: it must never run."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("#!/bin/sh\ntouch '%s'\necho 'Content-Type: text/plain'\necho\necho '%s'\n"
                % (marker, text))
    os.chmod(path, 0o755)


@pytest.fixture
def tree(tmp_path):
    """root/ (served) holding good.sh, and outside/ holding secret.sh."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    marker = tmp_path / "ran-outside"
    script(str(root / "good.sh"), "inside")
    script(str(root / "sub" / "deep.sh"), "deep")
    outside_script(str(outside / "secret.sh"), marker, "secret")
    return root, outside, marker


def serve(weft, kind, root):
    if kind == "static":
        return weft("--plugin", TESTAPP, "--static-map", "/m=%s" % root)
    return weft("--plugin", "cgi", "--cgi", "/m=%s" % root)


def get(w, target):
    s = w.connect()
    try:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % target.encode())
        return Reader(s).read()
    finally:
        s.close()


KINDS = [
    pytest.param("static", marks=pytest.mark.skipif(not os.path.exists(TESTAPP),
                                                    reason="testapp.so is not built")),
    pytest.param("cgi", marks=needs_cgi),
]


def served(kind, r, text):
    """Did r deliver the file (static) or the script's output (CGI)?"""
    return r.status == 200 and (text.encode() in r.body)


@pytest.mark.parametrize("kind", KINDS)
def test_escapes_are_refused_alike(weft, tree, kind):
    root, outside, marker = tree
    os.symlink("../outside/secret.sh", root / "rel-out.sh")
    os.symlink(str(outside / "secret.sh"), root / "abs-out.sh")
    os.symlink(str(outside), root / "dir-out")
    os.symlink("sub/../../outside/secret.sh", root / "climb-out.sh")
    os.symlink(str(root / "good.sh"), root / "abs-in.sh")        # absolute, but inside
    os.symlink("sub", root / "dir-in")
    w = serve(weft, kind, root)
    assert served(kind, get(w, "/m/good.sh"), "inside")
    for target in ("/m/../outside/secret.sh", "/m/%2e%2e/outside/secret.sh",
                   "/m/sub/..%2f..%2foutside/secret.sh", "/m/rel-out.sh", "/m/abs-out.sh",
                   "/m/dir-out/secret.sh", "/m/climb-out.sh"):
        r = get(w, target)
        assert r.status == 403, (kind, target, r.status, r.body)
        assert b"secret" not in r.body
    # Links that stay inside are followed, absolute ones included.
    assert served(kind, get(w, "/m/abs-in.sh"), "inside")
    assert served(kind, get(w, "/m/dir-in/deep.sh"), "deep")
    assert not marker.exists(), "a script outside the root ran"


@pytest.mark.parametrize("kind", KINDS)
def test_a_symlink_swapped_between_requests(weft, tree, kind):
    root, outside, marker = tree
    link = root / "swap.sh"
    os.symlink("good.sh", link)
    w = serve(weft, kind, root)
    assert served(kind, get(w, "/m/swap.sh"), "inside")
    # Now it points outside: the next request is refused.
    tmp = root / "swap.tmp"
    os.symlink("../outside/secret.sh", tmp)
    os.replace(tmp, link)
    r = get(w, "/m/swap.sh")
    assert r.status == 403 and b"secret" not in r.body, (r.status, r.body)
    # A directory on the way swapped for a link out: the same.
    (root / "sub" / "deep.sh").unlink()
    (root / "sub").rmdir()
    os.symlink(str(outside), root / "sub")
    os.link(outside / "secret.sh", outside / "deep.sh")
    r = get(w, "/m/sub/deep.sh")
    assert r.status == 403 and b"secret" not in r.body, (r.status, r.body)
    # Back inside: served again.
    os.replace(root / "good.sh", root / "good2.sh")
    os.symlink("good2.sh", tmp)
    os.replace(tmp, link)
    assert served(kind, get(w, "/m/swap.sh"), "inside")
    assert not marker.exists(), "a script outside the root ran"


@needs_cgi
def test_cgi_runs_the_file_it_checked(weft, tmp_path):
    # The script learns where it runs from: the file the check opened (fd 3
    # for an interpreted one), its directory as cwd, its path in
    # SCRIPT_FILENAME.
    root = tmp_path / "cgi"
    os.makedirs(root / "d")
    with open(root / "d" / "who.sh", "w") as f:
        f.write('#!/bin/sh\necho "Content-Type: text/plain"\necho\n'
                'echo "0=$0"\necho "cwd=$(pwd)"\necho "file=$SCRIPT_FILENAME"\n')
    os.chmod(root / "d" / "who.sh", 0o755)
    w = weft("--plugin", "cgi", "--cgi", str(root))
    r = get(w, "/d/who.sh")
    assert r.status == 200, r.body
    lines = r.body.decode().splitlines()
    assert lines == ["0=/dev/fd/3", "cwd=%s" % (root / "d"),
                     "file=%s" % (root / "d" / "who.sh")], lines


@needs_cgi
def test_cgi_binary_runs_from_its_fd_with_no_fd_left(weft, tmp_path):
    # A binary is executed from the checked fd and keeps no fd 3; an
    # execute-only one (mode 711, unreadable) runs too.
    root = tmp_path / "cgi"
    os.makedirs(root)
    src = tmp_path / "fds.c"
    src.write_text('#include <stdio.h>\n#include <fcntl.h>\n'
                   'int main(void) { printf("Content-Type: text/plain\\n\\n");\n'
                   '  for (int fd = 0; fd < 64; fd++) if (fcntl(fd, F_GETFD) != -1)'
                   ' printf("%d\\n", fd);\n  return 0; }\n')
    exe = root / "fds.cgi"
    if os.system("cc -o %s %s 2>/dev/null" % (exe, src)) != 0:
        pytest.skip("no C compiler")
    os.chmod(exe, 0o711)
    w = weft("--plugin", "cgi", "--cgi", str(root))
    r = get(w, "/fds.cgi")
    assert r.status == 200, r.body
    assert r.body.decode().split() == ["0", "1", "2"], r.body
