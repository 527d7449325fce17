/*
 * plugins/python/app.c - loading the WSGI app (and the --python-import
 * modules that go before it), and logging Python exceptions with their
 * tracebacks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "python.h"

PyObject *weft_py_app;

/* ------------------------------------------------------------ exceptions */

/* Take the raised exception: its type, value (normalised) and traceback. */
static void
fetch(PyObject **type, PyObject **value, PyObject **tb)
{
#if PY_VERSION_HEX >= 0x030C0000
    *value = PyErr_GetRaisedException();
    *type = *value ? Py_NewRef((PyObject *) Py_TYPE(*value)) : NULL;
    *tb = *value ? PyException_GetTraceback(*value) : NULL;
#else
    PyErr_Fetch(type, value, tb);
    PyErr_NormalizeException(type, value, tb);
    if (*tb != NULL && *value != NULL)
        PyException_SetTraceback(*value, *tb);
#endif
}

/* Log text line by line (a traceback), each line its own log line. */
static void
log_lines(int level, const char *text, Py_ssize_t len)
{
    const char *p = text, *end = text + len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        const char *stop = nl ? nl : end;

        if (stop > p)
            weft_py_api->log(level, "%.*s", (int) (stop - p), p);
        p = stop + 1;
    }
}

void
weft_py_log_exception(int level, const char *fmt, ...)
{
    static PyObject *format_exception;
    PyObject        *type, *value, *tb, *lines = NULL, *text = NULL, *sep;
    char             head[1024];
    va_list          ap;

    va_start(ap, fmt);
    vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);

    fetch(&type, &value, &tb);
    weft_py_api->log(level, "%s", head);
    if (value == NULL)
        return;

    if (format_exception == NULL) {
        PyObject *mod = PyImport_ImportModule("traceback");
        if (mod != NULL) {
            format_exception = PyObject_GetAttrString(mod, "format_exception");
            Py_DECREF(mod);
        }
    }
    if (format_exception != NULL)
        lines = PyObject_CallFunctionObjArgs(format_exception, type, value,
                                             tb ? tb : Py_None, NULL);
    sep = PyUnicode_FromString("");
    if (lines != NULL && sep != NULL)
        text = PyUnicode_Join(sep, lines);
    if (text == NULL) {
        PyErr_Clear();
        text = PyObject_Repr(value);
    }
    if (text != NULL) {
        Py_ssize_t  n;
        const char *s = PyUnicode_AsUTF8AndSize(text, &n);
        if (s != NULL)
            log_lines(level, s, n);
    }
    PyErr_Clear();
    Py_XDECREF(sep);
    Py_XDECREF(text);
    Py_XDECREF(lines);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

void
weft_py_log_request_exception(weft_request_t *r, const char *what)
{
    weft_py_core_t *pc = r->ctx;

    if ((r->flags & WEFT_REQ_CLIENT_GONE) || (pc != NULL && pc->aborted)) {
        /* Not the app's fault (the client left, or a hard stop failed the
         * request's waits): no traceback, no error. */
        PyObject   *type, *value, *tb, *s;
        const char *msg = NULL;

        fetch(&type, &value, &tb);
        s = value ? PyObject_Str(value) : NULL;
        if (s != NULL)
            msg = PyUnicode_AsUTF8(s);
        weft_py_api->log(WEFT_LOG_INFO, "%.*s %.*s: %s; the app stopped (%s: %s)",
                         (int) r->method.len, r->method.data, (int) r->uri.len, r->uri.data,
                         (r->flags & WEFT_REQ_CLIENT_GONE) ? "the client went away"
                                                           : "the request was cut short",
                         type ? ((PyTypeObject *) type)->tp_name : "?", msg ? msg : "");
        PyErr_Clear();
        Py_XDECREF(s);
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        return;
    }
    weft_py_log_exception(WEFT_LOG_ERROR, "%.*s %.*s: %s:", (int) r->method.len, r->method.data,
                          (int) r->uri.len, r->uri.data, what);
}

/* ------------------------------------------------------------ loading */

/* Execute FILE as a module named after its path, as uWSGI does. */
static PyObject *
load_file(const char *path)
{
    PyObject *machinery = NULL, *util = NULL, *loader = NULL, *spec = NULL, *mod = NULL;
    PyObject *modules, *rv;
    char      name[512];
    size_t    i, n;

    n = (size_t) snprintf(name, sizeof(name), "weft_file_%s", path);
    if (n >= sizeof(name))
        n = sizeof(name) - 1;
    for (i = 10; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z')
              || (name[i] >= '0' && name[i] <= '9')))
            name[i] = '_';

    /* A SourceFileLoader takes any file name (app.wsgi as well as app.py). */
    machinery = PyImport_ImportModule("importlib.machinery");
    util = machinery ? PyImport_ImportModule("importlib.util") : NULL;
    if (util != NULL)
        loader = PyObject_CallMethod(machinery, "SourceFileLoader", "ss", name, path);
    if (loader != NULL)
        spec = PyObject_CallMethod(util, "spec_from_loader", "sO", name, loader);
    if (spec != NULL)
        mod = PyObject_CallMethod(util, "module_from_spec", "O", spec);
    modules = PyImport_GetModuleDict();
    if (mod != NULL && PyDict_SetItemString(modules, name, mod) < 0)
        Py_CLEAR(mod);
    if (mod != NULL) {
        rv = PyObject_CallMethod(loader, "exec_module", "O", mod);
        if (rv == NULL) {
            weft_py_exc_t exc;
            weft_py_exc_save(&exc);
            if (PyDict_DelItemString(modules, name) < 0)
                PyErr_Clear();
            weft_py_exc_restore(&exc);
            Py_CLEAR(mod);
        }
        Py_XDECREF(rv);
    }
    Py_XDECREF(spec);
    Py_XDECREF(loader);
    Py_XDECREF(util);
    Py_XDECREF(machinery);
    return mod;
}

