/*
 * plugins/ruby/rack_stdio.c - $stdin, $stdout or $stderr closed by an app.
 *
 * `$stdout.close` closes Ruby's IO object but not fd 1 (Ruby keeps fds 0-2
 * open), so the core's repair of the standard fds sees nothing wrong, yet
 * every later `puts` -- and every `fork`, which flushes $stdout and $stderr
 * first -- raises IOError (closed stream) in whichever request comes next.
 * After each request, a closed one is replaced by a new IO on its fd, with
 * one WARN line.
 */
#include "ruby.h"

#include <fcntl.h>

static const struct {
    const char *global;
    int         fd;
    int         flags;
    const char *path;
} std_ios[3] = {
    { "$stdin", 0, O_RDONLY, "<STDIN>" },
    { "$stdout", 1, O_WRONLY, "<STDOUT>" },
    { "$stderr", 2, O_WRONLY, "<STDERR>" },
};

static VALUE
closed_cb(VALUE io)
{
    return rb_respond_to(io, rb_intern("closed?")) ? rb_funcall(io, rb_intern("closed?"), 0)
                                                    : Qfalse;
}

static VALUE
reopen_cb(VALUE i)
{
    unsigned k = NUM2UINT(i);

    rb_gv_set(std_ios[k].global, rb_io_fdopen(std_ios[k].fd, std_ios[k].flags, std_ios[k].path));
    return Qnil;
}

void
weft_rb_stdio_check(weft_request_t *r)
{
    unsigned k;

    for (k = 0; k < 3; k++) {
        int   state;
        VALUE closed = weft_rb_protect(closed_cb, rb_gv_get(std_ios[k].global), &state);

        if (state || !RTEST(closed)) {
            if (state)
                rb_set_errinfo(Qnil);
            continue;
        }
        weft_rb_protect(reopen_cb, UINT2NUM(k), &state);
        if (state) {
            rb_set_errinfo(Qnil);
            continue;
        }
        weft_rb_api->log(WEFT_LOG_WARN, "%.*s %.*s: the app closed %s: a new one on fd %d",
                         (int) r->method.len, r->method.data, (int) r->uri.len, r->uri.data,
                         std_ios[k].global, std_ios[k].fd);
    }
}
