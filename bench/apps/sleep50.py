# A WSGI app that blocks 50 ms per request (time.sleep releases the GIL),
# for bench/threads.py: what --threads is for.
import time


def application(env, start_response):
    time.sleep(0.05)
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '5')])
    return [b"slept"]
