# The smallest WSGI app: the hello-world every server is compared on.
def application(env, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '13')])
    return [b"Hello, World!"]
