/*
 * weft/engine.h - suspend engines and loop engines.
 *
 * A suspend engine (uGreen, greenlet, Ruby fibers) gives each async core a
 * stack of its own, so a request can stop in the middle of a call and let
 * the worker's loop run.  It only switches: the core's libevent loop decides
 * when.  The main loop runs on the "main" context (the process stack, the
 * main greenlet, the root fiber); each core runs on its own.
 *
 * A loop engine (gevent, Coro::AnyEvent) owns the event loop and the
 * coroutines itself, and drives the core's request machinery through the
 * API table.
 *
 * A plugin registers either from init() and selects it when its option is
 * given (api->select_engine(), usually from a WEFT_OPT_CALLBACK option such
 * as --ugreen).
 */
#ifndef WEFT_ENGINE_H
#define WEFT_ENGINE_H

#include <stdint.h>
#include <weft/request.h>

typedef struct weft_suspend_engine_s weft_suspend_engine_t;
typedef struct weft_loop_engine_s    weft_loop_engine_t;

/*
 * What an engine does, in its `flags` (ABI 1.1).  A language chooses how it
 * shares its interpreter from these (api->engine_flags()), and the core
 * refuses at start-up a language that declares it cannot live with one of
 * them (WEFT_LANG_* in weft/language.h).
 */
#define WEFT_ENGINE_FOREIGN_STACK 0x0001 /* runs handlers on C stacks it made
                                            itself (uGreen): the interpreter
                                            must tolerate a foreign stack, and
                                            its own state is not switched */
#define WEFT_ENGINE_OWN_STATE     0x0002 /* switches the interpreter's own
                                            state with the core (greenlet,
                                            Ruby fibers, Coro): the language
                                            keeps one interpreter state */
#define WEFT_ENGINE_OWNS_LOOP     0x0004 /* owns the event loop (gevent,
                                            Coro::AnyEvent): a loop engine */

struct weft_suspend_engine_s {
    uint32_t     size;        /* sizeof(weft_suspend_engine_t) as built */
    const char  *name;        /* "ugreen" */

    /*
     * In each worker, before its first request: make room for `ncores`
     * cores (numbered 0..ncores-1).  WEFT_ERROR stops the worker.
     */
    int   (*prepare)(unsigned ncores);

    /*
     * On the main context: run api->core_main(core) on the core's own
     * context.  Returns, back on the main context, when the core suspends
     * or when core_main() returns.  WEFT_ERROR if it could not start.
     */
    int   (*start)(weft_core_t *core);

    /* On the core's context: switch to the main context.  Returns when
     * resume() is called for this core. */
    void  (*suspend)(weft_core_t *core);

    /* On the main context: continue a suspended core.  Returns when it
     * suspends again or its core_main() returns. */
    void  (*resume)(weft_core_t *core);

    /* In each worker as it stops, after every core has finished. */
    void  (*release)(void);

    /* When the worker has gone quiet after a burst, for each free core:
     * give back the memory its stack holds (it will not be resumed; its
     * next start() begins afresh).  May be NULL. */
    void  (*shrink)(weft_core_t *core);

    /* ABI 1.1: WEFT_ENGINE_* (FOREIGN_STACK or OWN_STATE).  An engine
     * built for 1.0 has none, and is taken as FOREIGN_STACK. */
    uint32_t     flags;
};

/*
 * A loop engine owns the worker's event loop and its coroutines (gevent's
 * hub and greenlets, Coro and AnyEvent).  The core does everything else: it
 * reads and parses requests, gives each a core, runs the language, writes
 * the response, and keeps harakiri, recycling and graceful stop.  It only
 * needs the engine to run coroutines and to wait on file descriptors.
 *
 * Every function but run() and stop() is called on one of the engine's
 * coroutines (the one api->serve_connection() runs on).
 */
struct weft_loop_engine_s {
    uint32_t     size;        /* sizeof(weft_loop_engine_t) as built */
    const char  *name;        /* "gevent" */

    /* In each worker, before run(): make ready for ncores requests at once. */
    int   (*prepare)(unsigned ncores);

    /*
     * Serve until stopped.  Watch every listen socket (api->listener_fd(i),
     * i < api->listener_count()); when one is readable, take connections
     * with api->accept(i) until it returns -1, and run
     * api->serve_connection(fd, i) for each on a coroutine of its own.
     * Install handlers that call api->stop_worker(1) on SIGTERM and SIGINT,
     * api->stop_worker(0) on SIGQUIT, and (ABI 1.5) api->reopen_log() on
     * SIGUSR1, whose default action would end the worker.  Return once
     * stop() has been called and every serve_connection() has returned.
     */
    int   (*run)(void);

    /* From api->stop_worker(): stop accepting.  graceful == 0: also make
     * every wait() fail at once, so the coroutines unwind now. */
    void  (*stop)(int graceful);

    /*
     * Suspend the calling coroutine until fds[i] is ready for events[i]
     * (WEFT_READ, WEFT_WRITE) for some i, or timeout seconds have passed
     * (timeout < 0: no timeout; n == 0 and timeout == 0: just let the other
     * ready coroutines run once).  WEFT_OK with *ready = i, WEFT_TIMEOUT, or
     * WEFT_ERROR when the worker is stopping immediately.  n may be any
     * number (an app may watch many fds): never drop the ones past a limit.
     */
    int   (*wait)(const int *fds, const int *events, unsigned n, double timeout,
                  unsigned *ready);

    /* The calling coroutine, as a handle for wake(); NULL off the engine's
     * coroutines.  The same coroutine always gives the same handle, however
     * it was switched to: the core finds the running request by it. */
    void *(*current)(void);

    /* Suspend the calling coroutine until wake() is called for it. */
    void  (*park)(void);

    /* Make a parked coroutine run again (from any coroutine). */
    void  (*wake)(void *coroutine);

    /* ABI 1.1: WEFT_ENGINE_* flags; OWNS_LOOP is implied.  An engine built
     * for 1.0 is taken as OWNS_LOOP | OWN_STATE. */
    uint32_t     flags;
};

#endif /* WEFT_ENGINE_H */
