# A WSGI app that sleeps one second with gevent.sleep(), for the gevent
# engines in bench/wsgi.py (uWSGI's gevent mode does not wait on
# uwsgi.async_sleep(): its requests return at once).
import gevent


def application(env, start_response):
    gevent.sleep(1)
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b"slept"]
