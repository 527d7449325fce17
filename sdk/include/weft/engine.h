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
};

struct weft_loop_engine_s {
    uint32_t     size;        /* sizeof(weft_loop_engine_t) as built */
    const char  *name;        /* "gevent" */

    /* In each worker: prepare ncores cores. */
    int   (*prepare)(unsigned ncores);

    /* Serve until stop() has been called and every core has drained. */
    int   (*run)(void);

    /* Stop accepting; graceful: let running requests finish. */
    void  (*stop)(int graceful);
};

#endif /* WEFT_ENGINE_H */
