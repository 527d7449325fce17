#!/usr/bin/python3
"""The soak (issue 17): one weft with --processes 2 --master --async 100
--ugreen, first serving Python (t/soak/app.py), then CGI (t/soak/cgi/),
takes mixed traffic from several clients at once (traffic.py) while the
soak reloads it with SIGHUP, SIGKILLs a worker and lets --harakiri fire on
one stuck request.  Then it prints a table of requests by kind and by what
became of them, puts every failure in the fault window it fell in (and on
the worker that held its connection), and checks:

  - no request is lost to a reload, to harakiri on another worker, or to
    no fault at all; none hangs; none comes back wrong;
  - a worker SIGKILL or harakiri loses only requests that were on the
    worker it killed;
  - the workers' RSS stays flat while the traffic runs without faults;
  - the master's and the workers' fd counts come back to where they were
    once the traffic stops (the last generation of workers against the
    first);
  - weft's log has no crash and no ERROR line the soak did not cause.

Exit status 0 when all of that holds.  Knobs (environment):
  SOAK_TIME      seconds per phase (default 90)
  SOAK_CLIENTS   concurrent clients (default 8)
  SOAK_PHASES    which phases, in order (default "python,cgi")
  SOAK_HARAKIRI  --harakiri seconds (default 6)
  SOAK_SEED      random seed (default: the time; printed)
  WEFT_BIN, WEFT_PLUGIN_DIR   the weft to run and its plugins (as for the
                 integration tests; default ./weft and ./.plugins)
"""
import os
import random
import re
import signal
import statistics
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
os.environ.setdefault("WEFT_BIN", os.path.join(os.getcwd(), "weft"))
os.environ.setdefault("WEFT_PLUGIN_DIR", os.path.join(os.getcwd(), ".plugins"))
sys.path.insert(0, os.path.join(TOP, "t", "integration"))
sys.path.insert(0, HERE)

import weftlib  # noqa: E402
import procwatch  # noqa: E402
import traffic  # noqa: E402
from traffic import Result  # noqa: E402
from wire import Closed, Conn, Hang  # noqa: E402

SOAK_TIME = float(os.environ.get("SOAK_TIME", "90"))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "8"))
PHASES = os.environ.get("SOAK_PHASES", "python,cgi").split(",")
HARAKIRI = int(os.environ.get("SOAK_HARAKIRI", "6"))
SEED = int(os.environ.get("SOAK_SEED", str(int(time.time()))))

# RSS is flat when a worker's resident memory at idle (the traffic paused,
# after weft's heap trim) in the second half of the fault-free window is
# within RSS_SLACK_MIB, or RSS_SLACK_PCT percent, of what it was at idle in
# the first half (see Phase.check_rss).  A window shorter than
# RSS_MIN_WINDOW seconds is not judged.
RSS_SLACK_MIB = 2.0
RSS_SLACK_PCT = 5.0
RSS_MIN_WINDOW = 20

# Lines the soak causes on purpose.
EXPECTED_ERRORS = [
    r"HARAKIRI",
    r"worker \d+ \(pid \d+\) was killed by SIGKILL: respawning it",
]


def phase_args(name):
    common = ["--processes", "2", "--master", "--async", "100", "--ugreen",
              "--harakiri", str(HARAKIRI)]
    if name == "python":
        return ["--plugin", "python", "--wsgi-file", os.path.join(HERE, "app.py")] + common
    if name == "cgi":
        return ["--plugin", "cgi", "--cgi", os.path.join(HERE, "cgi")] + common
    raise SystemExit("SOAK_PHASES: unknown phase %r (python, cgi)" % name)


def phase_path(name):
    if name == "cgi":
        return lambda what: "/%s.sh" % what
    return lambda what: "/" + what


# ---------------------------------------------------------------- the log

class Log:
    """weft's log, read as it grows."""

    def __init__(self, w):
        self.w = w

    def text(self):
        return self.w.log()

    def wait(self, pattern, count=1, timeout=30):
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        while True:
            found = list(rx.finditer(self.text()))
            if len(found) >= count:
                return found[count - 1]
            if time.time() > deadline:
                raise AssertionError("weft's log matched %r %d time(s), not %d, within %d s"
                                     % (pattern, len(found), count, timeout))
            time.sleep(0.2)

    def count(self, pattern):
        return len(re.findall(pattern, self.text()))

    def workers(self):
        """{worker id: pid} of the newest generation the log tells of."""
        out = {}
        for m in re.finditer(r"worker (\d+) started \(pid (\d+)\)", self.text()):
            out[int(m.group(1))] = int(m.group(2))
        return out


