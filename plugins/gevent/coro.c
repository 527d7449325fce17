/*
 * plugins/gevent/coro.c - a connection's greenlet, and the loop engine's
 * coroutine functions: wait(), park(), wake(), current().
 *
 * Each connection gets a greenlet whose parent is the hub; it runs
 * api->serve_connection() to the end.  A small object (weft_gv_co_t) keeps
 * what the engine knows about it: whether it waits in wait() or park(), the
 * watchers of that wait, and what woke it.  A dict maps each greenlet to its
 * object, so current() finds the right one whoever switched into the
 * greenlet last (weft's wait, or gevent's own after a monkey-patched sleep).
 *
 * A wait starts one io watcher per fd (the connection's own are kept from
 * wait to wait) and, for a timeout, a timer, then switches to the hub.  The
 * first watcher to fire switches back into the greenlet; the greenlet stops
 * the others.  A scheduled wake-up (wake(), a one-turn yield, a hard stop)
 * is a loop callback that carries the number of the wait it was meant for,
 * so a late one never wakes a later wait.  Callbacks hold a reference to
 * the object in their arguments, so it outlives every one of them.
 */
#include <string.h>
#include <unistd.h>

#include "gevent.h"

enum { CO_RUNNING = 0, CO_WAITING, CO_PARKED, CO_DONE };

struct weft_gv_co_s {
    PyObject_HEAD
    PyObject      *glet;            /* runs serve_connection(fd, li) */
    int            fd;
    unsigned       li;
    int            state;           /* CO_* */
    unsigned long  seq;             /* changes with every wait and park */
    unsigned       pending;         /* wake-ups scheduled and not yet run */
    int            result;          /* of the wait: WEFT_OK, WEFT_TIMEOUT */
    unsigned       ready;           /* with WEFT_OK: which fd */
    PyObject      *armed_s[WEFT_GV_SMALL_WAIT];
    unsigned       owned_s[WEFT_GV_SMALL_WAIT];
    PyObject     **armed;           /* the wait's io watchers */
    unsigned      *owned;           /* 1: made for this wait only */
    unsigned       narmed, armed_cap;
    PyObject      *timer;           /* the wait's timer */
    PyObject      *conn_io[4];      /* on the connection's fd, by events */
    weft_gv_co_t  *prev, *next;     /* live, or (next) dead */
};

unsigned weft_gv_nlive;
int      weft_gv_aborting;

static PyObject     *by_glet;       /* greenlet -> its weft_gv_co_t */
static weft_gv_co_t *live;
static weft_gv_co_t *dead;          /* over; freed from the hub */
static PyObject     *on_io_fn, *on_timer_fn, *on_seq_fn;

/* ------------------------------------------------------------ the object */

static void
co_dealloc(PyObject *self)
{
    weft_gv_co_t *co = (weft_gv_co_t *) self;
    unsigned      i;

    for (i = 0; i < 4; i++)
        Py_XDECREF(co->conn_io[i]);
    if (co->armed != co->armed_s) {
        PyMem_Free(co->armed);
        PyMem_Free(co->owned);
    }
    Py_XDECREF(co->timer);
    Py_XDECREF(co->glet);
    PyObject_Free(self);
}

static PyTypeObject co_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "weft_gevent.Connection",
    .tp_basicsize = sizeof(weft_gv_co_t),
    .tp_dealloc = co_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "a connection served by weft on a greenlet of its own",
};

/* ------------------------------------------------------------ switching */

/* On the hub: switch into co's greenlet; returns when it waits again, or
 * is over. */
static void
switch_into(weft_gv_co_t *co)
{
    PyObject *rv;

    co->state = CO_RUNNING;
    Py_INCREF(co);
    rv = weft_gv_switch(co->glet);
    if (rv == NULL)
        weft_gv_log_error(WEFT_LOG_ERROR, "gevent: a connection's greenlet failed");
    Py_XDECREF(rv);
    Py_DECREF(co);
}

/* On co's greenlet: back to the hub until one of the engine's callbacks
 * moves co out of `state` (a stray switch into it, from code that is not
 * the engine's, goes straight back).  0, or -1 with the exception thrown
 * in. */
