"""An app that starts a thread while it is imported (a scheduler, say):
under --master that thread lives only in the master."""
import threading
import time


def tick():
    while True:
        time.sleep(1)


threading.Thread(target=tick, name="ticker", daemon=True).start()


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
