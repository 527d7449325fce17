/*
 * plugins/perl/psgi_input.c - psgi.input (Weft::Input), psgi.errors
 * (Weft::Errors), and the objects that stand for a core.
 *
 * psgi.input reads the body through the core (api->read_body, which
 * decodes chunked uploads and sends 100 Continue), so it works the same
 * under any engine: a read that must wait suspends only its request.
 * read($buf, $len, $offset) follows Perl's read: the offset may be negative
 * (from the end of $buf) or past it (padded with NULs).  seek works when
 * psgix.input.buffered is true, through the core's rewindable body
 * (api->body_seek); it returns false otherwise.
 *
 * psgi.errors writes each line to the weft log, at WARN.
 *
 * An object made here is a blessed ref to an IV: the core's number in the
 * low bits and, for objects that belong to one request (the writer), the
 * request's generation above, so a writer kept past its request dies with
 * a clear message instead of writing into the next one.
 */
#include <stdio.h>
#include <string.h>

#include "perl.h"

#define ID_BITS 20
#define ID_MASK ((1u << ID_BITS) - 1)

SV        *weft_pl_errors;
static HV *input_stash;

SV *
weft_pl_core_object(pTHX_ weft_pl_core_t *pc, HV *stash)
{
    return sv_bless(newRV_noinc(newSViv((IV) pc->id)), stash);
}

/* Like weft_pl_core_object, but only for the request pc serves now. */
IV
weft_pl_request_tag(weft_pl_core_t *pc)
{
    return (IV) (((UV) pc->gen << ID_BITS) | pc->id);
}

SV *
weft_pl_request_object(pTHX_ weft_pl_core_t *pc, HV *stash)
{
    return sv_bless(newRV_noinc(newSViv(weft_pl_request_tag(pc))), stash);
}

weft_pl_core_t *
weft_pl_core_of(pTHX_ SV *self, const char *what)
{
    if (!SvROK(self) || !sv_isobject(self))
        croak("%s: not called on an object", what);
    return weft_pl_core_by_tag(aTHX_ SvUV(SvRV(self)), what);
}

weft_pl_core_t *
weft_pl_core_by_tag(pTHX_ UV v, const char *what)
{
    UV              id, gen;
    weft_pl_core_t *pc;

    id = v & ID_MASK;
    gen = v >> ID_BITS;
    if (id >= weft_pl_ncores)
        croak("%s: not an object of this worker", what);
    pc = &weft_pl_cores[id];
    if (pc->r == NULL || (gen != 0 && gen != (UV) pc->gen))
        croak("%s: the request it belonged to is over", what);
    return pc;
}

/* ------------------------------------------------------------ psgi.input */

/* $input->read($buf, $len [, $offset]): the count, 0 at the end. */
static XS(xs_input_read)
{
    dXSARGS;
    weft_pl_core_t *pc;
    SV             *buf;
    IV              len, off = 0;
    STRLEN          cur;
    char           *p;
    ssize_t         n;

    if (items < 3 || items > 4)
        croak_xs_usage(cv, "input, buf, len, offset=0");
    pc = weft_pl_core_of(aTHX_ ST(0), "psgi.input->read");
    buf = ST(1);
    len = SvIV(ST(2));
    if (items == 4)
        off = SvIV(ST(3));
    if (len < 0)
        croak("psgi.input->read: negative length %" IVdf, len);
    if (SvREADONLY(buf))
        croak("psgi.input->read: the buffer is read-only");
    if (!SvOK(buf))
        sv_setpvs(buf, "");
    (void) SvPV_force(buf, cur);
    if (SvUTF8(buf))
        sv_utf8_downgrade(buf, 0);
    cur = SvCUR(buf);
    if (off < 0) {
        if ((STRLEN) -off > cur)
            croak("psgi.input->read: offset outside the string");
        off += (IV) cur;
    }
    p = SvGROW(buf, (STRLEN) off + (STRLEN) len + 1);
    if ((STRLEN) off > cur)
        memset(p + cur, 0, (size_t) off - cur);
    n = len > 0 ? weft_pl_api->read_body(pc->r, p + off, (size_t) len) : 0;
    if (n < 0) {
        SvCUR_set(buf, (STRLEN) off < cur ? (STRLEN) off : cur);
        croak("psgi.input->read: the request body could not be read (the client went away, timed out or sent a malformed body)");
    }
    SvCUR_set(buf, (STRLEN) off + (STRLEN) n);
    p[off + n] = '\0';
    SvPOK_only(buf);
    SvSETMAGIC(buf);
    XSRETURN_IV((IV) n);
}

