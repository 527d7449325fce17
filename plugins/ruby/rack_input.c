/*
 * plugins/ruby/rack_input.c - rack.input (Weft::Input) and rack.errors
 * (Weft::Errors).
 *
 * rack.input reads the body through the core: api->read_body, read_line,
 * and body_seek for rewind (the core keeps the body, in memory or in a
 * temporary file), so a chunked upload arrives whole and a framework may
 * read it twice.  One Input per core, made once; each request binds it
 * anew, and an Input kept from an earlier request raises IOError.  A read
 * that waits suspends only this request under an engine.
 *
 * rack.errors writes each line to the weft log.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ruby/encoding.h>

#include "ruby.h"

typedef struct {
    weft_rb_core_t *rc;
    uint64_t        gen;
} input_t;

static VALUE cInput, cErrors;
VALUE        weft_rb_errors = Qnil;

static const rb_data_type_t input_type = {
    .wrap_struct_name = "Weft::Input",
    .function = { .dfree = RUBY_TYPED_DEFAULT_FREE },
    .flags = RUBY_TYPED_FREE_IMMEDIATELY
};

VALUE
weft_rb_input_new(weft_rb_core_t *rc)
{
    input_t *in;
    VALUE    obj = TypedData_Make_Struct(cInput, input_t, &input_type, in);

    in->rc = rc;
    in->gen = 0;
    return obj;
}

void
weft_rb_input_bind(weft_rb_core_t *rc)
{
    input_t *in = rb_check_typeddata(rc->input, &input_type);

    in->gen = rc->gen;
}

/* The request the Input reads, or raise IOError. */
static weft_request_t *
request_of(VALUE self)
{
    input_t *in = rb_check_typeddata(self, &input_type);

    weft_rb_on_worker_thread("", "rack.input");
    if (in->rc->r == NULL || in->gen != in->rc->gen)
        rb_raise(rb_eIOError, "rack.input of a request that is over");
    return in->rc->r;
}

static void
read_failed(void)
{
    rb_raise(rb_eIOError, "weft: the request body could not be read (the client went away or sent a malformed body)");
}

/* gets: the next line with its "\n", or nil at the end. */
static VALUE
input_gets(VALUE self)
{
    weft_request_t *r = request_of(self);
    VALUE           line = Qnil;
    char            buf[8192];

    for (;;) {
        ssize_t n = weft_rb_api->read_line(r, buf, sizeof(buf));

        if (n < 0)
            read_failed();
        if (n == 0)
            break;
        if (NIL_P(line))
            line = rb_str_new(buf, n);
        else
            rb_str_cat(line, buf, n);
        if (buf[n - 1] == '\n')
            break;
    }
    return line;
}

/*
 * read([length[, buffer]]) as IO#read: without a length (or nil) the rest
 * of the body ("" at the end); with one, up to length bytes, nil at the
 * end.  buffer, when given, receives the bytes and is returned.
 */
static VALUE
input_read(int argc, VALUE *argv, VALUE self)
{
    weft_request_t *r = request_of(self);
    VALUE           vlen = argc > 0 ? argv[0] : Qnil;
    VALUE           out = argc > 1 ? argv[1] : Qnil;
    long            want = -1, got = 0;
    char            buf[16384];

    if (argc > 2)
        rb_error_arity(argc, 0, 2);
    if (!NIL_P(vlen)) {
        want = NUM2LONG(vlen);
        if (want < 0)
            rb_raise(rb_eArgError, "negative length %ld given", want);
    }
    if (NIL_P(out))
        out = rb_str_buf_new(want > 0 && want < (long) sizeof(buf) ? want : 0);
    else {
        StringValue(out);
        rb_str_modify(out);
        rb_str_set_len(out, 0);
    }
    rb_enc_associate(out, rb_ascii8bit_encoding());
    if (want == 0)
        return out;
    while (want < 0 || got < want) {
        size_t  room = sizeof(buf);
        ssize_t n;

        if (want >= 0 && (size_t) (want - got) < room)
            room = (size_t) (want - got);
        n = weft_rb_api->read_body(r, buf, room);
        if (n < 0)
            read_failed();
        if (n == 0)
            break;
        rb_str_cat(out, buf, n);
        got += n;
    }
    if (want > 0 && got == 0)
        return Qnil;
    return out;
}

static VALUE
input_each(VALUE self)
{
    VALUE line;

    RETURN_ENUMERATOR(self, 0, 0);
    while (!NIL_P(line = input_gets(self)))
        rb_yield(line);
    return self;
}

static VALUE
input_rewind(VALUE self)
{
    weft_request_t *r = request_of(self);

    if (weft_rb_api->body_seek(r, 0, SEEK_SET) < 0)
        rb_syserr_fail(errno, "rack.input rewind");
    return INT2FIX(0);
}

static VALUE
input_close(VALUE self)
{
    (void) self;
    return Qnil;
}

/* ------------------------------------------------------------ rack.errors */

static VALUE
errors_write(VALUE self, VALUE s)
{
    const char *p, *end;

    (void) self;
    s = rb_obj_as_string(s);
    p = RSTRING_PTR(s);
    end = p + RSTRING_LEN(s);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        int         n = (int) ((nl ? nl : end) - p);

        weft_rb_api->log(WEFT_LOG_WARN, "rack.errors: %.*s", n, p);
        p = nl ? nl + 1 : end;
    }
    return LONG2NUM(RSTRING_LEN(s));
}

static VALUE
errors_puts(int argc, VALUE *argv, VALUE self)
{
    int i;

    if (argc == 0)
        return errors_write(self, rb_str_new_cstr(""));
    for (i = 0; i < argc; i++) {
        VALUE a = argv[i];

        if (RB_TYPE_P(a, T_ARRAY)) {
            errors_puts((int) RARRAY_LEN(a), RARRAY_PTR(a), self);
            continue;
        }
        errors_write(self, a);
    }
    return Qnil;
}

static VALUE
errors_print(int argc, VALUE *argv, VALUE self)
{
    int i;

    for (i = 0; i < argc; i++)
        errors_write(self, argv[i]);
    return Qnil;
}

static VALUE
errors_flush(VALUE self)
{
    return self;
}

int
weft_rb_input_init(void)
{
    cInput = rb_define_class_under(weft_rb_mWeft, "Input", rb_cObject);
    rb_undef_alloc_func(cInput);
    rb_define_method(cInput, "gets", input_gets, 0);
    rb_define_method(cInput, "read", input_read, -1);
    rb_define_method(cInput, "each", input_each, 0);
    rb_define_method(cInput, "rewind", input_rewind, 0);
    rb_define_method(cInput, "close", input_close, 0);

    cErrors = rb_define_class_under(weft_rb_mWeft, "Errors", rb_cObject);
    rb_define_method(cErrors, "write", errors_write, 1);
    rb_define_method(cErrors, "puts", errors_puts, -1);
    rb_define_method(cErrors, "print", errors_print, -1);
    rb_define_method(cErrors, "flush", errors_flush, 0);
    rb_gc_register_address(&weft_rb_errors);
    weft_rb_errors = rb_obj_alloc(cErrors);
    return WEFT_OK;
}