# ---------------------------------------------------------------- a phase

class Ctx:
    """What the traffic functions get: where to send, and where to record."""

    def __init__(self, addr, path):
        self.addr = addr
        self.path = path
        self.timeout = 30.0
        self.results = []
        self.lock = threading.Lock()
        self.senders = {}
        self.running = threading.Event()
        self.running.set()
        self.active = 0

    def begin(self):
        """A client starts an exchange (waits while the traffic is paused)."""
        while True:
            self.running.wait()
            with self.lock:
                if self.running.is_set():
                    self.active += 1
                    return

    def end(self):
        with self.lock:
            self.active -= 1

    def pause(self, timeout=60):
        """Stop the traffic: wait for the exchanges under way to finish."""
        with self.lock:
            self.running.clear()
        deadline = time.time() + timeout
        while self.active and time.time() < deadline:
            time.sleep(0.05)

    def resume(self):
        self.running.set()

    def record(self, r):
        with self.lock:
            self.results.append(r)

    @staticmethod
    def random_bytes(rng, n):
        return rng.randbytes(n)

    def send_in_background(self, conn, data):
        """Send data while the caller reads (an echo answers as it reads)."""
        if len(data) <= 65536:
            conn.send(data)
            return

        def send():
            try:
                conn.sock.sendall(data)
            except OSError:
                pass                    # the reader sees why
        t = threading.Thread(target=send, daemon=True)
        t.start()
        self.senders[id(conn)] = t

    def sent_done(self, conn):
        t = self.senders.pop(id(conn), None)
        if t is not None:
            t.join(self.timeout)


def client(ctx, rng, stop, errors):
    names = list(traffic.KINDS)
    weights = [traffic.KINDS[n][1] for n in names]
    while not stop.is_set():
        name = rng.choices(names, weights)[0]
        ctx.begin()
        try:
            traffic.KINDS[name][0](ctx, rng)
        except Exception:
            errors.append(traceback.format_exc())
            return
        finally:
            ctx.end()


class Fault:
    def __init__(self, kind, start):
        self.kind = kind              # "reload", "SIGKILL", "harakiri"
        self.start = start
        self.end = None
        self.pids = set()             # the workers it stopped
        self.kill = None              # when it SIGKILLed them (SIGKILL, harakiri)


