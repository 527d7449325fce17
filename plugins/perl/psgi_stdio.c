/*
 * plugins/perl/psgi_stdio.c - STDIN, STDOUT or STDERR closed by an app.
 *
 * `close STDOUT` closes fd 1 too; the core puts the fd back once it finds
 * it closed (the next connection it accepts, or a log write), but Perl's
 * handle stays closed: every later `print` says "print() on closed
 * filehandle STDOUT", and with STDERR every warn is lost.  Before each
 * request, a closed handle is opened again on its fd (fdopen: no new
 * descriptor).  The core's WARN line for the fd says what happened; this
 * one is at debug level, so a close is one line.
 */
#include "perl.h"

static const struct {
    const char *name;
    const char *reopen;
} std_handles[3] = {
    { "STDIN", "open(STDIN, '<&=', 0)" },
    { "STDOUT", "open(STDOUT, '>&=', 1)" },
    { "STDERR", "open(STDERR, '>&=', 2)" },
};

void
weft_pl_stdio_check(pTHX_ weft_request_t *r)
{
    unsigned k;

    for (k = 0; k < 3; k++) {
        GV *gv = gv_fetchpv(std_handles[k].name, 0, SVt_PVIO);
        IO *io = gv != NULL ? GvIO(gv) : NULL;

        if (io == NULL || IoIFP(io) != NULL)
            continue;                   /* open (or never made) */
        eval_pv(std_handles[k].reopen, FALSE);
        if (SvTRUE(ERRSV))
            continue;
        weft_pl_api->log(WEFT_LOG_DEBUG, "%.*s %.*s: the app closed %s: opened again on fd %u",
                         (int) r->method.len, r->method.data, (int) r->uri.len, r->uri.data,
                         std_handles[k].name, k);
    }
}
