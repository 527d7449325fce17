"""Helpers for weft's integration tests: start the real binary on a free
loopback port, talk to it over real sockets, and stop it, failing on any
crash, sanitizer report or unexpected error line in its log."""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

WEFT_BIN = os.environ.get("WEFT_BIN", "weft")
PLUGIN_DIR = os.environ.get("WEFT_PLUGIN_DIR", "")
TEST_PLUGINS = os.environ.get("WEFT_TEST_PLUGINS", "")
SRCDIR = os.environ.get("WEFT_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("WEFT_BUILDDIR", ".")

# Lines in a server log that always mean a test failed.
CRASH_PATTERNS = [
    r"AddressSanitizer", r"LeakSanitizer", r"runtime error:", r"Segmentation fault",
    r"\bcore dumped\b", r"Assertion .* failed", r"double free", r"stack smashing",
]


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def plugin_available(name):
    return os.path.exists(os.path.join(PLUGIN_DIR, name + ".so"))


def run(args, timeout=30, env=None):
    """Run weft to completion (for command-line tests)."""
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run([WEFT_BIN] + list(args), capture_output=True, text=True,
                          timeout=timeout, env=e)


class Weft:
    """A running weft.  Use as a context manager or call stop()."""

    def __init__(self, args, port=None, http=True, env=None, wait=True,
                 allow_errors=(), cwd=None):
        self.port = port or free_port()
        self.addr = ("127.0.0.1", self.port)
        self.allow_errors = [re.compile(p) for p in allow_errors]
        sock_opt = "--http-socket" if http else "--socket"
        self.args = [WEFT_BIN]
        if port is not False and not any(a in ("--http-socket", "--socket") for a in args):
            self.args += [sock_opt, "127.0.0.1:%d" % self.port]
        self.args += list(args)
        self.logfile = tempfile.NamedTemporaryFile(prefix="weft-log-", suffix=".txt",
                                                   delete=False)
        e = dict(os.environ)
        if env:
            e.update(env)
        self.proc = subprocess.Popen(self.args, stdout=self.logfile, stderr=subprocess.STDOUT,
                                     env=e, cwd=cwd, start_new_session=True)
        self.stopped = False
        if wait:
            self.wait_ready()

    # ---------------------------------------------------------------- life
    def wait_ready(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("weft exited with %s before listening:\n%s"
                                     % (self.proc.returncode, self.log()))
            try:
                socket.create_connection(self.addr, timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.02)
        raise AssertionError("weft did not listen on %s within %ss:\n%s"
                             % (self.addr, timeout, self.log()))

    def log(self):
        with open(self.logfile.name, "r", errors="replace") as f:
            return f.read()

    def wait_log(self, pattern, timeout=10):
        """Wait until the log matches pattern; return the match."""
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = rx.search(self.log())
            if m:
                return m
            time.sleep(0.02)
        raise AssertionError("log never matched %r:\n%s" % (pattern, self.log()))

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=20, check=True):
        """Stop weft; with check, fail on a crash or an unexpected error line."""
        if self.stopped:
            return self.proc.returncode
        self.stopped = True
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                raise AssertionError("weft did not stop within %ss of %s:\n%s"
                                     % (timeout, sig, self.log()))
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # stray workers, children
        except OSError:
            pass
        if check:
            self.check_log()
            assert self.proc.returncode is not None and self.proc.returncode >= 0, \
                "weft died of signal %d:\n%s" % (-self.proc.returncode, self.log())
        return self.proc.returncode

    def check_log(self):
        text = self.log()
        for p in CRASH_PATTERNS:
            assert not re.search(p, text), "crash pattern %r in the log:\n%s" % (p, text)
        for line in text.splitlines():
            if " ERROR " in line and not any(rx.search(line) for rx in self.allow_errors):
                raise AssertionError("unexpected error line in the log: %s\n--- log:\n%s"
                                     % (line, text))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop(check=exc_type is None)
        if exc_type is None:
            os.unlink(self.logfile.name)
        return False

    # ---------------------------------------------------------------- talk
    def connect(self, timeout=10):
        s = socket.create_connection(self.addr, timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s
