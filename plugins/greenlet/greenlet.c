/*
 * plugins/greenlet/greenlet.c - the greenlet suspend engine: each async core
 * runs its request in a greenlet (Debian's python3-greenlet, through its C
 * API), and the worker's loop runs in the main greenlet.
 *
 * greenlet saves and restores Python's per-thread frame state on every
 * switch, so all cores share the worker's one Python thread state (python.so
 * knows: it does not swap states under this engine).  Switching needs the
 * GIL: start() and resume() take it on the main context and hold it while
 * the core's greenlet runs; it is given back once the core suspends or ends,
 * so the app's own threads run while the worker waits.
 *
 * A core's greenlet lives for one request: it is made in start() and
 * dropped when api->core_main() returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <greenlet/greenlet.h>

#include <weft/weft.h>

static const weft_api_t  *api;
static PyGreenlet       **glets;        /* per core, while it serves */
static unsigned           nglets;
static PyGreenlet        *main_glet;    /* the worker's loop */
static PyObject          *run_fn;
static weft_core_t       *starting;

/* Log the raised Python exception (the engine has no app to blame). */
static void
log_error(const char *what)
{
    api->log(WEFT_LOG_ERROR, "greenlet: %s", what);
    if (PyErr_Occurred())
        PyErr_Print();
}

/* The body of a core's greenlet. */
static PyObject *
run(PyObject *self, PyObject *unused)
{
    api->core_main(starting);
    Py_RETURN_NONE;
}

static PyMethodDef run_def = { "weft_core", run, METH_NOARGS, "runs one async core" };

/*
 * On the main context, with the GIL: switch into core's greenlet and back.
 * Returns when the core suspends or ends; drops the greenlet if it ended.
 */
static int
switch_in(weft_core_t *core)
{
    PyGreenlet *g = glets[core->id];
    PyObject   *rv = PyGreenlet_Switch(g, NULL, NULL);
    int         rc = WEFT_OK;

    if (rv == NULL) {
        log_error("a core's greenlet failed");
        rc = WEFT_ERROR;
    }
    Py_XDECREF(rv);
    if (!PyGreenlet_ACTIVE(g) || rv == NULL) {
        glets[core->id] = NULL;
        Py_DECREF(g);
    }
    return rc;
}

static int
greenlet_prepare(unsigned ncores)
{
    PyGILState_STATE gs;
    int              rc = WEFT_ERROR;

    if (!Py_IsInitialized()) {
        api->log(WEFT_LOG_ERROR, "greenlet: Python is not running (load the python plugin)");
        return WEFT_ERROR;
    }
    gs = PyGILState_Ensure();
    PyGreenlet_Import();
    if (_PyGreenlet_API == NULL) {
        log_error("cannot import greenlet (apt-get install python3-greenlet)");
        goto out;
    }
    glets = calloc(ncores, sizeof(*glets));
    run_fn = PyCFunction_New(&run_def, NULL);
    main_glet = PyGreenlet_GetCurrent();
    if (glets == NULL || run_fn == NULL || main_glet == NULL) {
        log_error("cannot prepare the cores' greenlets");
        goto out;
    }
    nglets = ncores;
    rc = WEFT_OK;
out:
    PyGILState_Release(gs);
    return rc;
}

static int
greenlet_start(weft_core_t *core)
{
    PyGILState_STATE gs = PyGILState_Ensure();
    int              rc = WEFT_ERROR;

    glets[core->id] = PyGreenlet_New(run_fn, main_glet);
    if (glets[core->id] == NULL) {
        log_error("cannot make a greenlet");
    } else {
        starting = core;
        rc = switch_in(core);
    }
    PyGILState_Release(gs);
    return rc;
}

static void
greenlet_suspend(weft_core_t *core)
{
    /* On the core's greenlet, GIL held: back to the loop. */
    PyObject *rv = PyGreenlet_Switch(main_glet, NULL, NULL);

    if (rv == NULL)
        log_error("switching back to a core failed");
    Py_XDECREF(rv);
}

static void
greenlet_resume(weft_core_t *core)
{
    PyGILState_STATE gs = PyGILState_Ensure();

    if (glets[core->id] != NULL)
        switch_in(core);
    PyGILState_Release(gs);
}

static void
greenlet_release(void)
{
    unsigned i;

    /* python.so may have finalised Python already; then there is nothing
     * left to release. */
    if (Py_IsInitialized()) {
        PyGILState_STATE gs = PyGILState_Ensure();
        /*
         * A greenlet still suspended (a hard stop cut its request off) is
         * left alone: dropping it would make greenlet throw GreenletExit
         * into it, running the core's code again on a worker that is
         * going away.
         */
        for (i = 0; i < nglets; i++)
            if (glets[i] != NULL && !PyGreenlet_ACTIVE(glets[i]))
                Py_CLEAR(glets[i]);
        Py_CLEAR(run_fn);
        Py_CLEAR(main_glet);
        PyGILState_Release(gs);
    }
    free(glets);
    glets = NULL;
    nglets = 0;
}

static const weft_suspend_engine_t greenlet_engine = {
    .size = sizeof(weft_suspend_engine_t),
    .name = "greenlet",
    .prepare = greenlet_prepare,
    .start = greenlet_start,
    .suspend = greenlet_suspend,
    .resume = greenlet_resume,
    .release = greenlet_release,
    .flags = WEFT_ENGINE_OWN_STATE,      /* greenlet switches Python's state */
};

/* ------------------------------------------------------------ plugin */

static int
set_greenlet(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    if (api->select_engine("greenlet") != WEFT_OK) {
        snprintf(err, errlen, "cannot use greenlet (see above)");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

static const weft_option_t greenlet_options[] = {
    { "greenlet", 0, WEFT_OPT_CALLBACK, WEFT_OPTF_NOARG, NULL, NULL,
      "switch async cores with Python greenlets (needs the python plugin)", 0, 0, set_greenlet },
    WEFT_OPTION_END
};

static int
greenlet_init(const weft_api_t *a)
{
    api = a;
    return api->register_suspend_engine(&greenlet_engine);
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .flags = WEFT_PLUGIN_SUSPEND_ENGINE,
    .name = "greenlet",
    .version = WEFT_PLUGIN_VERSION,
    .summary = "greenlet suspend engine: a Python greenlet per async core",
    .requires = "python",
    .options = greenlet_options,
    .init = greenlet_init,
};
