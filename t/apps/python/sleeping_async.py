# A sleeping app in the style of uWSGI's tests/sleeping_async.py: the query
# string is the number of seconds; the sleep is a registered timer followed
# by `yield`.
import uwsgi


def application(env, start_response):
    seconds = float(env.get('QUERY_STRING') or 1)
    start_response('200 OK', [('Content-Type', 'text/html')])
    yield uwsgi.async_sleep(seconds)
    yield ("<h1>Hello World after %s seconds</h1>" % seconds).encode()
