"""cheaper: uWSGI's adaptive process spawning (the spare algorithm).  The
worker count follows a load that rises and falls, between --cheaper and
--processes, and no request is lost on the way; each option's bad value
is refused with a message; busyness follows its own knobs; the other
algorithms are refused."""
import os
import re
import signal
import threading

from statslib import stats_tcp
from weftlib import TEST_PLUGINS, free_port, http_get, run, wait_for, workers_of

TESTAPP = os.path.join(TEST_PLUGINS, "testapp.so")
CHEAPER = ("--processes", "4", "--cheaper", "1", "--cheaper-initial", "1",
           "--cheaper-overload", "1")


class Load:
    """n clients, each sending GET path on a new connection, again and
    again, until stop(); every answer's status is kept."""

    def __init__(self, w, n, path):
        self.w, self.path = w, path
        self.statuses, self.errors = [], []
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self.client, daemon=True) for _ in range(n)]
        for t in self.threads:
            t.start()

    def client(self):
        while not self.done.is_set():
            try:
                r = http_get(self.w, self.path, timeout=60)
                with self.lock:
                    self.statuses.append(r.status)
            except (OSError, AssertionError, ValueError) as e:
                with self.lock:
                    self.errors.append(repr(e))

    def stop(self):
        self.done.set()
        for t in self.threads:
            t.join(90)
        assert not any(t.is_alive() for t in self.threads), "a client hangs"
        assert self.errors == [], self.errors
        assert self.statuses and all(s == 200 for s in self.statuses), self.statuses
        return len(self.statuses)


def test_the_worker_count_follows_a_load_that_rises_and_falls(weft):
    w = weft("--plugin", TESTAPP, *CHEAPER)
    w.wait_text("starting 1 worker (cheaper: 1 to 4 as the load needs)")
    w.wait_text("worker 1 started")
    wait_for(lambda: len(workers_of(w)) == 1, what="one worker")

    # two clients' worth of load: one worker is not enough
    two = Load(w, 2, "/sleep?s=0.3")
    w.wait_log(r"cheaper: spawning 1 worker \(all 1 busy for \d+ s, \d+ waiting\)", timeout=60)
    wait_for(lambda: len(workers_of(w)) >= 2, timeout=60, what="a second worker")
    # many clients: up to --processes, never more
    many = Load(w, 12, "/sleep?s=0.3")
    w.wait_text("worker 4 started", timeout=90)
    wait_for(lambda: len(workers_of(w)) == 4, timeout=60, what="four workers")
    ids = set()
    for _ in range(40):
        ids.add(http_get(w, "/ids", timeout=60).body)
    assert len(ids) >= 2, ids
    assert all(re.match(rb"worker [1-4] core 0", i) for i in ids), ids
    served = many.stop() + two.stop()
    assert served > 0

    # a light load: workers are stopped while one client goes on, and
    # every one of its requests is answered (a stopped worker drains)
    one = Load(w, 1, "/sleep?s=0.3")
    w.wait_log(r"cheaper: stopping worker \d \(pid \d+\) \(\d of \d idle for \d+ s, \d+ waiting\): "
               r"it drains and is not replaced", timeout=60)
    wait_for(lambda: len(workers_of(w)) <= 2, timeout=90, what="two workers or fewer")
    assert one.stop() > 0

    # no load: back to --cheaper, each stopped worker drained
    wait_for(lambda: len(workers_of(w)) == 1, timeout=90, what="back to one worker")
    w.wait_log(r"finished draining", count=3, timeout=30)
    assert http_get(w, "/hello").status == 200
    # never below --cheaper, never above --processes
    w.assert_log_count(r"worker 5 started", 0, after=r"finished draining")
    assert len(re.findall(r"cheaper: stopping worker", w.log())) >= 3, w.log()


def test_processes_is_the_maximum_and_cheaper_initial_the_start(weft):
    stats = free_port()
    w = weft("--plugin", TESTAPP, "--processes", "3", "--cheaper", "1",
             "--cheaper-initial", "2", "--cheaper-overload", "30",
             "--stats", "127.0.0.1:%d" % stats)
    w.wait_text("starting 2 workers (cheaper: 1 to 3 as the load needs)")
    w.wait_text("worker 2 started")
    wait_for(lambda: len(workers_of(w)) == 2, what="two workers")
    assert http_get(w, "/hello").status == 200
    # the stats document says which id cheaper has not started (uWSGI's "cheap")
    doc = wait_for(lambda: (lambda d: d if all(x["status"] != "starting" for x in d["workers"])
                            else None)(stats_tcp(stats)), what="both workers serving")
    assert [x["status"] for x in doc["workers"]][2] == "cheap", doc["workers"]
    assert doc["workers"][2]["pid"] == 0
    w.assert_log_count(r"worker 3 started", 0, after=r"worker 2 started")


