/*
 * plugins/perl/psgi_response.c - the app's response: [status, headers,
 * body], or a code ref that gets the responder (PSGI 1.1 delayed and
 * streamed responses, with the writer object).
 *
 * Status and headers go to the core at once (api->set_status,
 * api->add_header after api->valid_header_name/value, so the core's rules
 * are the only ones); a repeated header stays separate lines.  The body:
 *  - an array ref of strings is written whole, with a Content-Length when
 *    the app gave none (and the status has a body: a 304 gets none);
 *  - a real filehandle (a glob, IO::File...) on a regular file goes out
 *    with sendfile from its position; any other glob is read;
 *  - an object with `path` naming a regular file goes out with sendfile;
 *  - any other object is read with getline until undef.
 * An app that chunks its body itself and says "Transfer-Encoding: chunked"
 * (Mojo::Server::PSGI does) has it decoded here: the core frames every
 * body, and drops the app's Transfer-Encoding.
 * close is called on every body that has it, whatever happened.  Anything
 * malformed croaks; the request's G_EVAL (psgi.c) turns that into a 500.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "perl.h"

#define REF_MIN 16384           /* chunks this long are lent, not copied */

static HV *writer_stash;

/* A header name for a message: control bytes as \xNN (a NUL would end
 * the log line there), at most 64 bytes of it. */
static SV *
printable(pTHX_ const char *p, STRLEN len)
{
    SV    *out = sv_2mortal(newSVpvs(""));
    STRLEN i;

    for (i = 0; i < len && i < 64; i++) {
        unsigned char ch = (unsigned char) p[i];

        if (ch < 0x20 || ch >= 0x7f)
            sv_catpvf(out, "\\x%02X", ch);
        else
            sv_catpvn(out, p + i, 1);
    }
    return out;
}

/* ------------------------------------------------------------ writing */

/* api->write_ref's release: drop the copy lent to the core. */
static void
release_sv(void *arg)
{
    if (weft_pl_perl != NULL) {
        dWEFT_PL;
        SvREFCNT_dec((SV *) arg);
    }
}

/* The decoder of an app's own chunked framing. */
#define DC_SIZE   1             /* in a chunk-size line */
#define DC_EXT    2             /* past its digits, up to the LF */
#define DC_DATA   3             /* in a chunk's data: dc_left bytes */
#define DC_CRLF   4             /* after the data, up to the LF */
#define DC_TRAIL  5             /* after the last chunk: trailer lines */
#define DC_TRAIL_BOL 6          /* at the start of a trailer line */
#define DC_DONE   7

/* Decode len bytes of p and write the data: WEFT_OK or WEFT_ERROR; croaks
 * on a malformed framing. */