static int
sleep_in(weft_gv_co_t *co, int state)
{
    co->state = state;
    while (co->state == state) {
        PyObject *rv = weft_gv_switch(weft_gv.hub);

        if (rv == NULL) {
            co->state = CO_RUNNING;
            return -1;
        }
        Py_DECREF(rv);
    }
    return 0;
}

/* Stop what the wait started. */
static void
disarm(weft_gv_co_t *co)
{
    unsigned i;

    for (i = 0; i < co->narmed; i++) {
        weft_gv_stop(co->armed[i]);
        if (co->owned[i])
            Py_DECREF(co->armed[i]);
    }
    co->narmed = 0;
    if (co->timer != NULL) {
        weft_gv_stop(co->timer);
        Py_CLEAR(co->timer);
    }
}

/* ------------------------------------------------------------ callbacks
 * On the hub, from gevent's loop.  They never raise: gevent would print
 * the error and go on, but the greenlet would never wake.
 */

static PyObject *
on_io(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    weft_gv_co_t *co = (weft_gv_co_t *) args[0];

    weft_gv_reap();
    if (co->state == CO_WAITING) {
        co->result = WEFT_OK;
        co->ready = (unsigned) PyLong_AsUnsignedLong(args[1]);
        switch_into(co);
    }
    Py_RETURN_NONE;
}

static PyObject *
on_timer(PyObject *self, PyObject *arg)
{
    weft_gv_co_t *co = (weft_gv_co_t *) arg;

    weft_gv_reap();
    if (co->state == CO_WAITING) {
        co->result = WEFT_TIMEOUT;
        switch_into(co);
    }
    Py_RETURN_NONE;
}

/* A scheduled wake-up for the wait or park numbered args[1]. */
static PyObject *
on_seq(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    weft_gv_co_t *co = (weft_gv_co_t *) args[0];

    weft_gv_reap();
    co->pending--;
    if ((co->state == CO_WAITING || co->state == CO_PARKED)
        && co->seq == PyLong_AsUnsignedLong(args[1])) {
        co->result = WEFT_TIMEOUT;
        switch_into(co);
    }
    if (weft_gv_aborting)
        weft_gv_maybe_finish();
    Py_RETURN_NONE;
}

/* Schedule on_seq for co's current wait or park. */
static int
schedule(weft_gv_co_t *co)
{
    PyObject *seq = PyLong_FromUnsignedLong(co->seq);
    int       rc = seq ? weft_gv_later(on_seq_fn, (PyObject *) co, seq) : -1;

    Py_XDECREF(seq);
    if (rc < 0) {
        weft_gv_log_error(WEFT_LOG_ERROR, "gevent: cannot schedule a greenlet");
        return -1;
    }
    co->pending++;
    return 0;
}

/* ------------------------------------------------------------ a connection */

/* The body of a connection's greenlet. */
static PyObject *
co_run(PyObject *self, PyObject *unused)
{
    weft_gv_co_t *co = (weft_gv_co_t *) self;

    weft_gv_api->serve_connection(co->fd, co->li);
    co->state = CO_DONE;
    if (co->prev != NULL)
        co->prev->next = co->next;
    else
        live = co->next;
    if (co->next != NULL)
        co->next->prev = co->prev;
    co->prev = NULL;
    co->next = dead;
    dead = co;
    weft_gv_nlive--;
    weft_gv_maybe_finish();
    Py_RETURN_NONE;
}

static PyMethodDef co_run_def = { "serve", co_run, METH_NOARGS, "serves one connection" };