class Phase:
    def __init__(self, name):
        self.name = name
        self.faults = []
        self.checks = []              # (what, ok, figures)
        self.rss_lines = []
        self.fd_lines = []

    def run(self):
        print("=== soak: %s, %g s, %d clients, --harakiri %d, seed %d"
              % (self.name, SOAK_TIME, CLIENTS, HARAKIRI, SEED), flush=True)
        self.w = weftlib.Weft(phase_args(self.name),
                              allow_errors=EXPECTED_ERRORS)
        self.log = Log(self.w)
        try:
            self._run()
        finally:
            if not self.w.stopped:
                try:
                    self.w.stop(check=False)
                except AssertionError as e:
                    self.checks.append(("weft stops", False, str(e).splitlines()[0]))

    def _run(self):
        w, log = self.w, self.log
        log.wait(r"worker 2 started", timeout=30)
        self.ctx = ctx = Ctx(w.addr, phase_path(self.name))
        self.watch = procwatch.Watcher(w.proc.pid, w.port)
        self.watch.start()

        # Warm up a little, then the idle baseline of fd counts.
        for i in range(40):
            rng = random.Random(i)
            traffic.converse(ctx, "warm-up", rng, [traffic.hello_req(ctx, rng)])
        time.sleep(2)
        first = log.workers()
        base = {"master": procwatch.fd_count(w.proc.pid)}
        base_fds = {"master": procwatch.fds(w.proc.pid)}
        for wid, pid in first.items():
            base["worker %d" % wid] = procwatch.fd_count(pid)
            base_fds["worker %d" % wid] = procwatch.fds(pid)
        ctx.results = []

        stop, errors = threading.Event(), []
        t0 = self.t0 = time.time()
        D = SOAK_TIME
        clients = [threading.Thread(target=client, args=(ctx, random.Random(SEED * 100 + i),
                                                         stop, errors), daemon=True)
                   for i in range(CLIENTS)]
        for c in clients:
            c.start()

        def at(frac):
            delay = t0 + frac * D - time.time()
            if delay > 0:
                time.sleep(delay)

        idle = []
        for frac in (0.12, 0.18, 0.24, 0.34, 0.42, 0.5):
            at(frac)
            idle.append(self.idle_rss(first))
        leak_window = (t0 + 0.12 * D, time.time())
        self.reload()
        at(0.6)
        self.sigkill(1)
        at(0.68)
        self.reload()
        at(0.75)
        self.harakiri()
        at(0.87)
        self.reload()
        at(0.95)
        time.sleep(1.0)
        stop.set()
        for c in clients:
            c.join(ctx.timeout + 30)
        hung = [c for c in clients if c.is_alive()]
        self.elapsed = time.time() - t0
        self.watch.stop()
        if errors:
            self.checks.append(("the soak's own clients", False, errors[0]))
        if hung:
            self.checks.append(("clients finish", False, "%d clients still busy" % len(hung)))

        self.check_rss(first, leak_window, idle)
        self.check_fds(base, base_fds)
        self.results = ctx.results
        # Stop weft: its exit proves every line is written; then the log.
        try:
            w.stop(check=True)
            self.checks.append(("weft's log: no crash, no unexpected ERROR line", True, ""))
        except AssertionError as e:
            msg = str(e)
            self.checks.append(("weft's log: no crash, no unexpected ERROR line", False,
                                msg.split("\n--- log:")[0].split("\n")[0]))
        if self.checks[-1][1]:
            os.unlink(w.logfile.name)
        else:
            print("weft's log kept in %s" % w.logfile.name)

    # ------------------------------------------------------------ faults
    def reload(self):
        log = self.log
        old = log.workers()
        started = log.count(r"worker \d+ started")
        drained = log.count(r"finished draining")
        f = Fault("reload", time.time())
        f.pids = set(old.values())
        self.faults.append(f)
        self.w.send_signal(signal.SIGHUP)
        log.wait(r"worker \d+ started", count=started + len(old), timeout=60)
        log.wait(r"finished draining", count=drained + len(old), timeout=90)
        f.end = time.time()
        print("    reload: workers %s drained and replaced in %.1f s"
              % (sorted(f.pids), f.end - f.start), flush=True)

    def sigkill(self, wid):
        log = self.log
        pid = log.workers()[wid]
        started = log.count(r"worker %d started" % wid)
        f = Fault("SIGKILL", time.time())
        f.pids = {pid}
        self.faults.append(f)
        f.kill = time.time()
        os.kill(pid, signal.SIGKILL)
        log.wait(r"worker %d started" % wid, count=started + 1, timeout=30)
        f.end = time.time()
        print("    SIGKILL: worker %d (pid %d) killed and respawned in %.1f s"
              % (wid, pid, f.end - f.start), flush=True)

    def harakiri(self):
        log, ctx = self.log, self.ctx
        fired = log.count(r"HARAKIRI: worker")
        started = log.count(r"worker \d+ started")
        f = Fault("harakiri", time.time())
        self.faults.append(f)
        target = {}

        def stuck():
            t0 = time.time()
            conn = Conn(ctx.addr, timeout=HARAKIRI * 5 + 30)
            try:
                conn.send(traffic.get(ctx.path("sleep") + "?s=%d" % (HARAKIRI * 4)))
                resp = conn.read()
                target["r"] = Result("harakiri target", t0, "corrupt",
                                     "the stuck request was answered (%d)" % resp.status, conn)
            except (Closed, Hang, ValueError) as e:
                target["r"] = Result("harakiri target", t0, "cut", str(e), conn)
            finally:
                conn.close()
        t = threading.Thread(target=stuck, daemon=True)
        t.start()
        m = log.wait(r"HARAKIRI: worker (\d+) \(pid (\d+)\)", count=fired + 1,
                     timeout=HARAKIRI + 30)
        f.pids = {int(m.group(2))}
        f.kill = time.time()          # (the log is polled: up to 0.2 s late)
        log.wait(r"worker \d+ started", count=started + 1, timeout=30)
        f.end = time.time()
        t.join(30)
        if "r" in target:
            ctx.record(target["r"])
        print("    harakiri: worker %s (pid %s) killed %.1f s after the stuck request, respawned"
              % (m.group(1), m.group(2), f.end - f.start), flush=True)

    # ------------------------------------------------------------ leaks
    def idle_rss(self, workers):
        """Pause the traffic; once weft has had a quiet moment (it trims its
        heap after a quiet second), each worker's RSS in KiB (the median of
        five samples); then let the traffic go on."""
        self.ctx.pause()
        time.sleep(1.8)
        out = {}
        for wid, pid in workers.items():
            samples = []
            for _ in range(5):
                samples.append(procwatch.rss_kib(pid) or 0)
                time.sleep(0.1)
            out[wid] = statistics.median(samples)
        self.ctx.resume()
        return out

    def check_rss(self, first, window, idle):
        """idle: six idle measurements across the fault-free window.  What
        a worker holds at idle also depends on what its cores and its open
        connections last served (a core keeps its last request's objects
        until it serves again): that only adds, and two measurements in a
        row can both catch it (CI saw 11.8 11.8 32.5 27.9 MiB), so the lowest
        of the three later measurements is held against the lowest of the
        three earlier ones; a leak raises every one of them."""
        lo, hi = window
        for wid, pid in sorted(first.items()):
            samples = [kib / 1024 for t, kib in self.watch.rss.get(pid, ()) if lo <= t <= hi]
            series = [m[wid] / 1024 for m in idle]
            a, b = min(series[:3]), min(series[3:])
            growth = b - a
            slack = max(RSS_SLACK_MIB, a * RSS_SLACK_PCT / 100)
            line = ("worker %d (pid %d): at idle %s MiB over %.0f s of traffic (%+.2f MiB, "
                    "%+.1f%%; allowed +%.1f MiB); under load median %.1f, max %.1f MiB"
                    % (wid, pid, " ".join("%.1f" % x for x in series), hi - lo, growth,
                       100 * growth / a, slack,
                       statistics.median(samples) if samples else 0,
                       max(samples) if samples else 0))
            if hi - lo < RSS_MIN_WINDOW:
                self.rss_lines.append(line + " (window under %d s: not judged)"
                                      % RSS_MIN_WINDOW)
                continue
            self.rss_lines.append(line)
            self.checks.append(("RSS flat, worker %d" % wid, growth <= slack, line))

    def check_fds(self, base, base_fds):
        """Wait (up to 20 s) for the fd counts to come back; report them."""
        master = self.w.proc.pid
        deadline = time.time() + 20
        while True:
            now = self.log.workers()
            cur = {"master": procwatch.fd_count(master)}
            cur_fds = {"master": procwatch.fds(master)}
            for wid, pid in now.items():
                cur["worker %d" % wid] = procwatch.fd_count(pid)
                cur_fds["worker %d" % wid] = procwatch.fds(pid)
            if cur == base or time.time() > deadline:
                break
            time.sleep(0.5)
        for who in sorted(base):
            ok = cur.get(who) == base[who]
            line = "%s: %s fds at idle before the traffic, %s after" % (who, base[who],
                                                                       cur.get(who))
            if not ok:
                extra = sorted(set(cur_fds.get(who, {}).values())
                               - set(base_fds[who].values()))
                line += "; new: %s" % ", ".join(extra[:10])
            self.fd_lines.append(line)
            self.checks.append(("fds back, %s" % who, ok, line))


