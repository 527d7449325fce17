# The example app of uWSGI's async documentation (tests/cpubound_async.py),
# unchanged: every yield is a switch point under --async.
def application(env, start_response):
    start_response('200 OK', [('Content-Type', 'text/html')])
    for i in range(1, 10000):
        yield "<h1>%s</h1>" % i