void
weft_gv_spawn(int fd, unsigned li)
{
    weft_gv_co_t *co = PyObject_New(weft_gv_co_t, &co_type);
    PyObject     *run;

    if (co == NULL)
        goto fail;
    memset((char *) co + sizeof(PyObject), 0, sizeof(*co) - sizeof(PyObject));
    co->fd = fd;
    co->li = li;
    co->armed = co->armed_s;
    co->owned = co->owned_s;
    co->armed_cap = WEFT_GV_SMALL_WAIT;
    run = PyCFunction_New(&co_run_def, (PyObject *) co);
    co->glet = run ? weft_gv_greenlet(run, weft_gv.hub) : NULL;
    Py_XDECREF(run);
    if (co->glet == NULL || PyDict_SetItem(by_glet, co->glet, (PyObject *) co) < 0)
        goto fail;
    Py_DECREF(co);                  /* by_glet keeps it until it is reaped */
    co->next = live;
    if (live != NULL)
        live->prev = co;
    live = co;
    weft_gv_nlive++;
    switch_into(co);
    return;

fail:
    weft_gv_log_error(WEFT_LOG_ERROR, "gevent: cannot make a greenlet for a connection");
    Py_XDECREF(co);
    close(fd);
}

void
weft_gv_reap(void)
{
    while (dead != NULL) {
        weft_gv_co_t *co = dead;

        dead = co->next;
        co->next = NULL;
        if (PyDict_DelItem(by_glet, co->glet) < 0)
            PyErr_Clear();
    }
}

void
weft_gv_abort_waits(void)
{
    weft_gv_co_t *co;

    weft_gv_aborting = 1;
    for (co = live; co != NULL; co = co->next)
        if (co->state == CO_WAITING)
            schedule(co);
}

int
weft_gv_all_stuck(void)
{
    weft_gv_co_t *co;

    for (co = live; co != NULL; co = co->next)
        if (co->pending > 0)
            return 0;
    return 1;
}

/* ------------------------------------------------------------ the engine */

static weft_gv_co_t *
current_co(void)
{
    PyObject     *g = weft_gv_getcurrent();
    weft_gv_co_t *co = NULL;

    if (g != NULL) {
        co = (weft_gv_co_t *) PyDict_GetItemWithError(by_glet, g);
        Py_DECREF(g);
    }
    if (co == NULL)
        PyErr_Clear();
    return co;
}

/* current_co() for a wait: it must be on a connection's greenlet. */
static weft_gv_co_t *
waiting_co(void)
{
    weft_gv_co_t *co = current_co();

    if (co == NULL)
        weft_gv_api->log(WEFT_LOG_ERROR, "gevent: weft waits outside a connection's greenlet");
    return co;
}

/* An io watcher for co on fd: the connection's own are kept (unless the
 * same one is in this wait already). */
static PyObject *
watcher(weft_gv_co_t *co, int fd, int events, unsigned *owned)
{
    unsigned i;

    if (fd == co->fd && events > 0 && events < 4) {
        for (i = 0; i < co->narmed && co->armed[i] != co->conn_io[events]; i++)
            ;
        if (co->conn_io[events] == NULL)
            co->conn_io[events] = weft_gv_io(fd, events);
        if (i == co->narmed || co->conn_io[events] == NULL) {
            *owned = 0;
            return co->conn_io[events];
        }
    }
    *owned = 1;
    return weft_gv_io(fd, events);
}

/* Room for a wait on n fds (the first WEFT_GV_SMALL_WAIT are in co).
 * 0, or -1 when memory is short. */
static int
grow_armed(weft_gv_co_t *co, unsigned n)
{
    PyObject **armed = PyMem_Calloc(n, sizeof(*armed));
    unsigned  *owned = PyMem_Calloc(n, sizeof(*owned));

    if (armed == NULL || owned == NULL) {
        PyMem_Free(armed);
        PyMem_Free(owned);
        return -1;
    }
    if (co->armed != co->armed_s) {
        PyMem_Free(co->armed);
        PyMem_Free(co->owned);
    }
    co->armed = armed;
    co->owned = owned;
    co->armed_cap = n;
    return 0;
}

