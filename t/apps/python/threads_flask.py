"""A Flask app that blocks, for --threads (t/integration/test_threads.py):
/sleep sleeps 0.5 s; /peak is the most requests Flask ran at once."""
import threading
import time

from flask import Flask

app = Flask(__name__)
lock = threading.Lock()
state = {"inflight": 0, "peak": 0}


@app.route("/sleep")
def sleep():
    with lock:
        state["inflight"] += 1
        state["peak"] = max(state["peak"], state["inflight"])
    try:
        time.sleep(0.5)
    finally:
        with lock:
            state["inflight"] -= 1
    return "flask slept on %s" % threading.current_thread().name


@app.route("/peak")
def peak():
    return str(state["peak"])
