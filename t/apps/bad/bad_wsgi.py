"""A WSGI app that misbehaves in the way PATH_INFO names (t/integration/
test_bad_apps.py); /ok and /pid behave."""
import os
import sys
import time


def ok(start_response, body=b"ok"):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]


def cut(start_response, length):
    headers = [("Content-Type", "text/plain")]
    if length:
        headers.append(("Content-Length", "100000"))
    start_response("200 OK", headers)

    def body():
        yield b"part of the body " * 2000   # over the 16k the core holds back
        time.sleep(0.2)                 # the head and the part are on the wire
        raise RuntimeError("the body broke halfway")
    return body()


def fork(start_response, how):
    pid = os.fork()
    if pid == 0:
        if how == "exit":
            os._exit(0)
        if how == "linger":
            time.sleep(60)
            os._exit(0)
        # "return": the child comes back into the server, as the parent does
        return ok(start_response, b"child")
    return ok(start_response, b"parent %d" % pid)


def application(env, start_response):
    case = env["PATH_INFO"].strip("/")
    if case == "ok":
        print("stdout still works")
        sys.stdout.flush()
        return ok(start_response)
    if case == "pid":
        return ok(start_response, str(os.getpid()).encode())
    if case == "status_type":
        start_response(200, [("Content-Type", "text/plain")])
        return [b"x"]
    if case == "body_type":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return 42
    if case == "header_type":
        start_response("200 OK", [("Content-Type",)])
        return [b"x"]
    if case == "header_crlf":
        start_response("200 OK", [("X-A", "a\r\nSet-Cookie: evil=1")])
        return [b"x"]
    if case == "header_nul_name":
        start_response("200 OK", [("X-\0A", "v")])
        return [b"x"]
    if case == "header_nul_value":
        start_response("200 OK", [("X-A", "a\0b")])
        return [b"x"]
    if case == "status_nodigits":
        start_response("OK", [("Content-Type", "text/plain")])
        return [b"x"]
    if case == "raise_before":
        def body():
            raise RuntimeError("the body broke before its first chunk")
            yield b"never"
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body()
    if case == "raise_after_chunked":
        return cut(start_response, False)
    if case == "raise_after_length":
        return cut(start_response, True)
    if case.startswith("close_"):
        os.close({"close_stdin": 0, "close_stdout": 1, "close_stderr": 2}[case])
        return ok(start_response)
    if case.startswith("fork_"):
        return fork(start_response, case[5:])
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"no such case"]