/* Find the callable in mod; "name()" calls name() to make it. */
static PyObject *
get_callable(PyObject *mod, const char *spec)
{
    size_t    len = strlen(spec);
    int       call = len > 2 && strcmp(spec + len - 2, "()") == 0;
    PyObject *name, *app;

    name = PyUnicode_FromStringAndSize(spec, (Py_ssize_t) (call ? len - 2 : len));
    if (name == NULL)
        return NULL;
    app = PyObject_GetAttr(mod, name);
    Py_DECREF(name);
    if (app != NULL && call) {
        PyObject *made = PyObject_CallObject(app, NULL);
        Py_DECREF(app);
        app = made;
    }
    if (app != NULL && !PyCallable_Check(app)) {
        PyErr_Format(PyExc_TypeError, "%s is a %s, not a callable", spec, Py_TYPE(app)->tp_name);
        Py_CLEAR(app);
    }
    return app;
}

int
weft_py_app_load(void)
{
    const char *what, *callable = weft_py_conf.callable;
    PyObject   *mod;
    char        modname[512];

    if (weft_py_conf.wsgi_file != NULL) {
        what = weft_py_conf.wsgi_file;
        mod = load_file(what);
    } else {
        const char *colon = strchr(weft_py_conf.module, ':');
        size_t      n = colon ? (size_t) (colon - weft_py_conf.module)
                              : strlen(weft_py_conf.module);

        what = weft_py_conf.module;
        if (n >= sizeof(modname))
            n = sizeof(modname) - 1;
        memcpy(modname, weft_py_conf.module, n);
        modname[n] = '\0';
        if (colon != NULL && colon[1] != '\0')
            callable = colon + 1;
        mod = PyImport_ImportModule(modname);
    }
    if (mod == NULL) {
        weft_py_log_exception(WEFT_LOG_ERROR, "python: cannot load the app from %s:", what);
        return WEFT_ERROR;
    }
    weft_py_app = get_callable(mod, callable);
    Py_DECREF(mod);
    if (weft_py_app == NULL) {
        weft_py_log_exception(WEFT_LOG_ERROR, "python: %s has no WSGI app '%s':", what, callable);
        return WEFT_ERROR;
    }
    weft_py_api->log(WEFT_LOG_INFO, "python: serving %s:%s (pid %ld)", what, callable,
                     (long) getpid());
    return WEFT_OK;
}

/*
 * Import each --python-import MODULE[:FUNCTION] in the order given, calling
 * FUNCTION() from it when named ("gevent.monkey:patch_all").  Runs just
 * before the app loads: in the master, or in each worker with --lazy-apps.
 */
int
weft_py_imports_run(void)
{
    size_t i;

    for (i = 0; i < weft_py_conf.imports.n; i++) {
        const char *spec = weft_py_conf.imports.v[i], *colon = strchr(spec, ':');
        size_t      n = colon ? (size_t) (colon - spec) : strlen(spec);
        PyObject   *name = PyUnicode_FromStringAndSize(spec, (Py_ssize_t) n);
        PyObject   *mod = name ? PyImport_Import(name) : NULL;

        Py_XDECREF(name);
        if (mod != NULL && colon != NULL && colon[1] != '\0') {
            size_t    fl = strlen(colon + 1);
            PyObject *fn, *rv = NULL;

            if (fl > 2 && strcmp(colon + 1 + fl - 2, "()") == 0)
                fl -= 2;                /* "mod:fn()" reads as well */
            name = PyUnicode_FromStringAndSize(colon + 1, (Py_ssize_t) fl);
            fn = name ? PyObject_GetAttr(mod, name) : NULL;
            Py_XDECREF(name);
            if (fn != NULL)
                rv = PyObject_CallNoArgs(fn);
            Py_XDECREF(fn);
            Py_XDECREF(rv);
            if (rv == NULL)
                Py_CLEAR(mod);
        }
        if (mod == NULL) {
            weft_py_log_exception(WEFT_LOG_ERROR, "python: --python-import %s failed:", spec);
            return WEFT_ERROR;
        }
        Py_DECREF(mod);
        weft_py_api->log(WEFT_LOG_DEBUG, "python: imported %s", spec);
    }
    return WEFT_OK;
}