/* $input->seek($pos, $whence): true when moved. */
static XS(xs_input_seek)
{
    dXSARGS;
    weft_pl_core_t *pc;
    int64_t         pos;
    int             whence = 0;

    if (items < 2 || items > 3)
        croak_xs_usage(cv, "input, pos, whence=0");
    pc = weft_pl_core_of(aTHX_ ST(0), "psgi.input->seek");
    if (items == 3)
        whence = (int) SvIV(ST(2));
    pos = weft_pl_api->body_seek(pc->r, (int64_t) SvIV(ST(1)), whence);
    ST(0) = pos >= 0 ? &PL_sv_yes : &PL_sv_no;
    XSRETURN(1);
}

/* $input->tell: the read position, as seek(0, SEEK_CUR) says it. */
static XS(xs_input_tell)
{
    dXSARGS;
    weft_pl_core_t *pc;
    int64_t         pos;

    if (items != 1)
        croak_xs_usage(cv, "input");
    pc = weft_pl_core_of(aTHX_ ST(0), "psgi.input->tell");
    pos = weft_pl_api->body_seek(pc->r, 0, SEEK_CUR);
    ST(0) = sv_2mortal(newSViv(pos >= 0 ? (IV) pos : -1));
    XSRETURN(1);
}

/* $input->getline: the next line, or undef at the end. */
static XS(xs_input_getline)
{
    dXSARGS;
    weft_pl_core_t *pc;
    SV             *line;
    char            buf[8192];
    ssize_t         n;

    if (items != 1)
        croak_xs_usage(cv, "input");
    pc = weft_pl_core_of(aTHX_ ST(0), "psgi.input->getline");
    line = sv_2mortal(newSVpvs(""));
    for (;;) {
        n = weft_pl_api->read_line(pc->r, buf, sizeof(buf));
        if (n < 0)
            croak("psgi.input->getline: the request body could not be read");
        if (n == 0)
            break;
        sv_catpvn(line, buf, (STRLEN) n);
        if (buf[n - 1] == '\n')
            break;
    }
    ST(0) = SvCUR(line) > 0 ? line : &PL_sv_undef;
    XSRETURN(1);
}

static XS(xs_input_close)
{
    dXSARGS;
    (void) cv;
    (void) items;
    XSRETURN_YES;
}

SV *
weft_pl_input_new(pTHX_ weft_pl_core_t *pc)
{
    return weft_pl_core_object(aTHX_ pc, input_stash);
}

/* ------------------------------------------------------------ psgi.errors */

/* Log each line of s at WARN. */
static void
log_text(const char *p, STRLEN len)
{
    const char *end = p + len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        int         n = (int) ((nl ? nl : end) - p);

        weft_pl_api->log(WEFT_LOG_WARN, "psgi.errors: %.*s", n, p);
        p = nl ? nl + 1 : end;
    }
}

/* $errors->print(@list) */
static XS(xs_errors_print)
{
    dXSARGS;
    SV    *all = sv_2mortal(newSVpvs(""));
    I32    i;
    STRLEN len;
    char  *p;

    (void) cv;
    for (i = 1; i < items; i++)
        sv_catsv(all, ST(i));
    p = SvPV(all, len);
    log_text(p, len);
    XSRETURN_YES;
}

/* $errors->printf($fmt, @list) */
static XS(xs_errors_printf)
{
    dXSARGS;
    SV    *all = sv_2mortal(newSVpvs(""));
    STRLEN len;
    char  *p;

    if (items < 2)
        croak_xs_usage(cv, "errors, format, ...");
    sv_vsetpvfn(all, SvPV_nolen(ST(1)), SvCUR(ST(1)), NULL, &ST(2), (Size_t) (items - 2), NULL);
    p = SvPV(all, len);
    log_text(p, len);
    XSRETURN_YES;
}

static XS(xs_errors_flush)
{
    dXSARGS;
    (void) cv;
    (void) items;
    XSRETURN_YES;
}

int
weft_pl_input_init(pTHX)
{
    HV *errors_stash;

    newXS("Weft::Input::read", xs_input_read, __FILE__);
    newXS("Weft::Input::seek", xs_input_seek, __FILE__);
    newXS("Weft::Input::tell", xs_input_tell, __FILE__);
    newXS("Weft::Input::getline", xs_input_getline, __FILE__);
    newXS("Weft::Input::close", xs_input_close, __FILE__);
    newXS("Weft::Errors::print", xs_errors_print, __FILE__);
    newXS("Weft::Errors::printf", xs_errors_printf, __FILE__);
    newXS("Weft::Errors::flush", xs_errors_flush, __FILE__);
    input_stash = gv_stashpvs("Weft::Input", GV_ADD);
    errors_stash = gv_stashpvs("Weft::Errors", GV_ADD);
    weft_pl_errors = sv_bless(newRV_noinc(newSViv(0)), errors_stash);
    return WEFT_OK;
}
