/*
 * plugins/coroae/coroae.h - what coroae.so's files share.
 *
 * coroae.so is a loop engine (weft/engine.h): AnyEvent, on its EV backend,
 * owns the worker's event loop, and each connection runs
 * api->serve_connection() on a Coro of its own.  It drives the interpreter
 * perl.so started (PERL_GET_CONTEXT): one interpreter, whose state Coro
 * switches with each Coro.  Its files:
 *
 *   plugin.c   the descriptor, the options, the engine's table
 *   boot.c     in each worker: load EV, AnyEvent, Coro and Coro::AnyEvent,
 *              check that AnyEvent runs on EV, import their C APIs
 *   coro.c     a connection's Coro: spawn, current, park, wake
 *   wait.c     wait(): EV watchers on AnyEvent's loop, and the hard stop
 *   serve.c    run() and stop(): listen sockets, signals, the worker's end
 *
 * Everything runs on the worker's one thread.  Code runs on the main Coro
 * (run(), which runs EV's loop, and so every watcher's callback) or on a
 * connection's Coro (the core, the language, the app).  A connection's
 * Coro switches from inside C (the core waits in the middle of the app's
 * call): Coro gives such a Coro a C context (a C stack) of its own for as
 * long as it needs it.
 *
 * Coro's and EV's C APIs are tables that CoroAPI.h and EVAPI.h make static
 * to each file that includes them.  boot.c imports them once per worker;
 * each other file that uses them copies the pointers in its own bind
 * function (WEFT_CAE_BIND_APIS), which boot.c calls.
 */
#ifndef WEFT_COROAE_H
#define WEFT_COROAE_H

#include <EXTERN.h>
#include <perl.h>
#include <XSUB.h>

#include <EV/EVAPI.h>
#include <Coro/CoroAPI.h>

#include <weft/weft.h>

extern const weft_api_t *weft_cae_api;

/* ------------------------------------------------------------ boot.c */

extern struct CoroAPI *weft_cae_coro_api;
extern struct EVAPI   *weft_cae_ev_api;

#define WEFT_CAE_BIND_APIS() \
    do { GCoroAPI = weft_cae_coro_api; GEVAPI = weft_cae_ev_api; } while (0)

/*
 * In each worker, before run(): load what the engine needs into perl.so's
 * interpreter, make EV's default loop new in this process, import the C
 * APIs and bind them in every file.  WEFT_ERROR, logged with what to
 * install or fix, otherwise.
 */
int   weft_cae_boot(void);

/* Log `what` and Perl's $@ (when set) at level. */
void  weft_cae_log_perl_error(int level, const char *what);

/* ------------------------------------------------------------ coro.c */

typedef struct weft_cae_co_s weft_cae_co_t;

extern unsigned weft_cae_nlive;     /* connections' Coros alive */

void  weft_cae_coro_bind(void);

/* Make the XS function a connection's Coro runs (once per worker). */
int   weft_cae_coro_init(void);

/* On the main Coro: serve the connection fd (from listener li) on a new
 * Coro, ready to run.  On failure the fd is closed (logged). */
void  weft_cae_spawn(int fd, unsigned li);

/* The loop engine's coroutine functions (weft/engine.h). */
void *weft_cae_current(void);
void  weft_cae_park(void);
void  weft_cae_wake(void *co);

/* ------------------------------------------------------------ wait.c */

extern int      weft_cae_aborting;  /* a hard stop: every wait fails */

void  weft_cae_wait_bind(void);

int   weft_cae_wait(const int *fds, const int *events, unsigned n, double timeout,
                    unsigned *ready);

/* A hard stop: make every pending wait() fail now. */
void  weft_cae_abort_waits(void);

/* Waits that a hard stop failed and whose Coros have not yet run. */
extern unsigned weft_cae_naborted;

/* ------------------------------------------------------------ serve.c */

void  weft_cae_serve_bind(void);

int   weft_cae_prepare(unsigned ncores);
int   weft_cae_run(void);
void  weft_cae_stop(int graceful);

/* A connection's Coro is over, or a hard stop's wait has unwound: end
 * run() once nothing is left to wait for. */
void  weft_cae_maybe_finish(void);

#endif /* WEFT_COROAE_H */
