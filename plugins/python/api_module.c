/*
 * plugins/python/api_module.c - the in-app API: module `weft`, importable
 * as `uwsgi` too, so apps written for uWSGI's async mode run unchanged.
 *
 * As in uWSGI, wait_fd_read(), wait_fd_write() and async_sleep() only
 * register a wait; the app then calls suspend(), or yields an empty chunk
 * from its generator (they return b'', so `yield uwsgi.async_sleep(1)`
 * works).  Unlike uWSGI, async_sleep() takes fractions of a second.
 */
#include "python.h"

/* Parse (fd[, timeout]) or (seconds): the first argument as an fd (an int or
 * an object with fileno()) or a float, the optional second as a float. */
static int
parse_args(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, const char *fn,
           int want_fd, int *fd, double *seconds)
{
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    PyObject  *timeout = NULL;

    if (nargs + nkw < 1 || nargs + nkw > (want_fd ? 2 : 1) || nargs < 1) {
        PyErr_Format(PyExc_TypeError, want_fd ? "%s(fd, timeout=0)" : "%s(seconds)", fn);
        return -1;
    }
    if (nkw == 1) {
        if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "timeout") != 0) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument", fn);
            return -1;
        }
        timeout = args[nargs];
    } else if (nargs == 2) {
        timeout = args[1];
    }
    if (want_fd) {
        *fd = PyObject_AsFileDescriptor(args[0]);
        if (*fd < 0)
            return -1;
        *seconds = timeout != NULL && timeout != Py_None ? PyFloat_AsDouble(timeout) : 0;
    } else {
        *seconds = PyFloat_AsDouble(args[0]);
    }
    if (*seconds == -1.0 && PyErr_Occurred())
        return -1;
    if (*seconds < 0)
        *seconds = 0;
    return 0;
}

static PyObject *
wait_fd(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, const char *fn, int events)
{
    weft_py_core_t *pc;
    double          timeout;
    int             fd;

    if (parse_args(args, nargs, kwnames, fn, 1, &fd, &timeout) < 0)
        return NULL;
    pc = weft_py_current();
    if (pc == NULL)
        return NULL;
    if (weft_py_api->watch_fd(pc->r, fd, events, timeout) != WEFT_OK) {
        PyErr_Format(PyExc_ValueError, "%s(): cannot wait on fd %d", fn, fd);
        return NULL;
    }
    pc->waits = 1;
    return PyBytes_FromStringAndSize(NULL, 0);
}

static PyObject *
py_wait_fd_read(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return wait_fd(args, nargs, kwnames, "wait_fd_read", WEFT_READ);
}

static PyObject *
py_wait_fd_write(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return wait_fd(args, nargs, kwnames, "wait_fd_write", WEFT_WRITE);
}

static PyObject *
py_async_sleep(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    weft_py_core_t *pc;
    double          seconds;

    if (parse_args(args, nargs, kwnames, "async_sleep", 0, NULL, &seconds) < 0)
        return NULL;
    pc = weft_py_current();
    if (pc == NULL)
        return NULL;
    weft_py_api->watch_timer(pc->r, seconds);
    pc->waits = 1;
    return PyBytes_FromStringAndSize(NULL, 0);
}

static PyObject *
py_suspend(PyObject *self, PyObject *unused)
{
    weft_py_core_t *pc = weft_py_current();
    int             rc;

    if (pc == NULL)
        return NULL;
    pc->waits = 0;                  /* what was registered is waited for now */
    WEFT_PY_BLOCKING(pc->r, weft_py_api->suspend(pc->r), rc);
    if (rc != WEFT_OK) {
        pc->aborted = 1;
        PyErr_SetString(PyExc_OSError,
                        "weft: the request is being aborted (the client went away or the worker is stopping)");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
py_ready_fd(PyObject *self, PyObject *unused)
{
    weft_py_core_t *pc = weft_py_current();

    return pc ? PyLong_FromLong(weft_py_api->ready_fd(pc->r)) : NULL;
}

static PyObject *
py_timed_out(PyObject *self, PyObject *unused)
{
    weft_py_core_t *pc = weft_py_current();

    return pc ? PyBool_FromLong(weft_py_api->timed_out(pc->r)) : NULL;
}

static PyObject *
py_worker_id(PyObject *self, PyObject *unused)
{
    return PyLong_FromUnsignedLong(weft_py_api->worker_id());
}

static PyObject *
py_core_id(PyObject *self, PyObject *unused)
{
    weft_request_t *r = weft_py_on_worker_thread() ? weft_py_api->current_request() : NULL;

    return PyLong_FromLong(r != NULL ? (long) r->core->id : -1);
}

#define FASTKW(f) (PyCFunction) (void (*)(void)) (f), METH_FASTCALL | METH_KEYWORDS

static PyMethodDef api_methods[] = {
    { "wait_fd_read", FASTKW(py_wait_fd_read),
      "wait_fd_read(fd, timeout=0): wake this request when fd is readable (then suspend() or yield b'')" },
    { "wait_fd_write", FASTKW(py_wait_fd_write),
      "wait_fd_write(fd, timeout=0): wake this request when fd is writable (then suspend() or yield b'')" },
    { "async_sleep", FASTKW(py_async_sleep),
      "async_sleep(seconds): wake this request after seconds, a float (then suspend() or yield b'')" },
    { "suspend", py_suspend, METH_NOARGS,
      "suspend(): let other requests run until a registered wait fires" },
    { "ready_fd", py_ready_fd, METH_NOARGS,
      "ready_fd() -> the fd that woke this request, or -1" },
    { "timed_out", py_timed_out, METH_NOARGS,
      "timed_out() -> True when this request was woken by a timeout" },
    { "worker_id", py_worker_id, METH_NOARGS, "worker_id() -> this worker's number (1..)" },
    { "core_id", py_core_id, METH_NOARGS, "core_id() -> this request's async core (0..), -1 outside one" },
    { NULL, NULL, 0, NULL }
};

static struct PyModuleDef api_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "weft",
    .m_doc = "weft's in-app API (also importable as uwsgi)",
    .m_size = -1,
    .m_methods = api_methods,
};

int
weft_py_api_module_init(void)
{
    PyObject *mod = PyModule_Create(&api_module), *modules = PyImport_GetModuleDict();

    if (mod == NULL
        || PyModule_AddStringConstant(mod, "version", weft_py_api->version) < 0
        || PyDict_SetItemString(modules, "weft", mod) < 0
        || PyDict_SetItemString(modules, "uwsgi", mod) < 0) {
        Py_XDECREF(mod);
        weft_py_log_exception(WEFT_LOG_ERROR, "python: cannot make the weft module");
        return WEFT_ERROR;
    }
    Py_DECREF(mod);
    return WEFT_OK;
}