int
weft_gv_wait(const int *fds, const int *events, unsigned n, double timeout, unsigned *ready)
{
    weft_gv_co_t *co = waiting_co();
    unsigned      i;
    int           rc;

    if (co == NULL || weft_gv_aborting)
        return WEFT_ERROR;
    co->seq++;
    if (n > co->armed_cap && grow_armed(co, n) < 0) {
        weft_gv_api->log(WEFT_LOG_ERROR, "gevent: out of memory to wait for %u fds", n);
        return WEFT_ERROR;
    }
    co->result = WEFT_TIMEOUT;
    co->ready = 0;
    for (i = 0; i < n; i++) {
        unsigned  owned;
        PyObject *w = watcher(co, fds[i], events[i] & (WEFT_READ | WEFT_WRITE), &owned);

        if (w == NULL)
            goto fail;
        co->armed[co->narmed] = w;
        co->owned[co->narmed++] = owned;
        if (i < WEFT_GV_SMALL_WAIT) {
            if (weft_gv_start(w, on_io_fn, (PyObject *) co, weft_gv.index[i]) < 0)
                goto fail;
        } else {
            PyObject *index = PyLong_FromUnsignedLong(i);
            int       rc_start = index ? weft_gv_start(w, on_io_fn, (PyObject *) co, index) : -1;

            Py_XDECREF(index);
            if (rc_start < 0)
                goto fail;
        }
    }
    if (timeout > 0 || (timeout == 0 && n > 0)) {
        /* A zero timer fires after the loop has polled: the fds get their
         * chance first. */
        co->timer = weft_gv_timer(timeout);
        if (co->timer == NULL || weft_gv_start(co->timer, on_timer_fn, (PyObject *) co, NULL) < 0)
            goto fail;
    }
    if (timeout == 0 && n == 0) {
        /* Just let the others run: gevent.sleep(0). */
        if (schedule(co) < 0)
            goto fail;
    }
    rc = sleep_in(co, CO_WAITING);
    disarm(co);
    if (rc < 0) {
        /* Thrown in (gevent.kill(), a gevent.Timeout around a weft wait):
         * this request cannot go on. */
        weft_gv_log_error(WEFT_LOG_INFO, "gevent: a wait was interrupted");
        return WEFT_ERROR;
    }
    if (weft_gv_aborting)
        return WEFT_ERROR;
    *ready = co->ready;
    return co->result;

fail:
    disarm(co);
    weft_gv_log_error(WEFT_LOG_ERROR, "gevent: cannot wait");
    return WEFT_ERROR;
}

void *
weft_gv_current(void)
{
    return current_co();
}

void
weft_gv_park(void)
{
    weft_gv_co_t *co = waiting_co();

    if (co == NULL)
        return;
    co->seq++;
    /* Only wake() ends a park: a stray switch or exception goes back. */
    while (sleep_in(co, CO_PARKED) < 0)
        weft_gv_log_error(WEFT_LOG_INFO, "gevent: ignored an exception thrown into a greenlet waiting for a core");
}

void
weft_gv_wake(void *p)
{
    weft_gv_co_t *co = p;

    if (co->state == CO_PARKED)
        schedule(co);
}

/* ------------------------------------------------------------ set-up */

static PyMethodDef on_io_def = { "on_io", (PyCFunction) (void (*)(void)) on_io, METH_FASTCALL, NULL };
static PyMethodDef on_timer_def = { "on_timer", on_timer, METH_O, NULL };
static PyMethodDef on_seq_def = { "on_seq", (PyCFunction) (void (*)(void)) on_seq, METH_FASTCALL, NULL };

int
weft_gv_co_init(void)
{
    if (PyType_Ready(&co_type) < 0)
        return WEFT_ERROR;
    by_glet = PyDict_New();
    on_io_fn = PyCFunction_New(&on_io_def, NULL);
    on_timer_fn = PyCFunction_New(&on_timer_def, NULL);
    on_seq_fn = PyCFunction_New(&on_seq_def, NULL);
    if (by_glet == NULL || on_io_fn == NULL || on_timer_fn == NULL || on_seq_fn == NULL)
        return WEFT_ERROR;
    return WEFT_OK;
}

void
weft_gv_co_exit(void)
{
    weft_gv_reap();
    /* Greenlets cut off by a hard stop stay as they are: dropping one would
     * make greenlet throw GreenletExit into it and run the app again. */
    if (live == NULL)
        Py_CLEAR(by_glet);
}
