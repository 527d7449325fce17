/*
 * plugins/gevent/serve.c - a worker's life under gevent: prepare(), run()
 * and stop().
 *
 * run() starts, on gevent's loop, an io watcher per listen socket (its
 * callback accepts until api->accept() says there is no more, and spawns a
 * greenlet per connection) and a signal watcher each for SIGTERM, SIGINT
 * (graceful stop), SIGQUIT (hard stop) and SIGUSR1 (reopen the log, which
 * the master passes on to its workers); then the worker's main greenlet
 * switches to the hub, which runs the loop.  Once the worker is stopping
 * and the last connection's greenlet is over, a loop callback switches back
 * to the main greenlet, and run() returns.
 *
 * A graceful stop only stops the listen watchers: requests in flight finish,
 * and idle keep-alive connections give up at the core's next look (within a
 * second).  A hard stop also makes every pending wait fail, so requests
 * unwind at once; a greenlet blocked in a wait of gevent's own (an app's
 * monkey-patched sleep) cannot be made to, and is cut off, as suspend
 * engines cut off their cores.
 */
#include <signal.h>
#include <stdlib.h>

#include "gevent.h"

static const int signals[4] = { SIGTERM, SIGINT, SIGQUIT, SIGUSR1 };

static PyObject **listeners;        /* an io watcher per listen socket */
static unsigned   nlisteners;
static PyObject  *sig_watchers[4];
static PyObject  *on_accept_fn, *on_signal_fn;
static int        stopping, finishing;

/* ------------------------------------------------------------ callbacks */

static PyObject *
on_accept(PyObject *self, PyObject *arg)
{
    unsigned li = (unsigned) PyLong_AsUnsignedLong(arg);
    int      fd;

    weft_gv_reap();
    while ((fd = weft_gv_api->accept(li)) >= 0)
        weft_gv_spawn(fd, li);
    Py_RETURN_NONE;
}

static PyObject *
on_signal(PyObject *self, PyObject *arg)
{
    long sig = PyLong_AsLong(arg);

    if (sig == SIGUSR1)             /* the master passes it on: the log */
        weft_gv_api->reopen_log();
    else
        weft_gv_api->stop_worker(sig != SIGQUIT);
    Py_RETURN_NONE;
}

static PyMethodDef on_accept_def = { "on_accept", on_accept, METH_O, NULL };
static PyMethodDef on_signal_def = { "on_signal", on_signal, METH_O, NULL };

/* ------------------------------------------------------------ the engine */

int
weft_gv_prepare(unsigned ncores)
{
    PyGILState_STATE gs;
    int              rc = WEFT_ERROR;

    if (!Py_IsInitialized()) {
        weft_gv_api->log(WEFT_LOG_ERROR, "gevent: Python is not running (load the python plugin)");
        return WEFT_ERROR;
    }
    gs = PyGILState_Ensure();
    if (weft_gv_hub_init() == WEFT_OK && weft_gv_co_init() == WEFT_OK) {
        on_accept_fn = PyCFunction_New(&on_accept_def, NULL);
        on_signal_fn = PyCFunction_New(&on_signal_def, NULL);
        if (on_accept_fn != NULL && on_signal_fn != NULL)
            rc = WEFT_OK;
        else
            weft_gv_log_error(WEFT_LOG_ERROR, "gevent: out of memory");
    }
    PyGILState_Release(gs);
    return rc;
}

/* A watcher that calls cb(arg), or NULL (logged). */
static PyObject *
watch(PyObject *w, PyObject *cb, long arg)
{
    PyObject *a = PyLong_FromLong(arg);

    if (w == NULL || a == NULL || weft_gv_start(w, cb, a, NULL) < 0) {
        weft_gv_log_error(WEFT_LOG_ERROR, "gevent: cannot watch a listen socket or a signal");
        Py_CLEAR(w);
    }
    Py_XDECREF(a);
    return w;
}

/* loop.signal(sig, ref=False): a signal does not keep the loop running. */
static PyObject *
signal_watcher(int sig)
{
    PyObject *args = Py_BuildValue("(i)", sig), *kw = Py_BuildValue("{s:O}", "ref", Py_False);
    PyObject *w = args && kw ? PyObject_Call(weft_gv.signal, args, kw) : NULL;

    Py_XDECREF(args);
    Py_XDECREF(kw);
    return w;
}

static int
start_watching(void)
{
    unsigned i;

    nlisteners = weft_gv_api->listener_count();
    listeners = calloc(nlisteners ? nlisteners : 1, sizeof(*listeners));
    if (listeners == NULL)
        return WEFT_ERROR;
    for (i = 0; i < nlisteners; i++) {
        PyObject *w = weft_gv_io(weft_gv_api->listener_fd(i), WEFT_READ);

        if ((listeners[i] = watch(w, on_accept_fn, (long) i)) == NULL)
            return WEFT_ERROR;
    }
    for (i = 0; i < 4; i++)
        if ((sig_watchers[i] = watch(signal_watcher(signals[i]), on_signal_fn, signals[i])) == NULL)
            return WEFT_ERROR;
    return WEFT_OK;
}

static void
stop_watching(void)
{
    unsigned i;

    for (i = 0; i < nlisteners; i++)
        if (listeners[i] != NULL) {
            weft_gv_stop(listeners[i]);
            Py_CLEAR(listeners[i]);
        }
    for (i = 0; i < 4; i++)
        if (sig_watchers[i] != NULL) {
            weft_gv_stop(sig_watchers[i]);
            Py_CLEAR(sig_watchers[i]);
        }
}

int
weft_gv_run(void)
{
    PyGILState_STATE gs = PyGILState_Ensure();
    PyObject        *rv = NULL;
    int              rc = WEFT_ERROR;

    if (start_watching() == WEFT_OK) {
        rv = weft_gv_switch(weft_gv.hub);
        if (rv != NULL) {
            rc = WEFT_OK;
        } else if (stopping) {
            /* gevent's LoopExit: nothing is left that could ever wake the
             * greenlets still there. */
            weft_gv_log_error(WEFT_LOG_INFO, "gevent: the loop ran dry while stopping");
            rc = WEFT_OK;
        } else {
            weft_gv_log_error(WEFT_LOG_ERROR, "gevent: the hub failed");
        }
        Py_XDECREF(rv);
    }
    stop_watching();
    free(listeners);
    listeners = NULL;
    if (weft_gv_nlive > 0)
        weft_gv_api->log(WEFT_LOG_INFO, "gevent: %u connection%s cut off", weft_gv_nlive,
                         weft_gv_nlive == 1 ? "" : "s");
    weft_gv_co_exit();
    PyGILState_Release(gs);
    return rc;
}

void
weft_gv_stop_serving(int graceful)
{
    PyGILState_STATE gs = PyGILState_Ensure();
    unsigned         i;

    stopping = 1;
    for (i = 0; i < nlisteners; i++)
        if (listeners[i] != NULL)
            weft_gv_stop(listeners[i]);
    if (!graceful && !weft_gv_aborting)
        weft_gv_abort_waits();
    weft_gv_maybe_finish();
    PyGILState_Release(gs);
}

void
weft_gv_maybe_finish(void)
{
    if (!stopping || finishing)
        return;
    if (weft_gv_nlive > 0 && !(weft_gv_aborting && weft_gv_all_stuck()))
        return;
    finishing = 1;
    if (weft_gv_later(weft_gv.main_switch, NULL, NULL) < 0)
        weft_gv_log_error(WEFT_LOG_ERROR, "gevent: cannot end the loop");
}
