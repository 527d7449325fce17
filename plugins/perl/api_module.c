/*
 * plugins/perl/api_module.c - the in-app API: the packages Weft:: and
 * uwsgi:: (the same functions under both names), so apps written for
 * uWSGI's async mode run unchanged.
 *
 * The same names and argument rules as the Python and Ruby modules.  As in
 * uWSGI, wait_fd_read(), wait_fd_write() and async_sleep() only register a
 * wait; the app then calls suspend(), or returns a body whose getline
 * chunks are the switch points.  Unlike uWSGI, async_sleep() takes
 * fractions of a second.  Every wait goes through the core's wait API
 * (api->watch_fd, api->suspend...), so it works under any engine; without
 * one it blocks the worker for the wait.
 *
 * A call acts on the request of the calling context (api->current_request):
 * from a coroutine the app made itself, which serves no request, it dies
 * with a message that says so, and never touches another request.
 */
#include <stdio.h>

#include "perl.h"

weft_pl_core_t *
weft_pl_need_core(pTHX_ const char *fn)
{
    weft_pl_core_t *pc = weft_pl_current();

    if (pc == NULL || pc->r == NULL)
        croak("Weft::%s called outside a request (or from a coroutine that serves none)", fn);
    return pc;
}

/* An fd: a number, or a filehandle (a glob, an IO::Handle). */
static int
fd_of(pTHX_ SV *v, const char *fn)
{
    if (SvROK(v) || isGV_with_GP(v)) {
        IO     *io = sv_2io(v);
        PerlIO *fp = io ? IoIFP(io) : NULL;
        int     fd = fp ? PerlIO_fileno(fp) : -1;

        if (fd < 0)
            croak("Weft::%s: the handle has no file descriptor", fn);
        return fd;
    }
    if (!looks_like_number(v))
        croak("Weft::%s(fd, timeout=0): fd must be a number or a filehandle", fn);
    return (int) SvIV(v);
}

static void
wait_fd(pTHX_ CV *cv, I32 ax, I32 items, const char *fn, int events)
{
    weft_pl_core_t *pc;
    double          timeout = 0;
    int             fd;

    (void) cv;
    if (items < 1 || items > 2)
        croak("Weft::%s(fd, timeout=0)", fn);
    fd = fd_of(aTHX_ ST(0), fn);
    if (items == 2 && SvOK(ST(1)))
        timeout = SvNV(ST(1));
    if (timeout < 0)
        timeout = 0;
    pc = weft_pl_need_core(aTHX_ fn);
    if (weft_pl_api->watch_fd(pc->r, fd, events, timeout) != WEFT_OK)
        croak("Weft::%s(): cannot wait on fd %d", fn, fd);
    pc->waits = 1;
}

static XS(xs_wait_fd_read)
{
    dXSARGS;
    wait_fd(aTHX_ cv, ax, items, "wait_fd_read", WEFT_READ);
    XSRETURN_PVN("", 0);
}

static XS(xs_wait_fd_write)
{
    dXSARGS;
    wait_fd(aTHX_ cv, ax, items, "wait_fd_write", WEFT_WRITE);
    XSRETURN_PVN("", 0);
}

static XS(xs_async_sleep)
{
    dXSARGS;
    weft_pl_core_t *pc;
    double          s;

    if (items != 1)
        croak("Weft::async_sleep(seconds)");
    s = SvNV(ST(0));
    pc = weft_pl_need_core(aTHX_ "async_sleep");
    weft_pl_api->watch_timer(pc->r, s < 0 ? 0 : s);
    pc->waits = 1;
    (void) cv;
    XSRETURN_PVN("", 0);
}

static XS(xs_suspend)
{
    dXSARGS;
    weft_pl_core_t *pc = weft_pl_need_core(aTHX_ "suspend");

    (void) cv;
    (void) items;
    pc->waits = 0;                  /* what was registered is waited for now */
    if (weft_pl_api->suspend(pc->r) != WEFT_OK) {
        pc->aborted = 1;
        croak("weft: the request is being aborted (the client went away or the worker is stopping)");
    }
    XSRETURN_EMPTY;
}

static XS(xs_ready_fd)
{
    dXSARGS;

    (void) cv;
    (void) items;
    XSRETURN_IV(weft_pl_api->ready_fd(weft_pl_need_core(aTHX_ "ready_fd")->r));
}

static XS(xs_timed_out)
{
    dXSARGS;

    (void) cv;
    (void) items;
    if (weft_pl_api->timed_out(weft_pl_need_core(aTHX_ "timed_out")->r))
        XSRETURN_YES;
    XSRETURN_NO;
}

static XS(xs_worker_id)
{
    dXSARGS;

    (void) cv;
    (void) items;
    XSRETURN_UV(weft_pl_api->worker_id());
}

static XS(xs_core_id)
{
    dXSARGS;
    weft_request_t *r = weft_pl_api->current_request();

    (void) cv;
    (void) items;
    XSRETURN_IV(r != NULL && r->core != NULL ? (IV) r->core->id : -1);
}

static const struct {
    const char *name;
    XSUBADDR_t  fn;
} functions[] = {
    { "wait_fd_read", xs_wait_fd_read },
    { "wait_fd_write", xs_wait_fd_write },
    { "async_sleep", xs_async_sleep },
    { "suspend", xs_suspend },
    { "ready_fd", xs_ready_fd },
    { "timed_out", xs_timed_out },
    { "worker_id", xs_worker_id },
    { "core_id", xs_core_id },
};

int
weft_pl_api_module_init(pTHX)
{
    static const char *const packages[] = { "Weft", "uwsgi" };
    char                     name[64];
    size_t                   i, p;

    for (p = 0; p < sizeof(packages) / sizeof(packages[0]); p++) {
        for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
            snprintf(name, sizeof(name), "%s::%s", packages[p], functions[i].name);
            newXS(name, functions[i].fn, __FILE__);
        }
        snprintf(name, sizeof(name), "%s::VERSION", packages[p]);
        sv_setpv(get_sv(name, GV_ADD), weft_pl_api->version);
    }
    /* `use uwsgi;` / `use Weft;` need no file. */
    (void) hv_stores(GvHVn(PL_incgv), "uwsgi.pm", newSVpvs("(weft)"));
    (void) hv_stores(GvHVn(PL_incgv), "Weft.pm", newSVpvs("(weft)"));
    return WEFT_OK;
}
