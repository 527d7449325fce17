/*
 * weft/language.h - a language handler: the part of a plugin that runs
 * applications (WSGI, Rack, PSGI, CGI, ...).
 *
 * A plugin registers it from init() with api->register_language().  The
 * core routes a request to the language whose modifier1 matches the
 * request's (uwsgi protocol) or the socket's default (HTTP); when only one
 * language is loaded it gets every request.
 *
 * Life cycle, in order:
 *   setup()        once, after every option is applied; in the master before
 *                  fork.  Check the options, load the apps (unless the plugin
 *                  loads them lazily per worker).  WEFT_ERROR stops weft; log
 *                  the reason first.
 *   worker_init()  in each worker after fork, before its first request.
 *   request()      for each request, on the core's stack when a suspend
 *                  engine is active.  Returns WEFT_OK (or WEFT_ERROR) when
 *                  the response is complete; WEFT_AGAIN to be called again
 *                  once the waits it registered (api->watch_fd,
 *                  api->watch_timer) fire, or on the next loop turn if it
 *                  registered none.  That is how an app that yields chunks
 *                  shares a worker with no suspend engine at all.
 *   request_done() once after the last request() call of a request, also
 *                  when the request was aborted (client gone, harakiri,
 *                  shutdown).  Release what r->ctx holds.
 *   on_suspend()   on the core's stack, just before the core switches away
 *   on_resume()    and just after it is back.  Save and restore whatever
 *                  interpreter state must not be shared between cores.
 *   worker_exit()  when a worker stops, after its cores are drained.
 *   has_threads(), without_lock(), with_lock()  (ABI 1.3) the worker's
 *                  loop waits with the interpreter's lock released: see
 *                  the slots.
 *   thread_init(), thread_exit()  (ABI 1.6) --threads: each serving
 *                  thread of a worker, around its loop.
 * Any hook may be NULL.
 */
#ifndef WEFT_LANGUAGE_H
#define WEFT_LANGUAGE_H

#include <stdint.h>
#include <weft/request.h>

typedef struct weft_language_s weft_language_t;

/*
 * What a language cannot do, in its `flags` (ABI 1.1).  The core refuses a
 * pairing with an engine that needs it at start-up, naming the language,
 * the engine and `engine_hint`.
 */
#define WEFT_LANG_NO_FOREIGN_STACK 0x0001 /* cannot run on a C stack the
                                             interpreter did not make
                                             (Ruby): refuses FOREIGN_STACK */

struct weft_language_s {
    uint32_t     size;        /* sizeof(weft_language_t) as built */
    const char  *name;        /* "python", "cgi", ... */
    int          modifier1;   /* uwsgi modifier1: 0 python, 5 perl, 7 ruby, 9 cgi */

    int   (*setup)(void);
    int   (*worker_init)(unsigned worker_id);
    int   (*request)(weft_request_t *r);
    void  (*request_done)(weft_request_t *r);
    void  (*on_suspend)(weft_core_t *core);
    void  (*on_resume)(weft_core_t *core);
    void  (*worker_exit)(void);

    /* ABI 1.1 */
    uint32_t     flags;        /* WEFT_LANG_*: what it cannot do */
    const char  *engine_hint;  /* the engine option to name when a pairing
                                  is refused ("--fiber"), or NULL */

    /* ABI 1.3 */
    /*
     * For an interpreter that runs one of its threads at a time and keeps
     * its lock while C code runs (Ruby's GVL): the worker's event loop then
     * waits with the lock released, so the app's own threads run while the
     * worker is idle or its requests are parked.  All three, or none.
     * NULL (Python, Perl, cgi): the loop runs as it always did, at no cost.
     *
     * has_threads(): nonzero when threads of the app other than the
     *   worker's own are alive, so that releasing the lock is worth it.
     *   Asked before each turn of the loop, on the worker's thread, with
     *   the lock held: keep it cheap.  While it says 0, the loop waits
     *   holding the lock, and nothing below is called.
     * without_lock(fn, arg, wake, wake_arg): run fn(arg) with the lock
     *   released; return when fn returns.  The interpreter may call
     *   wake(wake_arg) meanwhile, from any thread or from a signal handler,
     *   to want its thread back: fn then returns soon.  Whatever the
     *   interpreter raises as the lock comes back is the language's to
     *   handle and log: nothing unwinds through the core.
     * with_lock(fn, arg): called only from inside without_lock()'s fn, on
     *   the same thread: run fn(arg) with the lock held again.  The core
     *   runs every callback of its loop that may reach a language this
     *   way, so each hook of this table is still called holding the lock.
     */
    int   (*has_threads)(void);
    void  (*without_lock)(void (*fn)(void *arg), void *arg,
                          void (*wake)(void *wake_arg), void *wake_arg);
    void  (*with_lock)(void (*fn)(void *arg), void *arg);

    /* ABI 1.6 */
    /*
     * --threads N: a worker serves on N OS threads, each with its own
     * event loop and cores; request(), request_done(), on_suspend() and
     * on_resume() are then called from any of them, at the same time (the
     * other hooks stay on the worker's first thread).  A language sets thread_init to say it can; one that leaves it NULL
     * (or an older plugin) makes weft refuse --threads at start-up, naming
     * it.
     *
     * thread_init(thread): on each serving thread (thread 1 .. N), after
     *   worker_init() ran on the worker's first thread (which then only
     *   handles signals and serves nothing), before the thread's first
     *   request: give the thread what it needs to run the interpreter
     *   (Python: its own thread state).  WEFT_ERROR, logged, stops the
     *   worker.
     * thread_exit(): on that thread, once its loop is over and its cores
     *   are drained, before the worker's worker_exit().
     *
     * A thread's wait inside request() (a body read, suspend() with no
     * engine) blocks that thread only; under --threads it runs inside
     * without_lock() when the language has one, so other threads run the
     * interpreter meanwhile (wake is then a no-op, with_lock unused).
     */
    int   (*thread_init)(unsigned thread);
    void  (*thread_exit)(void);
};

#endif /* WEFT_LANGUAGE_H */
