"""The smallest WSGI app: weft --plugin python --http-socket :8080 --wsgi-file examples/python/hello.py"""


def application(environ, start_response):
    body = b"Hello, World!\n"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
