/*
 * plugins/gevent/gevent.h - what gevent.so's files share.
 *
 * gevent.so is a loop engine (weft/engine.h): gevent's hub owns the
 * worker's event loop, and each connection runs api->serve_connection() on
 * a greenlet of its own, whose waits are hub watchers.  Its files:
 *
 *   plugin.c   the descriptor, the options, the engine's table
 *   hub.c      gevent's hub and loop, looked up once per worker, and the
 *              few calls the engine makes on them (watchers, callbacks)
 *   coro.c     a connection's greenlet: spawn, wait, park, wake, current
 *   serve.c    run() and stop(): listen sockets, signals, the worker's end
 *
 * Everything runs on the worker's one thread with the GIL held: run() takes
 * it, and gevent's loop lets it go only while it polls.  Code runs either on
 * the hub's greenlet (watcher callbacks) or on a connection's greenlet (the
 * core, the language, the app); the worker's main greenlet only waits in
 * run() for the end.
 */
#ifndef WEFT_GEVENT_H
#define WEFT_GEVENT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <weft/weft.h>

#define WEFT_GV_SMALL_WAIT 17      /* fds in a wait without an allocation
                                      (a wait may have any number) */

extern const weft_api_t *weft_gv_api;

/* ------------------------------------------------------------ hub.c */

/* gevent's objects for this worker, looked up by weft_gv_hub_init(). */
typedef struct {
    PyObject    *hub;            /* gevent.get_hub(), a greenlet */
    PyObject    *main;           /* the worker's main greenlet (run()'s) */
    PyObject    *loop;           /* hub.loop */
    PyObject    *io;             /* loop.io(fd, events) */
    PyObject    *timer;          /* loop.timer(seconds) */
    PyObject    *signal;         /* loop.signal(signum) */
    PyObject    *run_callback;   /* loop.run_callback(f, *args) */
    PyObject    *main_switch;    /* main.switch */
    PyObject    *s_start;        /* "start" */
    PyObject    *s_stop;         /* "stop" */
    PyObject    *index[WEFT_GV_SMALL_WAIT]; /* 0..16 as ints */
} weft_gv_hub_t;

extern weft_gv_hub_t weft_gv;

/*
 * In each worker, with the GIL: import gevent, re-initialise its hub after
 * the fork (gevent.reinit()), and look up what the engine calls.
 * WEFT_ERROR, logged, when gevent cannot be imported.
 */
int       weft_gv_hub_init(void);

/* New stopped watchers: loop.io(fd, events) and loop.timer(seconds).  NULL
 * with a Python error set. */
PyObject *weft_gv_io(int fd, int events);
PyObject *weft_gv_timer(double seconds);

/* w.start(cb, a[, b]) (b may be NULL); 0, or -1 with an error set. */
int       weft_gv_start(PyObject *w, PyObject *cb, PyObject *a, PyObject *b);

/* w.stop(); errors are logged. */
void      weft_gv_stop(PyObject *w);

/* loop.run_callback(cb[, a[, b]]): cb runs on the hub on its next turn.
 * 0, or -1 with an error set. */
int       weft_gv_later(PyObject *cb, PyObject *a, PyObject *b);

/*
 * greenlet's C API (hub.c is the only file that includes greenlet.h: its
 * table of functions is static to each file).  weft_gv_switch() switches to
 * g and returns what the switch back passed (a new reference), or NULL with
 * the exception thrown in; weft_gv_greenlet() makes a greenlet that will
 * call run() with `parent` as its parent; weft_gv_getcurrent() is the
 * running greenlet (a new reference).
 */
PyObject *weft_gv_switch(PyObject *g);
PyObject *weft_gv_greenlet(PyObject *run, PyObject *parent);
PyObject *weft_gv_getcurrent(void);

/* Log `what` at level, and the raised Python exception (cleared). */
void      weft_gv_log_error(int level, const char *what);

/* ------------------------------------------------------------ coro.c */

typedef struct weft_gv_co_s weft_gv_co_t;

extern unsigned weft_gv_nlive;        /* connections' greenlets alive */
extern int      weft_gv_aborting;     /* a hard stop: every wait fails */

int           weft_gv_co_init(void);
void          weft_gv_co_exit(void);

/* On the hub: serve the connection fd (from listener li) on a new greenlet,
 * which runs until its first wait. */
void          weft_gv_spawn(int fd, unsigned li);

/* On the hub: free the greenlets of connections that are over. */
void          weft_gv_reap(void);

/* A hard stop: make every pending wait() fail now. */
void          weft_gv_abort_waits(void);

/*
 * After a hard stop, on the hub: 1 when no connection's greenlet can move
 * any more by itself (each is blocked in a wait of gevent's own, as in a
 * monkey-patched sleep, or parked with no wake-up coming), so the worker
 * may leave them cut off.
 */
int           weft_gv_all_stuck(void);

/* The loop engine's coroutine functions (weft/engine.h). */
int           weft_gv_wait(const int *fds, const int *events, unsigned n, double timeout,
                           unsigned *ready);
void         *weft_gv_current(void);
void          weft_gv_park(void);
void          weft_gv_wake(void *co);

/* ------------------------------------------------------------ serve.c */

int           weft_gv_prepare(unsigned ncores);
int           weft_gv_run(void);
void          weft_gv_stop_serving(int graceful);

/* A connection's greenlet is over, or something changed after a stop:
 * end run() once nothing is left to wait for. */
void          weft_gv_maybe_finish(void);

#endif /* WEFT_GEVENT_H */
