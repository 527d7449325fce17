/*
 * plugins/perl/perl.h - what the Perl plugin's files share.
 *
 * The plugin embeds Perl 5 (one interpreter per process, MULTIPLICITY
 * builds included) and serves PSGI 1.1 apps.  Its files:
 *
 *   perl.c           the descriptor, options, the interpreter's start-up,
 *                    the worker life cycle
 *   app.c            loading the .psgi (as Plack::Util::load_psgi does),
 *                    calling Perl under G_EVAL, logging Perl errors
 *   psgi.c           request() and request_done(): one PSGI call
 *   psgi_env.c       the env hash (pre-made shared keys)
 *   psgi_input.c     psgi.input (Weft::Input), psgi.errors (Weft::Errors)
 *   psgi_response.c  [status, headers, body], the responder and the writer
 *   psgi_io.c        psgix.io: the connection, handed over on first use
 *   api_module.c     the in-app API: packages Weft:: and uwsgi::
 *
 * One interpreter serves every core; it is weft_pl_perl, also the thread's
 * PERL_GET_CONTEXT, so a loop engine (coroae.so) that links libperl uses it
 * as is.  Per-request state lives in weft_pl_core_t, one per core, reached
 * from the request (r->ctx) or from api->current_request(): never from a
 * C global that a coroutine switch would leave pointing at another request.
 */
#ifndef WEFT_PERL_H
#define WEFT_PERL_H

#define PERL_NO_GET_CONTEXT
#include <EXTERN.h>
#include <perl.h>
#include <XSUB.h>

/* perl.h defines these for its own use; the SDK has its own meaning. */
#undef ERROR
#undef OK
#undef DONE

#include <weft/weft.h>

extern const weft_api_t *weft_pl_api;
extern PerlInterpreter  *weft_pl_perl;

/* In a function that is not an XSUB: the interpreter as aTHX. */
#define dWEFT_PL dTHXa(weft_pl_perl)

/* ------------------------------------------------------------ options */

typedef struct {
    const char     *psgi;          /* --psgi FILE */
    weft_strlist_t  includes;      /* --perl-include / -I DIR, repeatable */
    weft_strlist_t  local_libs;    /* --perl-local-lib DIR, repeatable */
    weft_strlist_t  modules;       /* --perl-module MODULE, repeatable */
    int             no_die_catch;  /* --perl-no-die-catch */
} weft_pl_conf_t;

extern weft_pl_conf_t weft_pl_conf;

/* ------------------------------------------------------------ cores */

typedef struct {
    weft_request_t *r;          /* the request in flight, or NULL */
    unsigned        id;         /* the core's number */
    uint64_t        gen;        /* bumped per request: stale objects see it */
    int             waits;      /* an in-app wait was registered, not waited */
    int             aborted;    /* suspend() said the request is aborted */
    int             failed;     /* the client went away mid-body */
    int             responded;  /* the responder was called */
    int             closed;     /* the writer (or the whole response) is done */
    int             hijacked;   /* psgix.io took the connection */
    int             dechunk;    /* the app chunked its body itself: state of
                                   the decoder (DC_* in psgi_response.c),
                                   0 for none */
    uint64_t        dc_left;    /* bytes left in the current chunk */
    int             wake_fd;    /* an eventfd a delayed response waits on
                                   (made on first use), or -1 */
    int             waiting;    /* the request waits on wake_fd */
    int             iter;       /* a getline body walked one chunk per
                                   request() call (--async, no engine) */
    HV             *env;        /* the request's env (owned), or NULL */
    SV             *body;       /* the body to close at the end, or NULL */
    SV             *input;      /* psgi.input: one object per core, reused
                                   (writers and responders are made per
                                   request, tagged with its generation) */
    SV             *io;         /* psgix.io: one tied handle per core */
} weft_pl_core_t;

extern weft_pl_core_t *weft_pl_cores;
extern unsigned        weft_pl_ncores;

/* The core of the request the calling context serves, or NULL. */
weft_pl_core_t *weft_pl_current(void);

/* ------------------------------------------------------------ app.c */

extern SV *weft_pl_app;             /* the PSGI app (a code ref), or NULL */

