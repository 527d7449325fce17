# An app that cannot be imported: weft must refuse to start, with the
# traceback in its log.
import weft_no_such_module_here  # noqa: F401


def application(env, start_response):
    start_response('200 OK', [])
    return [b"unreachable"]
