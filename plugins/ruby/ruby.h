/*
 * plugins/ruby/ruby.h - what the Ruby plugin's files share.
 *
 * The plugin embeds Ruby (MRI 3.x) and serves Rack apps.  Its files:
 *
 *   ruby.c           the descriptor, options, the VM's start-up, workers
 *   app.c            loading the app (Rack::Builder.parse_file), rb_protect
 *                    helpers, logging Ruby exceptions with their backtrace
 *   rack.c           request() and request_done(): the Rack call
 *   rack_env.c       the env Hash (Rack 2.2 SPEC)
 *   rack_input.c     rack.input (Weft::Input) and rack.errors (Weft::Errors)
 *   rack_response.c  status, headers and the body (each, to_path, call)
 *   rack_hijack.c    rack.hijack (full and partial), rack.early_hints
 *   api_module.c     the in-app API: modules Weft and UWSGI
 *   gvl.c            the loop waits with the GVL released (has_threads...)
 *
 * Every function runs on the worker's thread.  No Ruby exception ever
 * crosses C: each call into Ruby that may raise goes through rb_protect
 * (weft_rb_protect).  VALUEs kept in C memory across a suspend live in the
 * per-core slots below, whose addresses are registered with the GC once.
 */
#ifndef WEFT_RUBY_H
#define WEFT_RUBY_H

#include <ruby.h>

#include <weft/weft.h>

extern const weft_api_t *weft_rb_api;
extern int               weft_rb_vm_alive;  /* 0 once ruby_cleanup() ran */

/* ------------------------------------------------------------ options */

typedef struct {
    const char     *rack;          /* --rack FILE */
    weft_strlist_t  requires;      /* --rbrequire FEATURE, repeatable */
    weft_strlist_t  rubypath;      /* --rubypath DIR, repeatable */
    long            gc_freq;       /* --ruby-gc-freq N: GC every N requests, 0 never */
} weft_rb_conf_t;

extern weft_rb_conf_t weft_rb_conf;

/* ------------------------------------------------------------ cores */

/* Body iteration phases of a request. */
#define WEFT_RB_START   0   /* the app has not been called */
#define WEFT_RB_ITER    1   /* iterating the body through an Enumerator */
#define WEFT_RB_DONE    2

typedef struct {
    weft_request_t *r;          /* the request in flight, or NULL */
    uint64_t        gen;        /* bumped per request: stale objects see it */
    int             phase;      /* WEFT_RB_* */
    int             waits;      /* an in-app wait was registered, not waited */
    int             aborted;    /* suspend() said the request is aborted */
    int             failed;     /* the body raised: the response is cut */
    int             hijacked;   /* the connection went to the app */
    /* Registered with rb_gc_register_address once (weft_rb_cores_init):
     * safe across a suspend. */
    VALUE           env;        /* the env Hash */
    VALUE           body;       /* the response body, closed at the end */
    VALUE           iter;       /* its Enumerator (async mode), or Qnil */
    VALUE           input;      /* rack.input: one per core, reused */
    VALUE           refs;       /* Array: strings lent to api->write_ref */
    VALUE           hijack;     /* rack.hijack: one per core, reused */
    VALUE           hints;      /* rack.early_hints: likewise */
} weft_rb_core_t;

extern weft_rb_core_t *weft_rb_cores;
extern unsigned        weft_rb_ncores;

int  weft_rb_cores_init(unsigned n);

/* The core of the request the calling context serves, or NULL after
 * raising nothing (outside a request). */
weft_rb_core_t *weft_rb_current(void);

/* Raise RuntimeError naming prefix and what, unless called on the worker's own Ruby
 * thread: from another thread, the core (not thread-safe) would be entered
 * while the worker's loop runs, and a wait would switch the worker's
 * request from under it. */
void weft_rb_on_worker_thread(const char *prefix, const char *what);

/* ------------------------------------------------------------ gvl.c */

/* weft_language_t.has_threads, .without_lock and .with_lock (ABI 1.3):
 * another Ruby thread is alive; run fn(arg) without the GVL, wake() as
 * Ruby's unblocking function; run fn(arg) with the GVL again. */
int  weft_rb_has_threads(void);
void weft_rb_without_lock(void (*fn)(void *), void *arg, void (*wake)(void *), void *wake_arg);
void weft_rb_with_lock(void (*fn)(void *), void *arg);

/* ------------------------------------------------------------ app.c */

extern VALUE weft_rb_app;           /* registered */
extern VALUE weft_rb_mWeft;         /* module Weft (UWSGI is the same) */

/* rb_protect(fn, arg): the result, or Qundef with *state set; the
 * exception stays in rb_errinfo() for weft_rb_log_exception. */
VALUE weft_rb_protect(VALUE (*fn)(VALUE), VALUE arg, int *state);

/* Evaluate Ruby source under rb_protect; Qundef on an exception. */
VALUE weft_rb_eval(const char *src, int *state);

/* Log rb_errinfo() with its backtrace at level, after a prefix, and clear
 * it. */
void weft_rb_log_exception(int level, const char *fmt, ...) WEFT_PRINTF(2, 3);

int  weft_rb_app_load(void);
int  weft_rb_requires_run(void);

/* ------------------------------------------------------------ rack */

int  weft_rb_request(weft_request_t *r);
void weft_rb_request_done(weft_request_t *r);
/* After a request: replace a $stdin, $stdout or $stderr the app closed
 * (rack_stdio.c). */
void weft_rb_stdio_check(weft_request_t *r);

int   weft_rb_env_init(void);
VALUE weft_rb_env(weft_rb_core_t *rc, weft_request_t *r);

int   weft_rb_input_init(void);
VALUE weft_rb_input_new(weft_rb_core_t *rc);
/* Make rc->input read rc->r (a new request: rc->gen). */
void  weft_rb_input_bind(weft_rb_core_t *rc);
extern VALUE weft_rb_errors;        /* rack.errors, registered */

int  weft_rb_response_init(void);
/* Send the app's [status, headers, body]: WEFT_OK, WEFT_AGAIN (async
 * switch point), WEFT_ERROR (logged). */
int  weft_rb_respond(weft_rb_core_t *rc, weft_request_t *r, VALUE result);
/* Go on iterating a body after WEFT_AGAIN. */
int  weft_rb_respond_more(weft_rb_core_t *rc, weft_request_t *r);
/* Close the body (always), drop the core's per-request VALUEs. */
void weft_rb_response_done(weft_rb_core_t *rc);

int  weft_rb_api_module_init(void);

/* rack_hijack.c */
int   weft_rb_hijack_init(void);
VALUE weft_rb_hijack_new(weft_rb_core_t *rc);
VALUE weft_rb_hints_new(weft_rb_core_t *rc);
void  weft_rb_hijack_bind(weft_rb_core_t *rc);
/* Send the head, hand the connection over, call callable with it. */
void  weft_rb_hijack_partial(weft_rb_core_t *rc, VALUE callable);

#endif /* WEFT_RUBY_H */