/* Log ERRSV (a die message, possibly with a backtrace) at level after a
 * printf prefix, one log line per line of it, then clear it. */
void weft_pl_log_error(pTHX_ int level, const char *fmt, ...) WEFT_PRINTF(3, 4);

/* Evaluate Perl source (eval_sv with G_EVAL): 0, or -1 with ERRSV set. */
int  weft_pl_eval(pTHX_ const char *src);

int  weft_pl_app_load(pTHX);
int  weft_pl_modules_load(pTHX);

/* ------------------------------------------------------------ psgi */

int  weft_pl_request(weft_request_t *r);
void weft_pl_request_done(weft_request_t *r);
/* Before a request: open again a STDIN, STDOUT or STDERR an app closed
 * (psgi_stdio.c). */
void weft_pl_stdio_check(pTHX_ weft_request_t *r);

int  weft_pl_env_init(pTHX);
HV  *weft_pl_env(pTHX_ weft_pl_core_t *pc, weft_request_t *r);

int  weft_pl_input_init(pTHX);
SV  *weft_pl_input_new(pTHX_ weft_pl_core_t *pc);
extern SV *weft_pl_errors;          /* psgi.errors: one object */

int  weft_pl_response_init(pTHX);
/* A new responder (a code ref) for pc's current request. */
SV  *weft_pl_responder_new(pTHX_ weft_pl_core_t *pc);
/* Send what the app returned: an array ref [status, headers, body] or a
 * code ref (a delayed or streamed response).  Croaks on a malformed one
 * (the caller's G_EVAL catches it). */
void weft_pl_respond(pTHX_ weft_pl_core_t *pc, SV *result);
/* The next chunk of a body walked by request() calls: WEFT_AGAIN after
 * a chunk, WEFT_OK at its end (pc->iter cleared). */
int  weft_pl_respond_more(pTHX_ weft_pl_core_t *pc);
/* Close the body (always), drop what the response held. */
void weft_pl_response_done(pTHX_ weft_pl_core_t *pc);

/* A delayed response is complete (or the connection was taken): wake the
 * request that waits for it, if it does. */
void weft_pl_wake(weft_pl_core_t *pc);

int  weft_pl_io_init(pTHX);
SV  *weft_pl_io_new(pTHX_ weft_pl_core_t *pc);

int  weft_pl_api_module_init(pTHX);

/* The core of the request the caller acts on; croaks naming fn outside
 * one.  For the XSUBs of every package. */
weft_pl_core_t *weft_pl_need_core(pTHX_ const char *fn);

/* Wait for what the app registered (async_sleep, wait_fd_*): after a body
 * chunk or a writer's write.  Croaks when the request is aborted. */
void weft_pl_honour_waits(pTHX_ weft_pl_core_t *pc);

/* The core an object made by this plugin (a blessed ref to an IV holding
 * the core's number) stands for, checked to be serving a request; croaks
 * naming what otherwise. */
weft_pl_core_t *weft_pl_core_of(pTHX_ SV *self, const char *what);

/* A blessed ref to an IV holding pc->id, in the package `stash`. */
SV  *weft_pl_core_object(pTHX_ weft_pl_core_t *pc, HV *stash);
/* The same for an object of pc's current request only (the writer). */
SV  *weft_pl_request_object(pTHX_ weft_pl_core_t *pc, HV *stash);

/* The tag such objects hold (the core's number, the request's
 * generation), and the core a tag stands for, checked as
 * weft_pl_core_of checks it. */
IV   weft_pl_request_tag(weft_pl_core_t *pc);
weft_pl_core_t *weft_pl_core_by_tag(pTHX_ UV tag, const char *what);

int  weft_pl_cores_init(pTHX_ unsigned n);

/* psgi_env.c: the env's psgix.cleanup.handlers (or NULL), and whether
 * the app set psgix.harakiri.commit. */
AV  *weft_pl_env_cleanup_handlers(pTHX_ HV *env);
int  weft_pl_env_harakiri(pTHX_ HV *env);

/* psgi_io.c: at the end of a request, close psgix.io if it was taken. */
void weft_pl_io_done(pTHX_ weft_pl_core_t *pc);

#endif /* WEFT_PERL_H */
