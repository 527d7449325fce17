"""Many slow requests on one worker, without threads.

    ./weft --plugin-dir .plugins --http-socket :8080 --wsgi-file examples/python/sleep.py \
           --async 100 --greenlet        # or --ugreen

Each request sleeps without holding the worker: a hundred of them at once
still take about a second.  Try /?0.25 for a quarter of a second.  Apps
written for uWSGI's async mode (`import uwsgi`) run the same way.
"""
import weft


def application(environ, start_response):
    seconds = float(environ.get("QUERY_STRING") or 1)
    weft.async_sleep(seconds)       # register a timer ...
    weft.suspend()                  # ... and let other requests run until it fires
    body = b"slept %g s on core %d\n" % (seconds, weft.core_id())
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
