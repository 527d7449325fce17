"""The smallest WSGI app.  From a build tree:

    ./weft --plugin-dir .plugins --http-socket :8080 --wsgi-file examples/python/hello.py

then open http://localhost:8080/.  See docs/python.md.
"""


def application(environ, start_response):
    body = b"Hello, World!\n"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
