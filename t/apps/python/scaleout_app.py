"""The scale-out test's app (t/integration/test_scaleout.py): every answer
names the instance and the worker that made it and proves it saw the whole
request.

    ANY /work?ms=N&...   sleeps N ms (a request in flight), then answers
                         "INSTANCE PID SHA256\\n", the digest of
                         "METHOD URI\\n" + the request body
    GET /                "INSTANCE PID" (wrk's volume)

INSTANCE is $SCALEOUT_INSTANCE, set per weft instance by the test.
"""
import hashlib
import os
import time
from urllib.parse import parse_qs

INSTANCE = os.environ.get("SCALEOUT_INSTANCE", "?")


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/work":
        query = environ.get("QUERY_STRING", "")
        ms = int(parse_qs(query).get("ms", ["0"])[0])
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        if ms:
            time.sleep(ms / 1000.0)
        uri = path + ("?" + query if query else "")
        digest = hashlib.sha256(("%s %s\n" % (environ["REQUEST_METHOD"], uri)).encode()
                                + body).hexdigest()
        out = ("%s %d %s\n" % (INSTANCE, os.getpid(), digest)).encode()
    else:
        out = ("%s %d\n" % (INSTANCE, os.getpid())).encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(out)))])
    return [out]
