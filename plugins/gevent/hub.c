/*
 * plugins/gevent/hub.c - gevent's hub and loop for this worker, and the few
 * calls the engine makes on them.
 *
 * Everything is looked up once, in prepare(): the hub, its loop, the loop's
 * watcher constructors and run_callback, the method names.  The hot path
 * (a wait: an io watcher started and stopped, maybe a timer, two switches)
 * is then a handful of C-API calls on cached objects, never Python source.
 */
#include <string.h>

#include "gevent.h"

#include <greenlet/greenlet.h>

weft_gv_hub_t weft_gv;

#if PY_VERSION_HEX < 0x03090000
/* Python 3.8: no PyObject_VectorcallMethod. */
static PyObject *
call_method(PyObject *name, PyObject *const *args, size_t nargs)
{
    switch (nargs) {
    case 1:
        return PyObject_CallMethodObjArgs(args[0], name, NULL);
    case 3:
        return PyObject_CallMethodObjArgs(args[0], name, args[1], args[2], NULL);
    default:
        return PyObject_CallMethodObjArgs(args[0], name, args[1], args[2], args[3], NULL);
    }
}
#else
static PyObject *
call_method(PyObject *name, PyObject *const *args, size_t nargs)
{
    return PyObject_VectorcallMethod(name, args, nargs, NULL);
}
#endif

static PyObject *
attr(PyObject *o, const char *name)
{
    return o != NULL ? PyObject_GetAttrString(o, name) : NULL;
}

int
weft_gv_hub_init(void)
{
    PyObject *gevent, *rv = NULL;
    unsigned  i;

    PyGreenlet_Import();
    if (_PyGreenlet_API == NULL) {
        weft_gv_log_error(WEFT_LOG_ERROR, "gevent: cannot import greenlet's C API");
        return WEFT_ERROR;
    }
    gevent = PyImport_ImportModule("gevent");
    if (gevent == NULL) {
        weft_gv_log_error(WEFT_LOG_ERROR, "gevent: cannot import gevent (apt-get install python3-gevent)");
        return WEFT_ERROR;
    }
    /* A hub made before the fork (an app that spawned at import) needs its
     * loop made anew in this process; without one this does nothing. */
    rv = PyObject_CallMethod(gevent, "reinit", NULL);
    Py_XDECREF(rv);
    weft_gv.hub = rv ? PyObject_CallMethod(gevent, "get_hub", NULL) : NULL;
    Py_DECREF(gevent);
    weft_gv.main = weft_gv.hub ? (PyObject *) PyGreenlet_GetCurrent() : NULL;
    weft_gv.loop = attr(weft_gv.hub, "loop");
    weft_gv.io = attr(weft_gv.loop, "io");
    weft_gv.timer = attr(weft_gv.loop, "timer");
    weft_gv.signal = attr(weft_gv.loop, "signal");
    weft_gv.run_callback = attr(weft_gv.loop, "run_callback");
    weft_gv.main_switch = attr(weft_gv.main, "switch");
    weft_gv.s_start = PyUnicode_InternFromString("start");
    weft_gv.s_stop = PyUnicode_InternFromString("stop");
    if (weft_gv.run_callback == NULL || weft_gv.main_switch == NULL || weft_gv.io == NULL
        || weft_gv.timer == NULL || weft_gv.signal == NULL || weft_gv.s_start == NULL
        || weft_gv.s_stop == NULL) {
        weft_gv_log_error(WEFT_LOG_ERROR, "gevent: cannot set up gevent's hub");
        return WEFT_ERROR;
    }
    if (!PyGreenlet_Check(weft_gv.hub)) {
        weft_gv_api->log(WEFT_LOG_ERROR, "gevent: gevent's hub is not a greenlet");
        return WEFT_ERROR;
    }
    for (i = 0; i < WEFT_GV_SMALL_WAIT; i++)
        if ((weft_gv.index[i] = PyLong_FromLong((long) i)) == NULL)
            return WEFT_ERROR;
    return WEFT_OK;
}

PyObject *
weft_gv_io(int fd, int events)
{
    PyObject *args[3] = { NULL, PyLong_FromLong(fd), PyLong_FromLong(events) };
    PyObject *w = NULL;

    if (args[1] != NULL && args[2] != NULL)
        w = PyObject_Vectorcall(weft_gv.io, args + 1, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    Py_XDECREF(args[1]);
    Py_XDECREF(args[2]);
    return w;
}

PyObject *
weft_gv_timer(double seconds)
{
    PyObject *args[2] = { NULL, PyFloat_FromDouble(seconds) };
    PyObject *t;

    if (args[1] == NULL)
        return NULL;
    t = PyObject_Vectorcall(weft_gv.timer, args + 1, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    Py_DECREF(args[1]);
    return t;
}

int
weft_gv_start(PyObject *w, PyObject *cb, PyObject *a, PyObject *b)
{
    PyObject *args[4] = { w, cb, a, b };
    PyObject *rv = call_method(weft_gv.s_start, args, b != NULL ? 4 : 3);

    if (rv == NULL)
        return -1;
    Py_DECREF(rv);
    return 0;
}

void
weft_gv_stop(PyObject *w)
{
    PyObject *args[1] = { w };
    PyObject *rv = call_method(weft_gv.s_stop, args, 1);

    if (rv == NULL)
        weft_gv_log_error(WEFT_LOG_ERROR, "gevent: cannot stop a watcher");
    Py_XDECREF(rv);
}

int
weft_gv_later(PyObject *cb, PyObject *a, PyObject *b)
{
    PyObject *args[4] = { NULL, cb, a, b };
    size_t    n = a == NULL ? 1 : b == NULL ? 2 : 3;
    PyObject *rv = PyObject_Vectorcall(weft_gv.run_callback, args + 1,
                                       n | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);

    if (rv == NULL)
        return -1;
    Py_DECREF(rv);
    return 0;
}

PyObject *
weft_gv_switch(PyObject *g)
{
    return PyGreenlet_Switch((PyGreenlet *) g, NULL, NULL);
}

PyObject *
weft_gv_greenlet(PyObject *run, PyObject *parent)
{
    return (PyObject *) PyGreenlet_New(run, (PyGreenlet *) parent);
}

PyObject *
weft_gv_getcurrent(void)
{
    return (PyObject *) PyGreenlet_GetCurrent();
}

void
weft_gv_log_error(int level, const char *what)
{
    weft_gv_api->log(level, "%s", what);
    if (PyErr_Occurred()) {
        PyObject   *type, *value, *tb, *s;
        const char *m;

        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        s = value ? PyObject_Repr(value) : NULL;
        m = s != NULL ? PyUnicode_AsUTF8(s) : NULL;
        if (m == NULL) {
            PyErr_Clear();
            m = "?";
        }
        weft_gv_api->log(level, "gevent: %s", m);
        Py_XDECREF(s);
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
    }
}
