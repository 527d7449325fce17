/*
 * plugins/ruby/rack_response.c - the app's [status, headers, body].
 *
 * Status and headers go to the core at once (api->set_status,
 * api->add_header after api->valid_header_name/value, so the core's rules
 * are the only ones); a header value holding "\n" becomes one header line
 * per part, an Array value (Rack 3) one per element, and "rack.*" keys are
 * the server's, never sent.  The body:
 *  - an Array of Strings is written whole, with a Content-Length when the
 *    app gave none;
 *  - a body with to_path naming a regular file goes out with
 *    api->sendfile_fd;
 *  - a body with each is iterated.  With --async and no engine each chunk
 *    is a switch point: the body is walked through an Enumerator and
 *    request() returns WEFT_AGAIN after every chunk;
 *  - a body that answers only call (Rack 3 streaming) gets a Weft::Stream.
 * close is called on every body, whatever happened (weft_rb_response_done).
 * Large chunks are lent to the core (api->write_ref) and kept alive in a
 * registered Hash, under a number, until the core releases them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ruby.h"

#define REF_MIN 16384           /* chunks this long are lent, not copied */

static ID    id_call, id_each, id_to_path, id_close, id_to_ary, id_next, id_to_enum;
static VALUE lent = Qnil;       /* number -> String lent to the core (registered) */
static VALUE cStream;

typedef struct {
    weft_rb_core_t *rc;
    uint64_t        gen;
    int             closed;
} stream_t;

static const rb_data_type_t stream_type = {
    .wrap_struct_name = "Weft::Stream",
    .function = { .dfree = RUBY_TYPED_DEFAULT_FREE },
    .flags = RUBY_TYPED_FREE_IMMEDIATELY
};

/* ------------------------------------------------------------ writing */

/* api->write_ref's release: the lent String may be collected now.  Lent
 * Strings are keyed by a number, not by themselves, so GC.compact moving
 * them changes nothing here (their bytes are malloc'd and never move). */
static void
release_ref(void *arg)
{
    if (!weft_rb_vm_alive)
        return;                     /* the worker's VM is gone already */
    rb_hash_delete(lent, ULONG2NUM((unsigned long) (uintptr_t) arg));
}

/*
 * Write one chunk (a String) of the body.  WEFT_OK, or WEFT_ERROR when the
 * client is gone.  Raises TypeError for a chunk that is not a String.
 */
static int
write_chunk(weft_request_t *r, VALUE chunk)
{
    static unsigned long next_ref;
    long                 len;

    if (!RB_TYPE_P(chunk, T_STRING))
        rb_raise(rb_eTypeError, "a body chunk must be a String, not %s", rb_obj_classname(chunk));
    len = RSTRING_LEN(chunk);
    if (len == 0)
        return WEFT_OK;
    if (len >= REF_MIN) {
        /* A frozen copy shares the bytes: the app may change its own. */
        VALUE         f = rb_str_new_frozen(chunk);
        unsigned long id = ++next_ref;

        rb_hash_aset(lent, ULONG2NUM(id), f);
        if (weft_rb_api->write_ref(r, RSTRING_PTR(f), (size_t) len, release_ref,
                                   (void *) (uintptr_t) id) == WEFT_OK)
            return WEFT_OK;
        release_ref((void *) (uintptr_t) id);
        return WEFT_ERROR;
    }
    return weft_rb_api->write(r, RSTRING_PTR(chunk), (size_t) len);
}

/* After a chunk: wait for what the app registered (UWSGI.async_sleep and
 * friends, then an empty chunk), when this core can. */
static void
honour_waits(weft_rb_core_t *rc, weft_request_t *r)
{
    if (!rc->waits)
        return;
    rc->waits = 0;
    if (weft_rb_api->suspend(r) != WEFT_OK) {
        rc->aborted = 1;
        rb_raise(rb_eIOError, "weft: the request is being aborted (the client went away or the worker is stopping)");
    }
}

static VALUE
chunk_cb(VALUE chunk, VALUE data, int argc, const VALUE *argv, VALUE blockarg)
{
    weft_rb_core_t *rc = (weft_rb_core_t *) data;

    (void) argc; (void) argv; (void) blockarg;
    if (write_chunk(rc->r, chunk) != WEFT_OK) {
        rc->failed = 1;             /* the client is gone: stop iterating */
        rb_iter_break();
    }
    honour_waits(rc, rc->r);
    return Qnil;
}

