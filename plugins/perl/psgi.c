/*
 * plugins/perl/psgi.c - the language handler's request() and
 * request_done(): one PSGI call per request.
 *
 * Everything a request runs in Perl (the env, the app's call, the
 * response, a streaming callback) runs inside one call_sv(G_EVAL) of the
 * core's own XSUB, so no die ever unwinds through the core: a die before
 * the headers are out gives a 500 (the core answers for WEFT_ERROR), after
 * that the response is cut; either way the message is logged and the
 * worker goes on.  Each request has its own SAVETMPS/FREETMPS scope, so
 * nothing it made outlives it unless the app kept it.
 *
 * With --async and no engine, a body read with getline is walked one
 * chunk per request() call (WEFT_AGAIN between them), so apps that
 * register waits and return such a body share the worker, as in uWSGI's
 * async mode.
 *
 * request_done() closes the body, then runs the psgix.cleanup.handlers
 * (each under G_EVAL, with the env), then honours psgix.harakiri.commit by
 * recycling the worker (api->recycle_worker: it drains, and the master
 * starts a new one).  psgix.harakiri is true only under a master.
 */
#include "perl.h"

/* The request's body in Perl, on a core's XSUB (CvXSUBANY: the core). */
static XS(xs_serve)
{
    dXSARGS;
    weft_pl_core_t *pc = (weft_pl_core_t *) CvXSUBANY(cv).any_ptr;
    SV             *result;
    int             n;

    (void) items;
    pc->env = weft_pl_env(aTHX_ pc, pc->r);
    PUSHMARK(SP);
    XPUSHs(sv_2mortal(newRV_inc((SV *) pc->env)));
    PUTBACK;
    n = call_sv(weft_pl_app, G_SCALAR);
    SPAGAIN;
    result = n == 1 ? POPs : &PL_sv_undef;
    PUTBACK;
    weft_pl_respond(aTHX_ pc, result);
    XSRETURN_EMPTY;
}

/* The next chunk of a body walked by request() calls. */
static XS(xs_more)
{
    dXSARGS;
    weft_pl_core_t *pc = (weft_pl_core_t *) CvXSUBANY(cv).any_ptr;

    (void) items;
    (void) weft_pl_respond_more(aTHX_ pc);
    XSRETURN_EMPTY;
}

static CV **serve_cvs, **more_cvs;

/* The core's XSUBs (serve, more), made on its first request. */
static CV *
core_cv(pTHX_ weft_pl_core_t *pc, int more)
{
    CV ***cvs = more ? &more_cvs : &serve_cvs;

    if (*cvs == NULL) {
        *cvs = calloc(weft_pl_ncores, sizeof(**cvs));
        if (*cvs == NULL)
            return NULL;
    }
    if ((*cvs)[pc->id] == NULL) {
        CV *cv = newXS(NULL, more ? xs_more : xs_serve, __FILE__);

        CvXSUBANY(cv).any_ptr = pc;
        (*cvs)[pc->id] = cv;
    }
    return (*cvs)[pc->id];
}

int
weft_pl_request(weft_request_t *r)
{
    dWEFT_PL;
    weft_pl_core_t *pc = &weft_pl_cores[r->core->id];
    CV             *cv;
    int             failed;

    if (weft_pl_app == NULL) {
        weft_pl_api->log(WEFT_LOG_ERROR, "%.*s %.*s: no PSGI app is loaded",
                         (int) r->method.len, r->method.data, (int) r->uri.len, r->uri.data);
        return WEFT_ERROR;
    }
    if (r->ctx == NULL) {
        ENTER;
        SAVETMPS;
        weft_pl_stdio_check(aTHX_ r);   /* a handle an earlier request closed */
        FREETMPS;
        LEAVE;
        cv = core_cv(aTHX_ pc, 0);
        if (cv == NULL)
            return WEFT_ERROR;
        r->ctx = pc;
        pc->r = r;
        pc->gen++;
        pc->waits = pc->aborted = pc->failed = pc->responded = pc->closed = 0;
        pc->hijacked = pc->dechunk = pc->iter = 0;
    } else if ((cv = core_cv(aTHX_ pc, 1)) == NULL)
        return WEFT_ERROR;
    {
        dSP;

        ENTER;
        SAVETMPS;
        PUSHMARK(SP);
        PUTBACK;
        call_sv((SV *) cv, G_DISCARD | G_VOID | G_EVAL);
        failed = SvTRUE(ERRSV);
        if (failed) {
            if (pc->aborted || (r->flags & WEFT_REQ_CLIENT_GONE)) {
                /* Not the app's fault: one line, no backtrace. */
                weft_pl_api->log(WEFT_LOG_INFO, "%.*s %.*s: %s; the app stopped",
                                 (int) r->method.len, r->method.data,
                                 (int) r->uri.len, r->uri.data,
                                 (r->flags & WEFT_REQ_CLIENT_GONE) ? "the client went away"
                                                                   : "the request was cut short");
                sv_setpvs(ERRSV, "");
            } else
                weft_pl_log_error(aTHX_ WEFT_LOG_ERROR, "%.*s %.*s: the app died",
                                  (int) r->method.len, r->method.data,
                                  (int) r->uri.len, r->uri.data);
        }
        FREETMPS;
        LEAVE;
    }
    if (failed || pc->failed) {
        pc->iter = 0;
        return WEFT_ERROR;
    }
    return pc->iter ? WEFT_AGAIN : WEFT_OK;
}

/* Each psgix.cleanup.handlers entry, with the env, under G_EVAL. */
static void
run_cleanup(pTHX_ weft_pl_core_t *pc)
{
    AV     *handlers = weft_pl_env_cleanup_handlers(aTHX_ pc->env);
    Size_t  i;

    if (handlers == NULL)
        return;
    /* A handler may push another: walk until the end as it is now. */
    for (i = 0; i < av_count(handlers); i++) {
        SV **h = av_fetch(handlers, (SSize_t) i, 0);
        dSP;

        if (h == NULL || !SvOK(*h))
            continue;
        ENTER;
        SAVETMPS;
        PUSHMARK(SP);
        XPUSHs(sv_2mortal(newRV_inc((SV *) pc->env)));
        PUTBACK;
        call_sv(*h, G_DISCARD | G_VOID | G_EVAL);
        if (SvTRUE(ERRSV))
            weft_pl_log_error(aTHX_ WEFT_LOG_ERROR, "perl: a psgix.cleanup handler died");
        FREETMPS;
        LEAVE;
    }
}

void
weft_pl_request_done(weft_request_t *r)
{
    dWEFT_PL;
    weft_pl_core_t *pc = r->ctx;
    int             harakiri = 0;

    if (pc == NULL)
        return;
    ENTER;
    SAVETMPS;
    weft_pl_response_done(aTHX_ pc);
    if (pc->env != NULL) {
        run_cleanup(aTHX_ pc);
        harakiri = weft_pl_env_harakiri(aTHX_ pc->env);
        SvREFCNT_dec((SV *) pc->env);
        pc->env = NULL;
    }
    weft_pl_io_done(aTHX_ pc);
    FREETMPS;
    LEAVE;
    pc->r = NULL;
    pc->gen++;                      /* its writer: stale */
    r->ctx = NULL;
    if (harakiri && weft_pl_api->recycle_worker("the app set psgix.harakiri.commit") != WEFT_OK)
        weft_pl_api->log(WEFT_LOG_WARN, "perl: psgix.harakiri.commit ignored: there is no master to start a new worker (psgix.harakiri was false)");
}
