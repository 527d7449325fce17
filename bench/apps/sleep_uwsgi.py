# A WSGI app that sleeps one second through uWSGI's async API, for
# comparing uWSGI's engines with weft's in bench/engine.py.
import uwsgi


def application(env, start_response):
    uwsgi.async_sleep(1)
    uwsgi.suspend()
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b"slept"]
