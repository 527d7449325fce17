"""The CGI plugin's URL mapping and its safety: mounts, index scripts,
helpers, allowed extensions, missing and non-executable scripts, '..' and
symlinks out of the CGI root, odd names that a shell would have read."""
import os
import shutil

from weftlib import run
from test_cgi_common import APPS, children, env_of, get, header, needs_cgi, raw, wait_until

pytestmark = needs_cgi


def script(path, body="echo hello", mode=0o755):
    """Write an executable shell CGI script that prints `body`'s output."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("#!/bin/sh\necho 'Content-Type: text/plain'\necho\n%s\n" % body)
    os.chmod(path, mode)


def test_missing_and_not_executable(weft):
    w = weft("--plugin", "cgi", "--cgi", APPS)
    assert get(w, "/no-such.sh")[0] == 404
    assert get(w, "/sub/no-such.sh/x")[0] == 404
    assert get(w, "/hello.sh/more/path")[0] == 200            # the rest is PATH_INFO
    assert get(w, "/noexec.sh")[0] == 403                     # mode 644
    assert get(w, "/hello.pl")[0] == 403                      # no exec bit, no helper
    w.wait_log(r"cgi: GET /noexec\.sh: 403 \(the script is not executable\)")


def test_allowed_extensions(weft):
    w = weft("--plugin", "cgi", "--cgi", APPS, "--cgi-allowed-ext", ".sh")
    assert get(w, "/hello.sh")[0] == 200
    assert get(w, "/hello.txt")[0] == 403
    assert get(w, "/post.pl", method="POST", body=b"")[0] == 403
    w.wait_log(r"GET /hello\.txt: 403 \(the extension is not allowed")
    w = weft("--plugin", "cgi", "--cgi", APPS, "--cgi-allowed-ext", ".sh",
             "--cgi-allowed-ext", ".txt")
    status, _, _, body = get(w, "/hello.txt")
    assert (status, body) == (200, b"a .txt script\n")


def test_helpers(weft, tmp_path):
    with open(tmp_path / "show.py", "w") as f:
        f.write("import os, sys\n"
                "print('Content-Type: text/plain')\nprint()\n"
                "print('argv', sys.argv[1:], 'unbuffered', os.environ.get('X', ''))\n"
                "print('file', sys.argv[0])\n")
    w = weft("--plugin", "cgi", "--cgi", str(tmp_path), "--cgi-helper", ".py=python3 -u")
    status, _, _, body = get(w, "/show.py?-c+print(1)")
    assert status == 200, body
    # The helper reads the very file that was checked: fd 3, as /dev/fd/3.
    assert body.decode().splitlines() == ["argv [] unbuffered ", "file /dev/fd/3"]


def test_bad_options_stop_weft():
    r = run(["--plugin", "cgi", "--http-socket", "127.0.0.1:1", "--cgi", "/no/such/dir"])
    assert r.returncode != 0 and "/no/such/dir: No such file or directory" in r.stderr, r.stderr
    r = run(["--plugin", "cgi", "--http-socket", "127.0.0.1:1", "--cgi", APPS,
             "--cgi-helper", ".pl=no-such-interpreter-here"])
    assert r.returncode != 0 and "no-such-interpreter-here' not found" in r.stderr, r.stderr
    r = run(["--plugin", "cgi", "--http-socket", "127.0.0.1:1", "--cgi", APPS,
             "--cgi-helper", "perl"])
    assert r.returncode != 0 and "is not .EXT=INTERPRETER" in r.stderr, r.stderr


def test_help_lists_the_options():
    r = run(["--help"])
    for opt in ("--cgi [MOUNT=]PATH", "--cgi-index", "--cgi-allowed-ext", "--cgi-helper",
                "--cgi-timeout"):
        assert opt in r.stdout, r.stdout


def test_index_scripts(weft):
    w = weft("--plugin", "cgi", "--cgi", APPS, "--cgi-index", "nope.sh",
             "--cgi-index", "index.sh")
    status, _, _, body = get(w, "/sub/")
    assert status == 200
    assert body == b"index of sub\nscript_name=/sub/index.sh\npath_info=\n"
    status, _, headers, _ = get(w, "/sub?q=1")
    assert status == 301 and header(headers, "Location") == "/sub/?q=1"
    assert get(w, "/emptydir/")[0] == 403                     # no index there
    w = weft("--plugin", "cgi", "--cgi", APPS)
    assert get(w, "/sub/")[0] == 403                          # no --cgi-index


def test_mountpoints(weft, tmp_path):
    for d, name in (("one", "a.sh"), ("two", "b.sh"), ("root", "c.sh")):
        script(str(tmp_path / d / name), 'echo "$SCRIPT_NAME|$PATH_INFO|%s"' % d)
    w = weft("--plugin", "cgi", "--cgi", "/m=%s" % (tmp_path / "one"),
             "--cgi", "/m/deeper/=%s" % (tmp_path / "two"), "--cgi", str(tmp_path / "root"),
             "--cgi", "/single=%s" % os.path.join(APPS, "env.sh"))
    assert get(w, "/m/a.sh/x")[3] == b"/m/a.sh|/x|one\n"
    assert get(w, "/m/deeper/b.sh")[3] == b"/m/deeper/b.sh||two\n"
    assert get(w, "/c.sh")[3] == b"/c.sh||root\n"
    assert get(w, "/m/c.sh")[0] == 404                        # /m is its own directory
    assert get(w, "/mc.sh")[0] == 404                         # not under /m: the root
    assert get(w, "/m/deeper/a.sh")[0] == 404
    # a mount that is one script: everything below it is PATH_INFO
    env = env_of(get(w, "/single/foo/bar?z")[3])
    assert (env["SCRIPT_NAME"], env["PATH_INFO"], env["QUERY_STRING"]) == \
        ("/single", "/foo/bar", "z")


def test_traversal_is_refused(weft, tmp_path):
    root, outside = tmp_path / "cgi", tmp_path / "outside"
    marker = tmp_path / "ran"
    script(str(root / "ok.sh"), "echo ok")
    script(str(outside / "secret.sh"), "touch %s; echo secret" % marker)
    script(str(tmp_path / "secret.sh"), "touch %s; echo secret" % marker)
    w = weft("--plugin", "cgi", "--cgi", "/cgi=%s" % root)
    assert get(w, "/cgi/ok.sh")[0] == 200
    for target in (b"/cgi/../secret.sh", b"/cgi/../outside/secret.sh",
                   b"/cgi/%2e%2e/secret.sh", b"/cgi/%2E%2E/outside/secret.sh",
                   b"/cgi/..%2fsecret.sh", b"/cgi/sub/../../secret.sh",
                   b"/cgi/ok.sh/../../secret.sh", b"/cgi/..", b"/cgi/.%2e/secret.sh"):
        out = raw(w, b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % target)
        status = int(out.split(b" ", 2)[1])
        assert status == 403, (target, out)
    assert not marker.exists(), "a script outside the CGI root ran"


def test_symlinks_out_of_the_root_are_refused(weft, tmp_path):
    root, outside = tmp_path / "cgi", tmp_path / "outside"
    marker = tmp_path / "ran"
    script(str(root / "real" / "hello.sh"), "echo inside")
    script(str(outside / "secret.sh"), "touch %s; echo secret" % marker)
    os.symlink("real/hello.sh", root / "inlink.sh")               # inside: fine
    os.symlink("real", root / "indir")
    os.symlink("../outside/secret.sh", root / "outlink.sh")        # out: refused
    os.symlink(str(outside), root / "outdir")
    os.symlink("/bin/sh", root / "shell.sh")
    os.symlink("missing.sh", root / "dangling.sh")
    w = weft("--plugin", "cgi", "--cgi", str(root))
    assert get(w, "/inlink.sh")[::3] == (200, b"inside\n")
    assert get(w, "/indir/hello.sh")[3] == b"inside\n"
    assert get(w, "/outlink.sh")[0] == 403
    assert get(w, "/outdir/secret.sh")[0] == 403
    assert get(w, "/shell.sh")[0] == 403
    assert get(w, "/dangling.sh")[0] == 404
    assert not marker.exists(), "a script outside the CGI root ran"
    w.wait_log(r"GET /outlink\.sh: 403 \(a symlink leads out of the CGI directory\)")


def test_names_a_shell_would_interpret(weft, tmp_path):
    marker = tmp_path / "injected"
    name = "odd;touch $(echo %s) `id` 'q'.sh" % marker
    script(str(tmp_path / name), 'echo "$SCRIPT_NAME"')
    shutil.copy(os.path.join(APPS, "args.sh"), str(tmp_path / "-n.sh"))
    w = weft("--plugin", "cgi", "--cgi", str(tmp_path))
    from urllib.parse import quote
    status, _, _, body = get(w, "/" + quote(name) + "?a;touch+%s" % marker)
    assert (status, body) == (200, ("/%s\n" % name).encode())
    status, _, _, body = get(w, "/-n.sh?-n")            # a name that looks like an option
    assert (status, body) == (200, b"argc=0\n")
    assert not marker.exists()


def test_ini_file_and_several_workers(weft, tmp_path):
    # The options in a uWSGI-style ini file, repeated keys included, served
    # by two workers: each reaps its own scripts.
    ini = tmp_path / "cgi.ini"
    ini.write_text("[uwsgi]\ncgi = /x=%s\ncgi = /y=%s\ncgi-index = index.sh\n"
                   "cgi-helper = .pl=perl\ncgi-timeout = 5\nprocesses = 2\n"
                   % (APPS, os.path.join(APPS, "sub")))
    w = weft("--ini", str(ini))
    for _ in range(6):
        assert get(w, "/x/hello.sh")[::3] == (200, b"Hello, World!\n")
        assert get(w, "/x/hello.pl")[0] == 200
        assert get(w, "/y/")[3].startswith(b"index of sub\nscript_name=/y/index.sh\n")
    for pid in children(w.proc.pid):                 # the workers
        assert wait_until(lambda: not children(pid)), children(pid)