# ---------------------------------------------------------------- the table

COLUMNS = ["requests", "ok", "retried", "cut", "lost:reload", "lost:SIGKILL",
           "lost:harakiri same", "lost:harakiri other", "lost:no fault", "hang", "corrupt"]
UNCONFIRMED = {}
ALLOWED = {"ok", "retried", "cut", "lost:SIGKILL", "lost:harakiri same", "requests"}


def classify(phase, r):
    """The column a Result counts in (besides requests and retried)."""
    if r.outcome in ("ok", "cut", "hang", "corrupt"):
        return r.outcome
    pid = r.pid
    if pid is None and r.port:
        pid = phase.watch.owner_of(r.port, r.opened, r.t1)
    for f in phase.faults:
        if pid is not None and pid in f.pids:
            if f.kind == "reload":
                return "lost:reload"
            return "lost:SIGKILL" if f.kind == "SIGKILL" else "lost:harakiri same"
    for f in phase.faults:
        if f.kill is not None and r.t0 <= f.kill + 0.2 and r.t1 >= f.kill - 1.0 \
                and r.t1 <= f.kill + 1.5:
            if pid is None:
                # Its connection was too short-lived for the watcher to see
                # on a worker, and it ended as the fault killed one: the
                # killed worker's, unconfirmed (counted apart).
                UNCONFIRMED[f.kind] = UNCONFIRMED.get(f.kind, 0) + 1
                return "lost:SIGKILL" if f.kind == "SIGKILL" else "lost:harakiri same"
            return "lost:harakiri other" if f.kind == "harakiri" else "lost:no fault"
    for f in phase.faults:
        if f.kind == "reload" and r.t1 >= f.start and r.t0 <= (f.end or r.t1) + 0.5:
            return "lost:reload"
    return "lost:no fault"


