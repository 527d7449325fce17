/*
 * plugins/ruby/rack.c - the language handler's request() and
 * request_done(): one Rack call per request.
 *
 * request() is called once to start a request, and again each time it
 * returned WEFT_AGAIN (a switch point of a streamed body with --async and
 * no engine).  Everything that runs Ruby runs inside one rb_protect, so no
 * exception ever unwinds through the core: an exception before the
 * headers are out gives a 500 (the core answers for WEFT_ERROR), after
 * that the response is cut; either way the backtrace is logged and the
 * worker goes on.  request_done() always closes the body.
 */
#include "ruby.h"

typedef struct {
    weft_rb_core_t *rc;
    weft_request_t *r;
} call_t;

static ID id_call;

static VALUE
start_cb(VALUE arg)
{
    call_t *c = (call_t *) arg;
    VALUE   result;

    if (id_call == 0)
        id_call = rb_intern("call");
    c->rc->env = weft_rb_env(c->rc, c->r);
    result = rb_funcall(weft_rb_app, id_call, 1, c->rc->env);
    return INT2FIX(weft_rb_respond(c->rc, c->r, result));
}

static VALUE
more_cb(VALUE arg)
{
    call_t *c = (call_t *) arg;

    return INT2FIX(weft_rb_respond_more(c->rc, c->r));
}

int
weft_rb_request(weft_request_t *r)
{
    weft_rb_core_t *rc = &weft_rb_cores[r->core->id];
    call_t          c = { rc, r };
    VALUE           v;
    int             state;

    if (r->ctx == NULL) {
        if (NIL_P(weft_rb_app)) {
            weft_rb_api->log(WEFT_LOG_ERROR, "%.*s %.*s: no Rack app is loaded",
                             (int) r->method.len, r->method.data, (int) r->uri.len, r->uri.data);
            return WEFT_ERROR;
        }
        r->ctx = rc;
        rc->r = r;
        rc->gen++;
        rc->phase = WEFT_RB_START;
        rc->waits = rc->aborted = rc->failed = rc->hijacked = 0;
        weft_rb_input_bind(rc);
        weft_rb_hijack_bind(rc);
        v = weft_rb_protect(start_cb, (VALUE) &c, &state);
    } else {
        v = weft_rb_protect(more_cb, (VALUE) &c, &state);
    }
    if (state) {
        if (rc->aborted || (r->flags & WEFT_REQ_CLIENT_GONE)) {
            /* Not the app's fault (the client left, or a stop cut the
             * request's waits short): one line, no backtrace. */
            weft_rb_api->log(WEFT_LOG_INFO, "%.*s %.*s: %s; the app stopped",
                             (int) r->method.len, r->method.data,
                             (int) r->uri.len, r->uri.data,
                             (r->flags & WEFT_REQ_CLIENT_GONE) ? "the client went away"
                                                               : "the request was cut short");
            rb_set_errinfo(Qnil);
        } else
            weft_rb_log_exception(WEFT_LOG_ERROR, "%.*s %.*s: the app raised an exception",
                                  (int) r->method.len, r->method.data,
                                  (int) r->uri.len, r->uri.data);
        return WEFT_ERROR;
    }
    if (rc->failed)
        return WEFT_ERROR;
    return FIX2INT(v);
}

void
weft_rb_request_done(weft_request_t *r)
{
    weft_rb_core_t *rc = r->ctx;

    if (rc == NULL)
        return;
    weft_rb_response_done(rc);
    weft_rb_stdio_check(r);
    rc->r = NULL;
    rc->gen++;                      /* its input and stream: stale */
    r->ctx = NULL;
}