/* ------------------------------------------------------------ headers */

typedef struct {
    weft_request_t *r;
    int             has_length;
    VALUE           hijack;     /* the "rack.hijack" header's callable */
} hdr_ctx_t;

static void
add_one(weft_request_t *r, VALUE key, const char *v, long vlen)
{
    const char *k = RSTRING_PTR(key);
    long        klen = RSTRING_LEN(key);

    if (!weft_rb_api->valid_header_value(v, (size_t) vlen))
        rb_raise(rb_eArgError, "invalid value for the header %s: %+"PRIsVALUE,
                 StringValueCStr(key), rb_str_new(v, vlen));
    if (weft_rb_api->add_header(r, k, (size_t) klen, v, (size_t) vlen) != WEFT_OK)
        rb_raise(rb_eArgError, "the header %s was refused", StringValueCStr(key));
}

static int
header_cb(VALUE key, VALUE val, VALUE data)
{
    hdr_ctx_t  *h = (hdr_ctx_t *) data;
    const char *k;
    long        klen, i;

    if (!RB_TYPE_P(key, T_STRING))
        rb_raise(rb_eTypeError, "a header name must be a String, not %s", rb_obj_classname(key));
    k = RSTRING_PTR(key);
    klen = RSTRING_LEN(key);
    if (klen > 5 && strncasecmp(k, "rack.", 5) == 0) {
        if (klen == 11 && strncasecmp(k, "rack.hijack", 11) == 0)
            h->hijack = val;        /* partial hijack */
        return ST_CONTINUE;         /* for the server, never sent */
    }
    if (!weft_rb_api->valid_header_name(k, (size_t) klen))
        rb_raise(rb_eArgError, "invalid header name %+"PRIsVALUE, key);
    if (klen == 14 && strncasecmp(k, "content-length", 14) == 0)
        h->has_length = 1;
    if (RB_TYPE_P(val, T_ARRAY)) {
        for (i = 0; i < RARRAY_LEN(val); i++)
            header_cb(key, rb_ary_entry(val, i), data);
        return ST_CONTINUE;
    }
    if (!RB_TYPE_P(val, T_STRING))
        rb_raise(rb_eTypeError, "the value of the header %s must be a String, not %s",
                 StringValueCStr(key), rb_obj_classname(val));
    {
        const char *v = RSTRING_PTR(val), *end = v + RSTRING_LEN(val);

        /* "a\nb": two header lines ("a\n": one) */
        for (;;) {
            const char *nl = memchr(v, '\n', (size_t) (end - v));

            add_one(h->r, key, v, (nl ? nl : end) - v);
            if (nl == NULL || nl + 1 == end)
                break;
            v = nl + 1;
        }
    }
    return ST_CONTINUE;
}

static VALUE
header_pair_cb(VALUE pair, VALUE data, int argc, const VALUE *argv, VALUE blockarg)
{
    (void) blockarg;
    if (argc == 2)
        header_cb(argv[0], argv[1], data);
    else
        header_cb(rb_ary_entry(pair, 0), rb_ary_entry(pair, 1), data);
    return Qnil;
}

/* ------------------------------------------------------------ bodies */

/* A body with to_path: WEFT_OK when sent with sendfile, WEFT_DECLINED to
 * iterate it instead, WEFT_ERROR when the client is gone. */