def window_of(phase, r):
    for f in phase.faults:
        if r.t1 >= f.start - 0.5 and r.t0 <= (f.end or r.t1) + 0.5:
            return f.kind
    return "none"


def report(phases):
    rows, failures, retries = {}, [], {}
    for ph in phases:
        for r in ph.results:
            row = rows.setdefault(r.kind, dict.fromkeys(COLUMNS, 0))
            col = classify(ph, r)
            row["requests"] += 1
            row[col] += 1
            if r.retried:
                row["retried"] += 1
                w = window_of(ph, r)
                retries[w] = retries.get(w, 0) + 1
            if col not in ALLOWED:
                failures.append((ph.name, col, r))
    total = dict.fromkeys(COLUMNS, 0)
    for row in rows.values():
        for c in COLUMNS:
            total[c] += row[c]
    width = max([len(k) for k in rows] + [8])
    print()
    print("%-*s %s" % (width, "kind", " ".join("%*s" % (max(len(c), 6), c) for c in COLUMNS)))
    for name in sorted(rows) + ["total"]:
        row = total if name == "total" else rows[name]
        print("%-*s %s" % (width, name, " ".join("%*d" % (max(len(c), 6), row[c])
                                                 for c in COLUMNS)))
    print("retried, by the fault window they fell in: %s"
          % (", ".join("%s %d" % kv for kv in sorted(retries.items())) or "none"))
    print("lost to a kill on a worker no /proc snapshot had seen the connection on "
          "(counted as the killed worker's): %s"
          % (", ".join("%s %d" % kv for kv in sorted(UNCONFIRMED.items())) or "none"))
    for ph in phases:
        print()
        print("%s: %.0f s of traffic; faults:" % (ph.name, getattr(ph, "elapsed", 0)))
        for f in ph.faults:
            print("  %-8s at +%.1f s for %.1f s, workers %s"
                  % (f.kind, f.start - ph.t0,
                     (f.end or f.start) - f.start, sorted(f.pids)))
        for line in ph.rss_lines:
            print("  RSS  " + line)
        for line in ph.fd_lines:
            print("  fds  " + line)
    if failures:
        print()
        print("requests that failed where nothing may fail (%d; the first 30):" % len(failures))
        for name, col, r in failures[:30]:
            print("  [%s] %s: %s (%s) t=%.2f..%.2f port=%s pid=%s"
                  % (name, r.kind, col, r.why, r.t0 % 1000, r.t1 % 1000, r.port, r.pid))
    bad = [(ph.name, what, figures) for ph in phases for what, ok, figures in ph.checks
           if not ok]
    print()
    for name, what, figures in bad:
        print("FAILED [%s] %s: %s" % (name, what, figures))
    ok = not failures and not bad
    print("soak: %s" % ("ok" if ok else "FAILED"))
    return ok


def main():
    for p in PHASES:
        phase_args(p)
    if not os.access(os.environ["WEFT_BIN"], os.X_OK):
        raise SystemExit("soak: no weft at %s (run it from the build tree, or set WEFT_BIN)"
                         % os.environ["WEFT_BIN"])
    for plugin in ["ugreen"] + PHASES:
        if not weftlib.plugin_available(plugin):
            raise SystemExit("soak: %s.so is not in %s (WEFT_PLUGIN_DIR)"
                             % (plugin, os.environ["WEFT_PLUGIN_DIR"]))
    phases = []
    for name in PHASES:
        ph = Phase(name)
        phases.append(ph)
        try:
            ph.run()
        except Exception as e:       # weft died, a wait timed out: still the table
            ph.checks.append(("the phase runs", False,
                              str(e) if isinstance(e, AssertionError)
                              else traceback.format_exc()))
            ph.results = getattr(ph, "ctx", None) and ph.ctx.results or []
            if not hasattr(ph, "watch"):
                ph.watch = procwatch.Watcher(0, 0)
    return 0 if report(phases) else 1


if __name__ == "__main__":
    sys.exit(main())