def refused(args, *expect):
    r = run(["--http-socket", "127.0.0.1:0", "--plugin", TESTAPP] + list(args))
    assert r.returncode != 0, r.stdout + r.stderr
    for e in expect:
        assert e in r.stderr, (e, r.stderr)
    assert "Traceback" not in r.stderr and "Sanitizer" not in r.stderr
    return r


def test_each_option_refuses_a_bad_value():
    refused(["--processes", "4", "--cheaper", "4"],
            "--cheaper 4 must be lower than --processes 4")
    refused(["--cheaper", "1"], "--cheaper 1 must be lower than --processes 1")
    refused(["--processes", "4", "--cheaper", "-1"], "--cheaper", "out of range")
    refused(["--processes", "4", "--cheaper", "two"], "--cheaper")
    refused(["--processes", "4", "--cheaper", "2", "--cheaper-initial", "1"],
            "--cheaper-initial 1 must be between --cheaper 2 and --processes 4")
    refused(["--processes", "4", "--cheaper", "2", "--cheaper-initial", "5"],
            "--cheaper-initial 5 must be between --cheaper 2 and --processes 4")
    refused(["--processes", "4", "--cheaper", "1", "--cheaper-step", "0"],
            "--cheaper-step", "out of range")
    refused(["--processes", "4", "--cheaper", "1", "--cheaper-overload", "0"],
            "--cheaper-overload", "out of range")
    for opt in ("--cheaper-initial", "--cheaper-step", "--cheaper-overload"):
        refused(["--processes", "4", opt, "2"], opt + " needs --cheaper N")
    refused(["--processes", "4", "--cheaper-algo", "busyness"],
            "--cheaper-algo busyness needs --cheaper N")
    busy = ["--processes", "4", "--cheaper", "1", "--cheaper-algo", "busyness"]
    refused(busy + ["--cheaper-busyness-max", "lots"], "--cheaper-busyness-max")
    refused(busy + ["--cheaper-busyness-max", "101"], "--cheaper-busyness-max", "out of range")
    refused(busy + ["--cheaper-busyness-min", "-1"], "--cheaper-busyness-min", "out of range")
    refused(busy + ["--cheaper-busyness-min", "60", "--cheaper-busyness-max", "50"],
            "--cheaper-busyness-min 60 must be lower than --cheaper-busyness-max 50")
    for opt in ("multiplier", "backlog-multiplier", "backlog-step"):
        refused(busy + ["--cheaper-busyness-" + opt, "0"], "--cheaper-busyness-" + opt,
                "out of range")
    for opt in ("penalty", "backlog-alert", "backlog-nonzero"):
        refused(busy + ["--cheaper-busyness-" + opt, "-1"], "--cheaper-busyness-" + opt,
                "out of range")


def test_other_algorithms_are_refused():
    for algo in ("backlog", "spare2", "manual"):
        refused(["--processes", "4", "--cheaper", "1", "--cheaper-algo", algo],
                "weft does not run uWSGI's '%s' algorithm" % algo, "cheaper-algo = spare")
    refused(["--processes", "4", "--cheaper", "1", "--cheaper-algo", "sparse"],
            "'sparse' is not a cheaper algorithm")


def test_busyness_follows_the_average_busyness(weft, tmp_path):
    ini = tmp_path / "busy.ini"
    ini.write_text("""[uwsgi]
processes = 4
cheaper-algo = busyness
cheaper = 1
cheaper-initial = 1
cheaper-overload = 1
cheaper-busyness-max = 60
cheaper-busyness-min = 20
cheaper-busyness-multiplier = 2
cheaper-busyness-verbose = true
""")
    w = weft("--plugin", TESTAPP, "--ini", str(ini))
    w.wait_text("cheaper: busyness: min 20%, max 60%, window 1 s, multiplier 2, penalty 2; "
                "backlog alert 33, step 1, multiplier 3, nonzero 60 s")
    w.wait_text("worker 1 started")
    load = Load(w, 12, "/sleep?s=0.3")
    w.wait_log(r"cheaper: spawning 1 worker \(busyness \d+% over 1 s, above cheaper-busyness-max 60%\)",
               timeout=60)
    w.wait_text("worker 4 started", timeout=90)
    wait_for(lambda: len(workers_of(w)) == 4, timeout=60, what="four workers")
    assert load.stop() > 0
    w.wait_log(r"cheaper: average busyness of \d workers over 1 s: \d+%")
    w.wait_log(r"cheaper: busyness \d+%: 1 more idle window \(1 s\) before one of \d workers is stopped",
               timeout=60)
    w.wait_log(r"cheaper: stopping worker \d \(pid \d+\) \(busyness \d+% over 1 s, below "
               r"cheaper-busyness-min 20% for 2 windows\): it drains and is not replaced", timeout=60)
    wait_for(lambda: len(workers_of(w)) == 1, timeout=90, what="back to one worker")
    assert http_get(w, "/hello").status == 200


