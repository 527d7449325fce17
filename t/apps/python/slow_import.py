"""A WSGI app whose import takes a while (SLOW_IMPORT seconds), saying so
first on stderr, so a test can signal weft while its app is still loading."""
import os
import sys
import time

sys.stderr.write("slow_import: loading\n")
sys.stderr.flush()
time.sleep(float(os.environ.get("SLOW_IMPORT", "2")))


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"loaded"]
