/*
 * plugins/ruby/app.c - loading the Rack app, rb_protect helpers, and
 * logging Ruby exceptions with their backtraces.
 *
 * The app is loaded through Rack::Builder.parse_file, which returns
 * [app, options] in Rack 2 and the bare app in Rack 3: both are taken.
 * Evaluated Ruby code (not rb_require) does the requiring, so RubyGems'
 * `require` finds gems.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ruby.h"

VALUE weft_rb_app = Qnil;

VALUE
weft_rb_protect(VALUE (*fn)(VALUE), VALUE arg, int *state)
{
    VALUE v;

    *state = 0;
    v = rb_protect(fn, arg, state);
    return *state ? Qundef : v;
}

static VALUE
eval_cb(VALUE src)
{
    return rb_eval_string((const char *) src);
}

VALUE
weft_rb_eval(const char *src, int *state)
{
    return weft_rb_protect(eval_cb, (VALUE) src, state);
}

/* "Class: message\n\tfrom backtrace..." of e, as Ruby prints it. */
static VALUE
describe_cb(VALUE e)
{
    VALUE kw = rb_hash_new();

    rb_hash_aset(kw, ID2SYM(rb_intern("highlight")), Qfalse);
    return rb_funcallv_kw(e, rb_intern("full_message"), 1, &kw, RB_PASS_KEYWORDS);
}

void
weft_rb_log_exception(int level, const char *fmt, ...)
{
    VALUE   e = rb_errinfo(), msg;
    char    prefix[512];
    va_list ap;
    int     state;

    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    rb_set_errinfo(Qnil);
    if (NIL_P(e)) {
        weft_rb_api->log(level, "%s", prefix);
        return;
    }
    msg = weft_rb_protect(describe_cb, e, &state);
    if (state || !RB_TYPE_P(msg, T_STRING)) {
        rb_set_errinfo(Qnil);
        weft_rb_api->log(level, "%s: %s", prefix, rb_obj_classname(e));
        return;
    }
    /* One log line per backtrace line: the log strips nothing else. */
    {
        const char *p = RSTRING_PTR(msg), *end = p + RSTRING_LEN(msg);
        int         first = 1;

        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t) (end - p));
            int         n = (int) ((nl ? nl : end) - p);

            if (first)
                weft_rb_api->log(level, "%s: %.*s", prefix, n, p);
            else
                weft_rb_api->log(level, "  %.*s", n, p);
            first = 0;
            p = nl ? nl + 1 : end;
        }
    }
}

static VALUE
require_cb(VALUE feature)
{
    return rb_funcall(rb_mKernel, rb_intern("require"), 1, feature);
}

int
weft_rb_requires_run(void)
{
    size_t i;
    int    state;

    for (i = 0; i < weft_rb_conf.requires.n; i++) {
        const char *f = weft_rb_conf.requires.v[i];

        /* Kernel#require as RubyGems redefined it: gems load too. */
        weft_rb_protect(require_cb, rb_str_new_cstr(f), &state);
        if (state) {
            weft_rb_log_exception(WEFT_LOG_ERROR, "ruby: --rbrequire %s failed", f);
            return WEFT_ERROR;
        }
    }
    return WEFT_OK;
}

static VALUE
parse_file_cb(VALUE path)
{
    VALUE builder = rb_const_get(rb_const_get(rb_cObject, rb_intern("Rack")), rb_intern("Builder"));
    VALUE app = rb_funcall(builder, rb_intern("parse_file"), 1, path);

    if (RB_TYPE_P(app, T_ARRAY))            /* Rack 2: [app, options] */
        app = rb_ary_entry(app, 0);
    if (!rb_respond_to(app, rb_intern("call")))
        rb_raise(rb_eTypeError, "%s does not make a Rack app (got %s, which has no call)",
                 StringValueCStr(path), rb_obj_classname(app));
    return app;
}

int
weft_rb_app_load(void)
{
    const char *file = weft_rb_conf.rack;
    VALUE       app;
    int         state;

    rb_gc_register_address(&weft_rb_app);
    app = weft_rb_protect(parse_file_cb, rb_str_new_cstr(file), &state);
    if (state) {
        weft_rb_log_exception(WEFT_LOG_ERROR, "ruby: cannot load the Rack app %s", file);
        return WEFT_ERROR;
    }
    weft_rb_app = app;
    weft_rb_api->log(WEFT_LOG_INFO, "ruby: Rack app %s loaded (%s)", file, rb_obj_classname(app));
    return WEFT_OK;
}
