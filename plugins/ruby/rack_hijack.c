/*
 * plugins/ruby/rack_hijack.c - rack.hijack (full and partial) and
 * rack.early_hints, over the core's api->hijack and api->early_hints
 * (ABI 1.2).
 *
 * Full hijack: env["rack.hijack"].call hands the client's connection to the
 * app as a socket (BasicSocket.for_fd), also put in env["rack.hijack_io"];
 * the app's response is then ignored (its body still closed).  Partial
 * hijack: a "rack.hijack" response header holding a callable; the status
 * and headers go out first (unframed, "Connection: close"), then the
 * callable gets the socket.  Either way the app owns the socket and closes
 * it; weft closes its own descriptor when the request ends.
 *
 * env["rack.early_hints"].call(headers) sends "103 Early Hints" with those
 * headers (a value with "\n" is one line per part); over the uwsgi
 * protocol and to HTTP/1.0 clients it does nothing.
 *
 * One Hijack and one EarlyHints object per core, made once, bound to each
 * request by its generation: kept from an earlier request, they raise.
 */
#include <errno.h>
#include <string.h>

#include "ruby.h"

typedef struct {
    weft_rb_core_t *rc;
    uint64_t        gen;
} bound_t;

static VALUE cHijack, cEarlyHints, k_hijack_io;
static ID    id_for_fd, id_call;

static const rb_data_type_t bound_type = {
    .wrap_struct_name = "Weft::Bound",
    .function = { .dfree = RUBY_TYPED_DEFAULT_FREE },
    .flags = RUBY_TYPED_FREE_IMMEDIATELY
};

static VALUE
bound_new(VALUE klass, weft_rb_core_t *rc)
{
    bound_t *b;
    VALUE    obj = TypedData_Make_Struct(klass, bound_t, &bound_type, b);

    b->rc = rc;
    return obj;
}

void
weft_rb_hijack_bind(weft_rb_core_t *rc)
{
    ((bound_t *) rb_check_typeddata(rc->hijack, &bound_type))->gen = rc->gen;
    ((bound_t *) rb_check_typeddata(rc->hints, &bound_type))->gen = rc->gen;
}

static weft_rb_core_t *
core_of(VALUE self, const char *what)
{
    bound_t *b = rb_check_typeddata(self, &bound_type);

    weft_rb_on_worker_thread("", what);
    if (b->rc->r == NULL || b->gen != b->rc->gen)
        rb_raise(rb_eIOError, "%s of a request that is over", what);
    return b->rc;
}

/* The connection as a Ruby socket, or raise. */
static VALUE
take_socket(weft_rb_core_t *rc, int with_head)
{
    VALUE sock;
    int   fd = weft_rb_api->hijack(rc->r, with_head);

    if (fd < 0)
        rb_syserr_fail(errno, "rack.hijack");
    rc->hijacked = 1;
    sock = rb_funcall(rb_path2class("BasicSocket"), id_for_fd, 1, INT2NUM(fd));
    rb_funcall(sock, rb_intern("autoclose="), 1, Qtrue);
    return sock;
}

static VALUE
hijack_call(VALUE self)
{
    weft_rb_core_t *rc = core_of(self, "rack.hijack");
    VALUE           io;

    if (rc->hijacked)
        rb_raise(rb_eIOError, "rack.hijack: the connection was handed over already");
    io = take_socket(rc, 0);
    if (!NIL_P(rc->env))
        rb_hash_aset(rc->env, k_hijack_io, io);
    return io;
}

/* The response's "rack.hijack" callable: send the head, then hand over. */
void
weft_rb_hijack_partial(weft_rb_core_t *rc, VALUE callable)
{
    VALUE io = take_socket(rc, 1);

    rb_funcall(callable, id_call, 1, io);
}

/* ------------------------------------------------------------ early hints */

#define HINTS_MAX 64

typedef struct {
    weft_str_t names[HINTS_MAX], values[HINTS_MAX];
    size_t     n;
} hints_t;

static int
hint_cb(VALUE key, VALUE val, VALUE data)
{
    hints_t    *h = (hints_t *) data;
    const char *v, *end;

    key = rb_obj_as_string(key);
    val = rb_obj_as_string(val);
    v = RSTRING_PTR(val);
    end = v + RSTRING_LEN(val);
    for (;;) {
        const char *nl = memchr(v, '\n', (size_t) (end - v));

        if (h->n == HINTS_MAX)
            rb_raise(rb_eArgError, "rack.early_hints: more than %d header lines", HINTS_MAX);
        h->names[h->n].data = RSTRING_PTR(key);
        h->names[h->n].len = (size_t) RSTRING_LEN(key);
        h->values[h->n].data = v;
        h->values[h->n].len = (size_t) ((nl ? nl : end) - v);
        h->n++;
        if (nl == NULL || nl + 1 == end)
            break;
        v = nl + 1;
    }
    return ST_CONTINUE;
}

static VALUE
hints_call(VALUE self, VALUE headers)
{
    weft_rb_core_t *rc = core_of(self, "rack.early_hints");
    hints_t         h;
    VALUE           keep = rb_ary_new();    /* the Strings, alive while sent */
    int             rv;

    h.n = 0;
    headers = rb_convert_type(headers, T_HASH, "Hash", "to_hash");
    rb_ary_push(keep, headers);
    {
        /* rb_obj_as_string may make new Strings: keep them reachable. */
        VALUE pairs = rb_funcall(headers, rb_intern("to_a"), 0);
        long  i;

        rb_ary_push(keep, pairs);
        for (i = 0; i < RARRAY_LEN(pairs); i++) {
            VALUE p = rb_ary_entry(pairs, i);
            VALUE k = rb_obj_as_string(rb_ary_entry(p, 0)), v = rb_obj_as_string(rb_ary_entry(p, 1));

            rb_ary_push(keep, k);
            rb_ary_push(keep, v);
            hint_cb(k, v, (VALUE) &h);
        }
    }
    rv = weft_rb_api->early_hints(rc->r, h.names, h.values, h.n);
    RB_GC_GUARD(keep);
    if (rv == WEFT_ERROR)
        rb_raise(rb_eArgError, "rack.early_hints: refused (an invalid header, or the response has begun)");
    return Qnil;
}

int
weft_rb_hijack_init(void)
{
    int state;

    /* BasicSocket: socket.so, an extension that needs libruby's symbols
     * global (WEFT_PLUGIN_GLOBAL). */
    weft_rb_eval("require 'socket'", &state);
    if (state) {
        weft_rb_log_exception(WEFT_LOG_ERROR, "ruby: cannot load socket");
        return WEFT_ERROR;
    }
    id_for_fd = rb_intern("for_fd");
    id_call = rb_intern("call");
    k_hijack_io = rb_obj_freeze(rb_str_new_cstr("rack.hijack_io"));
    rb_gc_register_address(&k_hijack_io);
    cHijack = rb_define_class_under(weft_rb_mWeft, "Hijack", rb_cObject);
    rb_undef_alloc_func(cHijack);
    rb_define_method(cHijack, "call", hijack_call, 0);
    cEarlyHints = rb_define_class_under(weft_rb_mWeft, "EarlyHints", rb_cObject);
    rb_undef_alloc_func(cEarlyHints);
    rb_define_method(cEarlyHints, "call", hints_call, 1);
    return WEFT_OK;
}

VALUE
weft_rb_hijack_new(weft_rb_core_t *rc)
{
    return bound_new(cHijack, rc);
}

VALUE
weft_rb_hints_new(weft_rb_core_t *rc)
{
    return bound_new(cEarlyHints, rc);
}
