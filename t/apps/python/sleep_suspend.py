# async_sleep() followed by suspend(): the other call pattern of uWSGI's
# async API.  Answers with the core that served the request, and for a
# POST with the body it read after its sleep.
import uwsgi


def application(env, start_response):
    seconds = float(env.get('QUERY_STRING') or 1)
    uwsgi.async_sleep(seconds)
    uwsgi.suspend()
    body = b"slept %g on core %d" % (seconds, uwsgi.core_id())
    if env['REQUEST_METHOD'] == 'POST':
        body += b", read " + env['wsgi.input'].read()
    start_response('200 OK', [('Content-Type', 'text/plain'),
                              ('Content-Length', str(len(body)))])
    return [body]