static int
write_dechunked(pTHX_ weft_pl_core_t *pc, const char *p, STRLEN len)
{
    const char *end = p + len;

    while (p < end) {
        switch (pc->dechunk) {
        case DC_SIZE: {
            int d = *p >= '0' && *p <= '9' ? *p - '0'
                  : (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f' ? (*p | 0x20) - 'a' + 10 : -1;

            if (d >= 0) {
                if (pc->dc_left > (UINT64_MAX >> 4))
                    croak("the app's chunked body has a chunk size that overflows");
                pc->dc_left = pc->dc_left * 16 + (uint64_t) d;
            } else if (*p == ';' || *p == ' ' || *p == '\t' || *p == '\r') {
                pc->dechunk = DC_EXT;
                continue;
            } else if (*p == '\n') {
                pc->dechunk = pc->dc_left ? DC_DATA : DC_TRAIL_BOL;
            } else
                croak("the app's chunked body is malformed (a chunk size of 0x%02x)",
                      (unsigned char) *p);
            p++;
            break;
        }
        case DC_EXT:
            if (*p++ == '\n')
                pc->dechunk = pc->dc_left ? DC_DATA : DC_TRAIL_BOL;
            break;
        case DC_DATA: {
            size_t n = (size_t) (end - p) < pc->dc_left ? (size_t) (end - p) : (size_t) pc->dc_left;

            if (weft_pl_api->write(pc->r, p, n) != WEFT_OK)
                return WEFT_ERROR;
            p += n;
            pc->dc_left -= n;
            if (pc->dc_left == 0)
                pc->dechunk = DC_CRLF;
            break;
        }
        case DC_CRLF:
            if (*p++ == '\n')
                pc->dechunk = DC_SIZE;
            break;
        case DC_TRAIL_BOL:          /* an empty line ends the trailers */
            if (*p == '\n')
                pc->dechunk = DC_DONE;
            else if (*p != '\r')
                pc->dechunk = DC_TRAIL;
            p++;
            break;
        case DC_TRAIL:              /* a trailer line: dropped */
            if (*p++ == '\n')
                pc->dechunk = DC_TRAIL_BOL;
            break;
        default:                    /* DC_DONE: anything after is dropped */
            return WEFT_OK;
        }
    }
    return WEFT_OK;
}

/* Write one chunk: WEFT_OK, or WEFT_ERROR when the client is gone.
 * Croaks on a chunk that is a reference (a body must hold strings). */
static int
write_chunk(pTHX_ weft_pl_core_t *pc, SV *chunk)
{
    weft_request_t *r = pc->r;
    const char     *p;
    STRLEN          len;

    if (SvROK(chunk) && !SvAMAGIC(chunk))
        croak("a body chunk must be a string, not a reference (%" SVf ")", SVfARG(chunk));
    p = SvPV(chunk, len);
    if (len == 0)
        return WEFT_OK;
    if (pc->dechunk)
        return write_dechunked(aTHX_ pc, p, len);
    if (len >= REF_MIN && !SvGMAGICAL(chunk) && SvPOK(chunk)) {
        /* A copy shares the bytes (copy-on-write): the app may go on
         * changing its own. */
        SV *copy = newSVsv(chunk);

        p = SvPV(copy, len);
        if (weft_pl_api->write_ref(r, p, len, release_sv, copy) == WEFT_OK)
            return WEFT_OK;
        SvREFCNT_dec(copy);
        return WEFT_ERROR;
    }
    return weft_pl_api->write(r, p, len);
}

void
weft_pl_honour_waits(pTHX_ weft_pl_core_t *pc)
{
    if (!pc->waits)
        return;
    pc->waits = 0;
    if (weft_pl_api->suspend(pc->r) != WEFT_OK) {
        pc->aborted = 1;
        croak("weft: the request is being aborted (the client went away or the worker is stopping)");
    }
}

/* ------------------------------------------------------------ head */

/* Set the status and the headers from an array ref; returns the code.
 * *has_length says whether the app gave a Content-Length. */
static int
send_head(pTHX_ weft_pl_core_t *pc, AV *res, int *has_length)
{
    SV         *status = *av_fetch(res, 0, 1), **hsv = av_fetch(res, 1, 0);
    AV         *h;
    char        line[16];
    IV          code;
    SSize_t     i, n;
    int         len;

    if (!SvOK(status) || !looks_like_number(status))
        croak("the status must be a number, not '%" SVf "'", SVfARG(status));
    code = SvIV(status);
    if (code < 100 || code > 999)
        croak("invalid status %" IVdf, code);
    len = snprintf(line, sizeof(line), "%d", (int) code);
    if (weft_pl_api->set_status(pc->r, line, (size_t) len) != WEFT_OK)
        croak("the status %d was refused", (int) code);
    if (hsv == NULL || !SvROK(*hsv) || SvTYPE(SvRV(*hsv)) != SVt_PVAV)
        croak("the headers must be an array ref of names and values");
    h = (AV *) SvRV(*hsv);
    n = av_count(h);
    if (n % 2 != 0)
        croak("the headers array has an odd number of elements (%ld)", (long) n);
    *has_length = 0;
    for (i = 0; i < n; i += 2) {
        SV        **k = av_fetch(h, i, 0), **v = av_fetch(h, i + 1, 0);
        const char *kp, *vp;
        STRLEN      kl, vl;

        if (k == NULL || v == NULL || !SvOK(*k) || !SvOK(*v))
            croak("header %ld: an undefined name or value", (long) (i / 2));
        kp = SvPV(*k, kl);
        vp = SvPV(*v, vl);
        if (!weft_pl_api->valid_header_name(kp, kl))
            croak("invalid header name '%" SVf "'", SVfARG(printable(aTHX_ kp, kl)));
        if (!weft_pl_api->valid_header_value(vp, vl))
            croak("invalid value for the header %" SVf, SVfARG(*k));
        if (kl == 14 && strncasecmp(kp, "content-length", 14) == 0)
            *has_length = 1;
        if (kl == 17 && strncasecmp(kp, "transfer-encoding", 17) == 0
            && vl >= 7 && strncasecmp(vp + vl - 7, "chunked", 7) == 0) {
            pc->dechunk = DC_SIZE;  /* the app frames it: decode it */
            pc->dc_left = 0;
        }
        if (weft_pl_api->add_header(pc->r, kp, kl, vp, vl) != WEFT_OK)
            croak("the header %" SVf " was refused", SVfARG(*k));
    }
    return (int) code;
}

/* ------------------------------------------------------------ bodies */

/* Call $obj->method with no arguments in scalar context; its result
 * (mortal) or undef. */
static SV *
call0(pTHX_ SV *obj, const char *method)
{
    dSP;
    SV *ret;
    int n;

    PUSHMARK(SP);
    XPUSHs(obj);
    PUTBACK;
    n = call_method(method, G_SCALAR);
    SPAGAIN;
    ret = n == 1 ? POPs : &PL_sv_undef;
    PUTBACK;
    return ret;
}

static int
can(pTHX_ SV *obj, const char *method)
{
    HV *stash = SvSTASH(SvRV(obj));

    return stash != NULL && gv_fetchmethod_autoload(stash, method, FALSE) != NULL;
}

/* A glob or an IO: send or read its PerlIO handle. */
static void
send_handle(pTHX_ weft_pl_core_t *pc, SV *body)
{
    IO     *io = sv_2io(body);
    PerlIO *fp = io ? IoIFP(io) : NULL;
    char    buf[65536];
    int     fd;

    if (fp == NULL)
        croak("the body is a filehandle that is not open");
    fd = PerlIO_fileno(fp);
    if (fd >= 0 && PerlIO_get_cnt(fp) <= 0) {
        /* Nothing buffered by PerlIO: the fd's position is the handle's. */
        int rc = weft_pl_api->sendfile_fd(pc->r, fd, -1);

        if (rc == WEFT_OK)
            return;
        if (rc == WEFT_ERROR) {
            pc->failed = 1;
            return;
        }
    }
    for (;;) {
        SSize_t n = PerlIO_read(fp, buf, sizeof(buf));

        if (n <= 0)
            break;
        if (weft_pl_api->write(pc->r, buf, (size_t) n) != WEFT_OK) {
            pc->failed = 1;
            return;
        }
    }
}

/* An object with path: WEFT_OK when sent, WEFT_DECLINED to read it. */
static int
send_path(pTHX_ weft_pl_core_t *pc, SV *body)
{
    SV *path = call0(aTHX_ body, "path");
    int fd, rc;

    if (!SvOK(path))
        return WEFT_DECLINED;
    fd = open(SvPV_nolen(path), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return WEFT_DECLINED;
    rc = weft_pl_api->sendfile_fd(pc->r, fd, 0);
    close(fd);
    if (rc == WEFT_ERROR)
        pc->failed = 1;
    return rc == WEFT_DECLINED ? WEFT_DECLINED : WEFT_OK;
}

/* With --async and no engine, a getline body is walked one chunk per
 * request() call: each chunk is a switch point, and the waits the app
 * registered (uwsgi::async_sleep...) are waited for between them. */
static int
async_no_engine(void)
{
    return weft_pl_api->engine_name() == NULL && weft_pl_api->core_count() > 1;
}

int
weft_pl_respond_more(pTHX_ weft_pl_core_t *pc)
{
    SV *chunk = call0(aTHX_ pc->body, "getline");

    if (!SvOK(chunk)) {
        pc->iter = 0;
        return WEFT_OK;
    }
    if (write_chunk(aTHX_ pc, chunk) != WEFT_OK) {
        pc->failed = 1;
        pc->iter = 0;
        return WEFT_OK;
    }
    pc->waits = 0;                  /* the core waits for them now */
    return WEFT_AGAIN;
}

static void
send_getline(pTHX_ weft_pl_core_t *pc, SV *body)
{
    if (async_no_engine()) {
        pc->iter = 1;
        (void) weft_pl_respond_more(aTHX_ pc);
        return;
    }
    for (;;) {
        SV *chunk;

        ENTER;
        SAVETMPS;
        chunk = call0(aTHX_ body, "getline");
        if (!SvOK(chunk)) {
            FREETMPS;
            LEAVE;
            return;
        }
        if (write_chunk(aTHX_ pc, chunk) != WEFT_OK) {
            pc->failed = 1;
            FREETMPS;
            LEAVE;
            return;
        }
        FREETMPS;
        LEAVE;
        weft_pl_honour_waits(aTHX_ pc);
    }
}

static void
send_body(pTHX_ weft_pl_core_t *pc, SV *body, int has_length, int code)
{
    SV *inner;

    if (!SvROK(body))
        croak("the body must be an array ref, a filehandle or an object with getline");
    inner = SvRV(body);
    if (SvTYPE(inner) == SVt_PVAV && !SvOBJECT(inner)) {
        AV     *av = (AV *) inner;
        SSize_t i, n = av_count(av);
        STRLEN  total = 0;

        for (i = 0; i < n; i++) {
            SV **c = av_fetch(av, i, 0);

            if (c == NULL || !SvOK(*c))
                croak("body element %ld is undef", (long) i);
            if (SvROK(*c) && !SvAMAGIC(*c))
                croak("body element %ld is a reference, not a string", (long) i);
            total += sv_len(*c);
        }
        if (!has_length && !pc->dechunk && weft_pl_api->status_has_body(pc->r, code))
            weft_pl_api->set_content_length(pc->r, (uint64_t) total);
        for (i = 0; i < n; i++)
            if (write_chunk(aTHX_ pc, *av_fetch(av, i, 0)) != WEFT_OK) {
                pc->failed = 1;
                return;
            }
        return;
    }
    pc->body = SvREFCNT_inc_simple_NN(body);   /* closed at the end */
    if (SvTYPE(inner) == SVt_PVGV || SvTYPE(inner) == SVt_PVIO) {
        send_handle(aTHX_ pc, body);
        return;
    }
    if (!SvOBJECT(inner))
        croak("the body must be an array ref, a filehandle or an object with getline");
    if (can(aTHX_ body, "path") && send_path(aTHX_ pc, body) == WEFT_OK)
        return;
    if (!can(aTHX_ body, "getline"))
        croak("the body object (%s) has no getline", HvNAME(SvSTASH(inner)));
    send_getline(aTHX_ pc, body);
}

/* ------------------------------------------------------------ respond */

static AV *
response_array(pTHX_ SV *res, SSize_t *n)
{
    if (!SvROK(res) || SvTYPE(SvRV(res)) != SVt_PVAV)
        croak("the app must return an array ref [status, headers, body] or a code ref, not '%" SVf "'",
              SVfARG(res));
    *n = av_count((AV *) SvRV(res));
    return (AV *) SvRV(res);
}

/* The whole response from a 3-element array. */
static void
respond_array(pTHX_ weft_pl_core_t *pc, AV *av)
{
    int has_length, code;

    code = send_head(aTHX_ pc, av, &has_length);
    send_body(aTHX_ pc, *av_fetch(av, 2, 1), has_length, code);
    pc->closed = 1;
    weft_pl_wake(pc);
}

/* The responder's body: $responder->([status, headers(, body)]). */
static XS(xs_responder)
{
    dXSARGS;
    weft_pl_core_t *pc = weft_pl_core_by_tag(aTHX_ (UV) CvXSUBANY(cv).any_iv, "the responder");
    SSize_t         n;
    AV             *av;
    int             has_length;

    if (items != 1)
        croak("the responder takes one array ref [status, headers(, body)]");
    if (pc->responded)
        croak("the responder was called twice");
    pc->responded = 1;
    if (pc->hijacked)
        XSRETURN_EMPTY;
    av = response_array(aTHX_ ST(0), &n);
    if (n == 3) {
        respond_array(aTHX_ pc, av);
        XSRETURN_EMPTY;
    }
    if (n != 2)
        croak("the responder takes [status, headers] or [status, headers, body], not %ld elements",
              (long) n);
    send_head(aTHX_ pc, av, &has_length);
    ST(0) = sv_2mortal(weft_pl_request_object(aTHX_ pc, writer_stash));
    XSRETURN(1);
}

SV *
weft_pl_responder_new(pTHX_ weft_pl_core_t *pc)
{
    CV *cv = newXS(NULL, xs_responder, __FILE__);

    /* One per request: a responder kept past its request dies when
     * called, instead of answering the next request on its core. */
    CvXSUBANY(cv).any_iv = weft_pl_request_tag(pc);
    return newRV_noinc((SV *) cv);
}

/*
 * Under a loop engine, a delayed response may come later from another
 * coroutine (an AnyEvent timer's callback): the request waits, through the
 * core's wait API, on its core's eventfd until the responder has sent the
 * whole response, the writer is closed or the connection was taken
 * (weft_pl_wake).  No polling: a thousand waiting requests cost nothing.
 */
static void
wait_delayed(pTHX_ weft_pl_core_t *pc)
{
    uint64_t n;

    if (pc->wake_fd < 0) {
        pc->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (pc->wake_fd < 0)
            croak("weft: cannot wait for a delayed response: eventfd: %s", strerror(errno));
    }
    pc->waiting = 1;
    while (!pc->closed && !pc->hijacked) {
        if (weft_pl_api->wait_fd(pc->r, pc->wake_fd, WEFT_READ, 0) == WEFT_ERROR) {
            pc->waiting = 0;
            pc->aborted = 1;
            croak("weft: the request is being aborted (the client went away or the worker is stopping)");
        }
        while (read(pc->wake_fd, &n, sizeof(n)) > 0)
            ;
    }
    pc->waiting = 0;
}

void
weft_pl_wake(weft_pl_core_t *pc)
{
    uint64_t one = 1;

    if (pc->waiting && pc->wake_fd >= 0)
        (void) !write(pc->wake_fd, &one, sizeof(one));
}

void
weft_pl_respond(pTHX_ weft_pl_core_t *pc, SV *result)
{
    if (pc->hijacked)
        return;                     /* psgix.io: the app answers itself */
    if (SvROK(result) && SvTYPE(SvRV(result)) == SVt_PVCV) {
        dSP;

        PUSHMARK(SP);
        XPUSHs(sv_2mortal(weft_pl_responder_new(aTHX_ pc)));
        PUTBACK;
        call_sv(result, G_DISCARD | G_VOID);
        if (!pc->responded && !pc->hijacked) {
            if (!(weft_pl_api->engine_flags() & WEFT_ENGINE_OWNS_LOOP))
                croak("the app's streaming callback returned without calling the responder");
            wait_delayed(aTHX_ pc);
        } else if (!pc->closed && !pc->hijacked
                   && (weft_pl_api->engine_flags() & WEFT_ENGINE_OWNS_LOOP)) {
            wait_delayed(aTHX_ pc);
        }
        return;
    }
    {
        SSize_t n;
        AV     *av = response_array(aTHX_ result, &n);

        if (n != 3)
            croak("the app must return [status, headers, body], not %ld elements", (long) n);
        pc->responded = 1;
        respond_array(aTHX_ pc, av);
    }
}

/* ------------------------------------------------------------ the writer */

static XS(xs_writer_write)
{
    dXSARGS;
    weft_pl_core_t *pc;

    if (items != 2)
        croak_xs_usage(cv, "writer, chunk");
    pc = weft_pl_core_of(aTHX_ ST(0), "the writer's write");
    if (pc->closed)
        croak("the writer's write after its close");
    if (pc->hijacked || pc->failed)
        XSRETURN_NO;
    if (write_chunk(aTHX_ pc, ST(1)) != WEFT_OK) {
        pc->failed = 1;
        croak("weft: the client went away");
    }
    weft_pl_honour_waits(aTHX_ pc);
    XSRETURN_YES;
}

static XS(xs_writer_close)
{
    dXSARGS;
    weft_pl_core_t *pc;

    if (items != 1)
        croak_xs_usage(cv, "writer");
    pc = weft_pl_core_of(aTHX_ ST(0), "the writer's close");
    if (!pc->closed && !pc->hijacked && !pc->failed)
        (void) weft_pl_api->write(pc->r, NULL, 0);      /* the head, if not out */
    pc->closed = 1;
    weft_pl_wake(pc);
    XSRETURN_YES;
}

/* $writer->poll_cb($cb): calls $cb->($writer) at once (the writer never
 * makes the app wait for readiness: a full socket suspends its write). */
static XS(xs_writer_poll_cb)
{
    dXSARGS;

    if (items != 2)
        croak_xs_usage(cv, "writer, cb");
    (void) weft_pl_core_of(aTHX_ ST(0), "the writer's poll_cb");
    {
        SV *self = ST(0), *cb = ST(1);

        PUSHMARK(SP);
        XPUSHs(self);
        PUTBACK;
        call_sv(cb, G_DISCARD | G_VOID);
    }
    XSRETURN_EMPTY;
}

/* ------------------------------------------------------------ close */

void
weft_pl_response_done(pTHX_ weft_pl_core_t *pc)
{
    SV *body = pc->body;

    pc->body = NULL;
    if (body == NULL)
        return;
    if (SvROK(body) && (SvOBJECT(SvRV(body)) ? can(aTHX_ body, "close")
                                             : (SvTYPE(SvRV(body)) == SVt_PVGV
                                                || SvTYPE(SvRV(body)) == SVt_PVIO))) {
        dSP;

        ENTER;
        SAVETMPS;
        PUSHMARK(SP);
        XPUSHs(body);
        PUTBACK;
        if (SvOBJECT(SvRV(body)))
            call_method("close", G_DISCARD | G_EVAL);
        else
            call_pv("Weft::PSGI::_close", G_DISCARD | G_EVAL);
        if (SvTRUE(ERRSV))
            weft_pl_log_error(aTHX_ WEFT_LOG_ERROR, "perl: the body's close died");
        FREETMPS;
        LEAVE;
    }
    SvREFCNT_dec(body);
}

int
weft_pl_response_init(pTHX)
{
    newXS("Weft::Writer::write", xs_writer_write, __FILE__);
    newXS("Weft::Writer::close", xs_writer_close, __FILE__);
    newXS("Weft::Writer::poll_cb", xs_writer_poll_cb, __FILE__);
    writer_stash = gv_stashpvs("Weft::Writer", GV_ADD);
    return weft_pl_eval(aTHX_ "sub Weft::PSGI::_close { close $_[0] } 1") == 0 ? WEFT_OK : WEFT_ERROR;
}
