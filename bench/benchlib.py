"""Shared helpers for weft's benchmarks: start servers pinned to one CPU,
drive them with wrk pinned to the other, and print one table of ratios.

Every script in bench/ runs all its contenders in one run, one after the
other, on the same machine state: the absolute figures of this class of
machine drift by a third from run to run, the ratios within a run do not.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
BUILD = os.environ.get("WEFT_BUILDDIR", TOP)
WEFT = os.path.join(BUILD, "weft")
PLUGIN_DIR = os.path.join(BUILD, ".plugins")
TEST_PLUGINS = os.path.join(BUILD, "t", "plugins", ".libs")
# An earlier build to run beside this one in the same run ("no loss since
# REV" needs both in one table): WEFT_BASELINE_BUILDDIR=/path/to/old/build.
BASELINE_BUILD = os.environ.get("WEFT_BASELINE_BUILDDIR")
BASELINE = None
if BASELINE_BUILD:
    BASELINE = {
        "weft": os.path.join(BASELINE_BUILD, "weft"),
        "plugin_dir": os.path.join(BASELINE_BUILD, ".plugins"),
        "test_plugins": os.path.join(BASELINE_BUILD, "t", "plugins", ".libs"),
        "name": os.environ.get("WEFT_BASELINE_NAME", "baseline"),
    }
SERVER_CPU = os.environ.get("BENCH_SERVER_CPU", "0")
CLIENT_CPU = os.environ.get("BENCH_CLIENT_CPU", "1")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def have(cmd):
    return shutil.which(cmd) is not None


UWSGI_PLUGIN_DIRS = ("/usr/lib/uwsgi/plugins", "/usr/lib/uwsgi")


def uwsgi_plugin(name):
    """Debian's uWSGI and its plugin NAME (rack_ruby31, psgi, ...) are installed."""
    return have("uwsgi") and any(os.path.exists(os.path.join(d, name + "_plugin.so"))
                                 for d in UWSGI_PLUGIN_DIRS)


def weft_serving(port, app_args, extra=(), build=None):
    """weft's argv: app_args (["--rack", app]...) over HTTP on port, without
    an access log; build=BASELINE runs the earlier build."""
    weft, plugins = (build["weft"], build["plugin_dir"]) if build else (WEFT, PLUGIN_DIR)
    return [weft, "--plugin-dir", plugins] + list(app_args) + [
        "--http-socket", "127.0.0.1:%d" % port, "--listen", "4096",
        "--disable-logging"] + list(extra)


class Server:
    """A server process pinned to SERVER_CPU; waits until it accepts."""

    def __init__(self, name, argv, port, env=None, cwd=None, ready_path="/",
                 unix=None):
        self.name = name
        self.port = port
        self.log = tempfile.NamedTemporaryFile(prefix="bench-%s-" % name, suffix=".log",
                                               delete=False)
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen(["taskset", "-c", SERVER_CPU] + argv, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=e, cwd=cwd,
                                     start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited at start:\n%s" % (name, self.read_log()))
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("%s did not listen on %d" % (name, port))
        time.sleep(0.3)

    def read_log(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def pids(self):
        """The server's processes (the group it leads)."""
        out = subprocess.run(["pgrep", "-g", str(self.proc.pid)], capture_output=True,
                             text=True).stdout.split()
        return [int(p) for p in out] or [self.proc.pid]

    def rss_kib(self, field="VmRSS"):
        """Largest resident set among its processes (a worker), in KiB;
        field="VmHWM" gives the largest peak instead."""
        best = 0
        for pid in self.pids():
            try:
                with open("/proc/%d/status" % pid) as f:
                    for line in f:
                        if line.startswith(field + ":"):
                            best = max(best, int(line.split()[1]))
            except OSError:
                pass
        return best

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait()
        os.unlink(self.log.name)


def wrk(url, connections=100, duration=10, threads=1, script=None, timeout="10s"):
    """Run wrk pinned to CLIENT_CPU; returns (requests/s, errors, latency)."""
    argv = ["taskset", "-c", CLIENT_CPU, "wrk", "-t%d" % threads, "-c%d" % connections,
            "-d%ds" % duration, "--timeout", timeout, "--latency"]
    if script:
        argv += ["-s", script]
    out = subprocess.run(argv + [url], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    lat = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    return rps, errors, lat.group(1) if lat else "?"


def table(title, rows, base):
    """rows: [(name, rps, errors, extra)], ratios against the row named base."""
    ref = next((r[1] for r in rows if r[0] == base), None)
    print("\n%s" % title)
    print("%-40s %12s %9s %8s  %s" % ("server", "requests/s", "ratio", "errors",
                                      "notes"))
    for name, rps, errors, extra in rows:
        ratio = "%.2fx" % (rps / ref) if ref else "-"
        print("%-40s %12.0f %9s %8d  %s" % (name, rps, ratio, errors, extra))
    sys.stdout.flush()


# name -> (peak RSS MiB, RSS MiB after 3 quiet seconds), for cases run with rss=True
MEMORY = {}


def run_case(name, argv, port, url_path, rows, connections=100, duration=10, env=None,
             cwd=None, script=None, rss=False, warmup=2):
    """Start a server, warm it up, measure, stop; append a row."""
    try:
        s = Server(name, argv, port, env=env, cwd=cwd)
    except RuntimeError as e:
        print("# %s: could not start: %s" % (name, str(e).splitlines()[0]))
        return
    try:
        url = "http://127.0.0.1:%d%s" % (port, url_path)
        if warmup:
            wrk(url, connections, warmup, script=script)
        rps, errors, lat = wrk(url, connections, duration, script=script)
        extra = "p50 %s" % lat
        if rss:
            # the peak (VmHWM: the most the worker was ever resident, so the
            # moment of sampling cannot flatter a server that frees early),
            # and what it holds once it has had 3 quiet seconds (weft hands
            # a burst's memory back after one)
            peak = s.rss_kib("VmHWM") / 1024.0
            time.sleep(3)
            MEMORY[name] = (peak, s.rss_kib() / 1024.0)
            extra += ", worker RSS peak %.1f MiB (%.1f after 3 s)" % MEMORY[name]
        rows.append((name, rps, errors, extra))
    finally:
        s.stop()


def case(name, argv_fn, rows, seconds, **kw):
    """run_case() on a free port: argv_fn(port) is the server's command."""
    port = free_port()
    run_case(name, argv_fn(port), port, "/", rows, duration=seconds, **kw)


def ratio(rows, a, b):
    """Row a's requests/s over row b's, as "1.23x" ("n/a" when either is
    missing)."""
    ra = next((r[1] for r in rows if r[0] == a), None)
    rb = next((r[1] for r in rows if r[0] == b), None)
    return "%.2fx" % (ra / rb) if ra and rb else "n/a"
