"""Under --greenlet: what the app sees of its greenlet."""
import greenlet

import weft


def application(env, start_response):
    me = greenlet.getcurrent()
    weft.async_sleep(0.1)
    weft.suspend()
    assert greenlet.getcurrent() is me
    body = ("%d %s %s" % (id(me), me.parent is None, me.parent.parent is None)).encode()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]