def test_busyness_penalty_when_a_worker_comes_back_too_soon(weft):
    w = weft("--plugin", TESTAPP, "--processes", "3", "--cheaper", "1", "--cheaper-initial", "2",
             "--cheaper-algo", "busyness", "--cheaper-overload", "2",
             "--cheaper-busyness-multiplier", "5", "--cheaper-busyness-penalty", "4")
    w.wait_text("worker 2 started")
    # idle: one of the two is stopped after 5 idle windows
    w.wait_log(r"cheaper: stopping worker 2 .*for 5 windows", timeout=60)
    # and needed again at once: the multiplier grows by the penalty
    load = Load(w, 6, "/sleep?s=0.3")
    w.wait_log(r"cheaper: busyness: a worker is needed \d+ s after one was stopped: 9 idle windows "
               r"are needed to stop one from now on \(cheaper-busyness-penalty 4\)", timeout=60)
    w.wait_text("cheaper: spawning 1 worker (busyness")
    assert load.stop() > 0


def test_busyness_starts_emergency_workers_for_the_listen_queue(weft):
    # windows too long to matter here: only the queue starts workers
    w = weft("--plugin", TESTAPP, "--processes", "3", "--cheaper", "1", "--cheaper-algo",
             "busyness", "--cheaper-overload", "600", "--cheaper-busyness-backlog-alert", "2",
             "--cheaper-busyness-backlog-step", "2")
    w.wait_text("worker 1 started")
    load = Load(w, 12, "/sleep?s=0.3")
    w.wait_log(r"cheaper: spawning 2 workers \(\d+ waiting, over cheaper-busyness-backlog-alert 2\)",
               timeout=60)
    wait_for(lambda: len(workers_of(w)) == 3, timeout=60, what="three workers")
    assert load.stop() > 0


def test_check_config_knows_the_cheaper_options(tmp_path):
    ini = tmp_path / "app.ini"
    ini.write_text("""[uwsgi]
http-socket = 127.0.0.1:0
workers = 8
cheaper = 2
cheaper-initial = 3
cheaper-step = 2
cheaper-overload = 5
cheaper-algo = busyness
cheaper-busyness-min = 20
cheaper-rss-limit-soft = 134217728
""")
    r = run(["--plugin", TESTAPP, "--check-config", str(ini)])
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert re.search(r":10: cheaper-rss-limit-soft: unsupported: weft runs cheaper's spare and busyness", out), out
    for honoured in ("cheaper:", "cheaper-initial:", "cheaper-step:", "cheaper-overload:",
                     "cheaper-algo:", "cheaper-busyness-min:"):
        assert (": " + honoured) not in out, out
    # and a file whose cheaper options disagree would not start
    ini.write_text("[uwsgi]\nhttp-socket = 127.0.0.1:0\nprocesses = 2\ncheaper = 2\n")
    r = run(["--plugin", TESTAPP, "--check-config", str(ini)])
    assert r.returncode == 1, r.stdout + r.stderr
    assert "--cheaper 2 must be lower than --processes 2" in r.stderr


def test_no_cheaper_keeps_every_worker(weft):
    w = weft("--plugin", TESTAPP, "--processes", "3")
    wait_for(lambda: len(workers_of(w)) == 3, what="three workers")
    assert http_get(w, "/hello").status == 200
    w.stop()
    w.assert_not_logged(r"cheaper:")


def test_a_dead_worker_is_respawned_and_a_reload_starts_from_cheaper_initial(weft):
    w = weft("--plugin", TESTAPP, "--processes", "4", "--cheaper", "1", "--cheaper-initial", "3",
             "--cheaper-overload", "600", allow_errors=[r"was killed by SIGKILL: respawning it"])
    w.wait_text("starting 3 workers (cheaper: 1 to 4 as the load needs)")
    w.wait_text("worker 3 started")
    wait_for(lambda: len(workers_of(w)) == 3, what="three workers")
    # a worker that dies under cheaper is respawned with its id
    victim = workers_of(w)[1]
    os.kill(victim, signal.SIGKILL)
    m = w.wait_log(r"worker (\d) \(pid %d\) was killed by SIGKILL: respawning it" % victim, timeout=30)
    w.wait_text("worker %s started" % m.group(1), count=2)
    wait_for(lambda: len(workers_of(w)) == 3 and victim not in workers_of(w),
             what="three workers again")
    # SIGHUP: the new generation starts with --cheaper-initial workers
    w.send_signal(signal.SIGHUP)
    w.wait_text("starting 3 workers (cheaper: 1 to 4 as the load needs)", count=2, timeout=30)
    w.wait_log(r"finished draining", count=3, timeout=60)
    wait_for(lambda: len(workers_of(w)) == 3, timeout=60, what="three workers after the reload")
    assert http_get(w, "/hello").status == 200
    w.assert_log_count(r"worker 4 started", 0, after=r"finished draining")
