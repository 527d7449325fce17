/*
 * plugins/python/wsgi.c - the language handler's request() and
 * request_done(): one WSGI call per request.
 *
 * request() is called once to start a request, and again each time it
 * returned WEFT_AGAIN (a streamed body's switch point).  r->ctx points at
 * the core's Python state while a request is in flight; request_done()
 * closes the app's iterable and clears it, whatever happened before.
 */
#include "python.h"

static int
call_app(weft_py_core_t *pc, weft_request_t *r)
{
    PyObject *stack[3], *env, *sr;

    if (weft_py_app == NULL) {
        weft_py_api->log(WEFT_LOG_ERROR, "%.*s %.*s: no Python app is loaded",
                         (int) r->method.len, r->method.data, (int) r->uri.len, r->uri.data);
        return WEFT_ERROR;
    }
    env = weft_py_environ(pc, r);
    sr = env != NULL ? weft_py_start_response_for(pc) : NULL;
    if (sr == NULL) {
        Py_XDECREF(env);
        weft_py_log_request_exception(r, "cannot make the WSGI environ");
        return WEFT_ERROR;
    }
    /* stack[0] is scratch space the callee may use (a bound method's self). */
    stack[0] = NULL;
    stack[1] = env;
    stack[2] = sr;
    pc->result = PyObject_Vectorcall(weft_py_app, stack + 1,
                                     2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    Py_DECREF(env);
    if (pc->result == NULL) {
        weft_py_log_request_exception(r, "the app raised an exception");
        return WEFT_ERROR;
    }
    return weft_py_respond(pc, r);
}

int
weft_py_request(weft_request_t *r)
{
    weft_py_core_t *pc = &weft_py_cores[r->core->id];
    int             rc;

    weft_py_enter(pc);
    if (r->ctx == NULL) {
        r->ctx = pc;
        pc->r = r;
        pc->gen++;
        rc = call_app(pc, r);
    } else {
        rc = weft_py_respond(pc, r);
    }
    weft_py_leave(pc);
    return rc;
}

void
weft_py_request_done(weft_request_t *r)
{
    weft_py_core_t *pc = r->ctx;

    if (pc == NULL)
        return;
    weft_py_enter(pc);
    weft_py_response_done(pc);
    pc->r = NULL;
    pc->gen++;                      /* its start_response, input: stale */
    weft_py_leave(pc);
    r->ctx = NULL;
}

void
weft_py_core_release(weft_py_core_t *pc)
{
    Py_CLEAR(pc->start_response);
    Py_CLEAR(pc->write);
    Py_CLEAR(pc->input);
}