static int
send_path(weft_request_t *r, VALUE body)
{
    VALUE path = rb_funcall(body, id_to_path, 0);
    int   fd, rc;

    path = rb_obj_as_string(path);
    fd = open(StringValueCStr(path), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return WEFT_DECLINED;
    rc = weft_rb_api->sendfile_fd(r, fd, 0);
    close(fd);
    return rc;
}

/* The sum of an Array body's lengths, checking every element. */
static long
array_length(VALUE body)
{
    long i, n = 0;

    for (i = 0; i < RARRAY_LEN(body); i++) {
        VALUE c = rb_ary_entry(body, i);

        if (!RB_TYPE_P(c, T_STRING))
            rb_raise(rb_eTypeError, "a body chunk must be a String, not %s", rb_obj_classname(c));
        n += RSTRING_LEN(c);
    }
    return n;
}

static int
async_no_engine(void)
{
    return weft_rb_api->engine_name() == NULL && weft_rb_api->core_count() > 1;
}

/* The Rack 3 streaming body: body.call(stream). */
static VALUE stream_new(weft_rb_core_t *rc);

static int
send_body(weft_rb_core_t *rc, weft_request_t *r, VALUE body, int has_length, int status)
{
    long i;

    if (rb_respond_to(body, id_to_path)) {
        int rc2 = send_path(r, body);

        if (rc2 != WEFT_DECLINED)
            return rc2 == WEFT_OK ? WEFT_OK : (rc->failed = 1, WEFT_OK);
    }
    if (RB_TYPE_P(body, T_ARRAY)) {
        long n = array_length(body);

        if (!has_length && status >= 200 && status != 204 && status != 304)
            weft_rb_api->set_content_length(r, (uint64_t) n);
        for (i = 0; i < RARRAY_LEN(body); i++)
            if (write_chunk(r, rb_ary_entry(body, i)) != WEFT_OK) {
                rc->failed = 1;
                return WEFT_OK;
            }
        return WEFT_OK;
    }
    if (rb_respond_to(body, id_each)) {
        if (async_no_engine()) {
            rc->iter = rb_funcall(body, id_to_enum, 1, ID2SYM(id_each));
            rc->phase = WEFT_RB_ITER;
            return weft_rb_respond_more(rc, r);
        }
        rb_block_call(body, id_each, 0, NULL, chunk_cb, (VALUE) rc);
        return WEFT_OK;
    }
    if (rb_respond_to(body, id_call)) {
        rb_funcall(body, id_call, 1, stream_new(rc));
        return WEFT_OK;
    }
    rb_raise(rb_eTypeError, "the body (%s) has neither each nor call", rb_obj_classname(body));
    return WEFT_ERROR;
}

/* ------------------------------------------------------------ respond */

int
weft_rb_respond(weft_rb_core_t *rc, weft_request_t *r, VALUE result)
{
    VALUE     res, status, headers, body;
    hdr_ctx_t h = { r, 0, Qnil };
    char      line[16];
    int       code, n;

    res = rb_check_array_type(result);
    if (NIL_P(res) || RARRAY_LEN(res) != 3)
        rb_raise(rb_eTypeError, "the app must return [status, headers, body], not %+"PRIsVALUE, result);
    status = rb_ary_entry(res, 0);
    headers = rb_ary_entry(res, 1);
    body = rb_ary_entry(res, 2);
    rc->body = body;                /* closed at the end, whatever happens */
    if (rc->hijacked)
        return WEFT_OK;             /* full hijack: the response is ignored */

    code = NUM2INT(rb_Integer(status));
    if (code < 100 || code > 999)
        rb_raise(rb_eArgError, "invalid status %d", code);
    n = snprintf(line, sizeof(line), "%d", code);
    if (weft_rb_api->set_status(r, line, (size_t) n) != WEFT_OK)
        rb_raise(rb_eArgError, "the status %d was refused", code);

    if (RB_TYPE_P(headers, T_HASH))
        rb_hash_foreach(headers, header_cb, (VALUE) &h);
    else if (rb_respond_to(headers, id_each))
        rb_block_call(headers, id_each, 0, NULL, header_pair_cb, (VALUE) &h);
    else
        rb_raise(rb_eTypeError, "the headers must be a Hash, not %s", rb_obj_classname(headers));

    if (!NIL_P(h.hijack)) {
        weft_rb_hijack_partial(rc, h.hijack);
        return WEFT_OK;
    }
    return send_body(rc, r, body, h.has_length, code);
}

/* Next chunk of an Enumerator-walked body: WEFT_AGAIN after a chunk,
 * WEFT_OK at its end. */
static VALUE
next_cb(VALUE iter)
{
    return rb_funcall(iter, id_next, 0);
}

int
weft_rb_respond_more(weft_rb_core_t *rc, weft_request_t *r)
{
    VALUE chunk;
    int   state;

    chunk = weft_rb_protect(next_cb, rc->iter, &state);
    if (state) {
        VALUE e = rb_errinfo();

        if (rb_obj_is_kind_of(e, rb_eStopIteration)) {
            rb_set_errinfo(Qnil);
            rc->phase = WEFT_RB_DONE;
            rc->iter = Qnil;
            return WEFT_OK;
        }
        rb_jump_tag(state);         /* to the caller's rb_protect */
    }
    if (write_chunk(r, chunk) != WEFT_OK) {
        rc->failed = 1;
        rc->phase = WEFT_RB_DONE;
        return WEFT_OK;
    }
    rc->waits = 0;                  /* the core waits for them now */
    return WEFT_AGAIN;
}

/* ------------------------------------------------------------ close */

static VALUE
close_cb(VALUE body)
{
    return rb_respond_to(body, id_close) ? rb_funcall(body, id_close, 0) : Qnil;
}

void
weft_rb_response_done(weft_rb_core_t *rc)
{
    int state;

    if (!NIL_P(rc->body)) {
        weft_rb_protect(close_cb, rc->body, &state);
        if (state)
            weft_rb_log_exception(WEFT_LOG_ERROR, "ruby: the body's close raised");
    }
    rc->body = Qnil;
    rc->iter = Qnil;
    rc->env = Qnil;
}

/* ------------------------------------------------------------ Weft::Stream */

static VALUE
stream_new(weft_rb_core_t *rc)
{
    stream_t *s;
    VALUE     obj = TypedData_Make_Struct(cStream, stream_t, &stream_type, s);

    s->rc = rc;
    s->gen = rc->gen;
    return obj;
}

static stream_t *
stream_of(VALUE self)
{
    stream_t *s = rb_check_typeddata(self, &stream_type);

    weft_rb_on_worker_thread("", "the response stream");
    if (s->rc->r == NULL || s->gen != s->rc->gen)
        rb_raise(rb_eIOError, "the stream of a request that is over");
    return s;
}

static VALUE
stream_write(VALUE self, VALUE str)
{
    stream_t *s = stream_of(self);

    if (s->closed)
        rb_raise(rb_eIOError, "closed stream");
    str = rb_obj_as_string(str);
    if (write_chunk(s->rc->r, str) != WEFT_OK) {
        s->rc->failed = 1;
        rb_raise(rb_eIOError, "weft: the client went away");
    }
    honour_waits(s->rc, s->rc->r);
    return LONG2NUM(RSTRING_LEN(str));
}

static VALUE
stream_append(VALUE self, VALUE str)
{
    stream_write(self, str);
    return self;
}

static VALUE
stream_flush(VALUE self)
{
    stream_t *s = stream_of(self);

    if (!s->closed && weft_rb_api->write(s->rc->r, NULL, 0) != WEFT_OK)
        rb_raise(rb_eIOError, "weft: the client went away");
    return self;
}

static VALUE
stream_read(int argc, VALUE *argv, VALUE self)
{
    stream_of(self);
    return rb_funcallv(stream_of(self)->rc->input, rb_intern("read"), argc, argv);
}

static VALUE
stream_close(VALUE self)
{
    stream_t *s = rb_check_typeddata(self, &stream_type);

    s->closed = 1;
    return Qnil;
}

static VALUE
stream_closed_p(VALUE self)
{
    return ((stream_t *) rb_check_typeddata(self, &stream_type))->closed ? Qtrue : Qfalse;
}

int
weft_rb_response_init(void)
{
    id_call = rb_intern("call");
    id_each = rb_intern("each");
    id_to_path = rb_intern("to_path");
    id_close = rb_intern("close");
    id_to_ary = rb_intern("to_ary");
    id_next = rb_intern("next");
    id_to_enum = rb_intern("to_enum");
    rb_gc_register_address(&lent);
    lent = rb_hash_new();

    cStream = rb_define_class_under(weft_rb_mWeft, "Stream", rb_cObject);
    rb_undef_alloc_func(cStream);
    rb_define_method(cStream, "write", stream_write, 1);
    rb_define_method(cStream, "<<", stream_append, 1);
    rb_define_method(cStream, "flush", stream_flush, 0);
    rb_define_method(cStream, "read", stream_read, -1);
    rb_define_method(cStream, "close", stream_close, 0);
    rb_define_method(cStream, "close_write", stream_close, 0);
    rb_define_method(cStream, "close_read", stream_close, 0);
    rb_define_method(cStream, "closed?", stream_closed_p, 0);
    return WEFT_OK;
}
