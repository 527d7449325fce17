/*
 * plugins/ruby/api_module.c - the in-app API: module Weft, also named
 * UWSGI, so apps written for uWSGI's async mode run unchanged.
 *
 * The same names and argument rules as the Python module: as in uWSGI,
 * wait_fd_read(), wait_fd_write() and async_sleep() only register a wait;
 * the app then calls suspend(), or yields an empty chunk from its body
 * (they return "", so `yield UWSGI.async_sleep(1)` works).  Unlike uWSGI,
 * async_sleep() takes fractions of a second.
 */
#include "ruby.h"

VALUE weft_rb_mWeft = Qnil;

/* The core of the calling request; raises outside one. */
static weft_rb_core_t *
current(const char *fn)
{
    weft_rb_core_t *rc;

    weft_rb_on_worker_thread("Weft.", fn);
    rc = weft_rb_current();
    if (rc == NULL || rc->r == NULL)
        rb_raise(rb_eRuntimeError, "Weft.%s called outside a request", fn);
    return rc;
}

/* An fd: an Integer, or an IO (or anything with fileno). */
static int
fd_of(VALUE v)
{
    if (RB_INTEGER_TYPE_P(v))
        return NUM2INT(v);
    if (rb_respond_to(v, rb_intern("fileno")))
        return NUM2INT(rb_funcall(v, rb_intern("fileno"), 0));
    rb_raise(rb_eTypeError, "an fd must be an Integer or an IO, not %s", rb_obj_classname(v));
    return -1;
}

/* (fd, timeout=0) or (fd, timeout: t) */
static void
parse_fd_args(int argc, VALUE *argv, const char *fn, int *fd, double *timeout)
{
    VALUE opts = Qnil, t = Qnil;

    if (argc > 0 && RB_TYPE_P(argv[argc - 1], T_HASH)) {
        opts = argv[--argc];
        t = rb_hash_lookup2(opts, ID2SYM(rb_intern("timeout")), Qundef);
        if (t == Qundef || RHASH_SIZE(opts) != 1)
            rb_raise(rb_eArgError, "%s(fd, timeout=0): unexpected keyword", fn);
    }
    if (argc < 1 || argc > 2 || (argc == 2 && !NIL_P(opts)))
        rb_raise(rb_eArgError, "%s(fd, timeout=0)", fn);
    if (argc == 2)
        t = argv[1];
    *fd = fd_of(argv[0]);
    *timeout = NIL_P(t) ? 0 : NUM2DBL(t);
    if (*timeout < 0)
        *timeout = 0;
}

static VALUE
wait_fd(int argc, VALUE *argv, const char *fn, int events)
{
    weft_rb_core_t *rc;
    double          timeout;
    int             fd;

    parse_fd_args(argc, argv, fn, &fd, &timeout);
    rc = current(fn);
    if (weft_rb_api->watch_fd(rc->r, fd, events, timeout) != WEFT_OK)
        rb_raise(rb_eArgError, "%s(): cannot wait on fd %d", fn, fd);
    rc->waits = 1;
    return rb_str_new(NULL, 0);
}

static VALUE
m_wait_fd_read(int argc, VALUE *argv, VALUE self)
{
    (void) self;
    return wait_fd(argc, argv, "wait_fd_read", WEFT_READ);
}

static VALUE
m_wait_fd_write(int argc, VALUE *argv, VALUE self)
{
    (void) self;
    return wait_fd(argc, argv, "wait_fd_write", WEFT_WRITE);
}

static VALUE
m_async_sleep(VALUE self, VALUE seconds)
{
    weft_rb_core_t *rc;
    double          s = NUM2DBL(seconds);

    (void) self;
    rc = current("async_sleep");
    weft_rb_api->watch_timer(rc->r, s < 0 ? 0 : s);
    rc->waits = 1;
    return rb_str_new(NULL, 0);
}

static VALUE
m_suspend(VALUE self)
{
    weft_rb_core_t *rc = current("suspend");

    (void) self;
    rc->waits = 0;                  /* what was registered is waited for now */
    if (weft_rb_api->suspend(rc->r) != WEFT_OK) {
        rc->aborted = 1;
        rb_raise(rb_eIOError, "weft: the request is being aborted (the client went away or the worker is stopping)");
    }
    return Qnil;
}

static VALUE
m_ready_fd(VALUE self)
{
    (void) self;
    return INT2NUM(weft_rb_api->ready_fd(current("ready_fd")->r));
}

static VALUE
m_timed_out(VALUE self)
{
    (void) self;
    return weft_rb_api->timed_out(current("timed_out")->r) ? Qtrue : Qfalse;
}

static VALUE
m_worker_id(VALUE self)
{
    (void) self;
    return UINT2NUM(weft_rb_api->worker_id());
}

static VALUE
m_core_id(VALUE self)
{
    weft_request_t *r = weft_rb_api->current_request();

    (void) self;
    return INT2NUM(r != NULL ? (int) r->core->id : -1);
}

int
weft_rb_api_module_init(void)
{
    VALUE m = rb_define_module("Weft");

    rb_gc_register_address(&weft_rb_mWeft);
    weft_rb_mWeft = m;
    rb_define_module_function(m, "wait_fd_read", m_wait_fd_read, -1);
    rb_define_module_function(m, "wait_fd_write", m_wait_fd_write, -1);
    rb_define_module_function(m, "async_sleep", m_async_sleep, 1);
    rb_define_module_function(m, "suspend", m_suspend, 0);
    rb_define_module_function(m, "ready_fd", m_ready_fd, 0);
    rb_define_module_function(m, "timed_out", m_timed_out, 0);
    rb_define_module_function(m, "worker_id", m_worker_id, 0);
    rb_define_module_function(m, "core_id", m_core_id, 0);
    rb_define_const(m, "VERSION", rb_obj_freeze(rb_str_new_cstr(weft_rb_api->version)));
    /* uWSGI's name for the same module. */
    if (!rb_const_defined(rb_cObject, rb_intern("UWSGI")))
        rb_define_const(rb_cObject, "UWSGI", m);
    return WEFT_OK;
}
