/*
 * plugins/python/python.c - python.so: the descriptor, the options, the
 * interpreter's start-up, and the worker life cycle.
 *
 * setup() runs once, before any fork: it starts CPython, extends sys.path,
 * creates the in-app API module, imports the --python-import modules and
 * loads the app (those two in each worker instead with --lazy-apps).  The
 * master keeps the GIL, so a fork happens with Python's state consistent.
 * worker_init() runs in each worker: it re-initialises Python after a fork,
 * loads a lazy app, creates each core's interpreter state (tstate.c) and
 * releases the GIL, which from then on is held only while Python runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "python.h"

#ifndef WEFT_PY_EXECUTABLE
#define WEFT_PY_EXECUTABLE "python3"
#endif

const weft_api_t *weft_py_api;
weft_py_conf_t    weft_py_conf = { .callable = "application" };

static pid_t setup_pid;
static int   started;

/* ------------------------------------------------------------ options */

static const weft_option_t python_options[] = {
    { "wsgi-file", 0, WEFT_OPT_STRING, 0, &weft_py_conf.wsgi_file, "FILE",
      "load the WSGI app from FILE", 0, 0, NULL },
    { "module", 'w', WEFT_OPT_STRING, 0, &weft_py_conf.module, "MODULE[:CALLABLE]",
      "import the WSGI app from MODULE (a CALLABLE ending in () is called to make it)", 0, 0, NULL },
    { "wsgi", 0, WEFT_OPT_STRING, 0, &weft_py_conf.module, "MODULE[:CALLABLE]",
      "the same as --module", 0, 0, NULL },
    { "callable", 0, WEFT_OPT_STRING, 0, &weft_py_conf.callable, "NAME",
      "the app's name in its file or module (default application)", 0, 0, NULL },
    { "pythonpath", 0, WEFT_OPT_LIST, 0, &weft_py_conf.pythonpath, "DIR",
      "put DIR first on sys.path (repeatable)", 0, 0, NULL },
    { "python-path", 0, WEFT_OPT_LIST, 0, &weft_py_conf.pythonpath, "DIR",
      "the same as --pythonpath", 0, 0, NULL },
    { "home", 'H', WEFT_OPT_STRING, 0, &weft_py_conf.home, "DIR",
      "run Python from the virtualenv in DIR", 0, 0, NULL },
    { "virtualenv", 0, WEFT_OPT_STRING, 0, &weft_py_conf.home, "DIR",
      "the same as --home", 0, 0, NULL },
    { "lazy-apps", 0, WEFT_OPT_FLAG, 0, &weft_py_conf.lazy_apps, NULL,
      "load the app in each worker after fork, not once before", 0, 0, NULL },
    { "python-import", 0, WEFT_OPT_LIST, 0, &weft_py_conf.imports, "MODULE[:FUNCTION]",
      "import MODULE (and call FUNCTION() from it) before the app loads (repeatable)", 0, 0, NULL },
    { "pyimport", 0, WEFT_OPT_LIST, 0, &weft_py_conf.imports, "MODULE[:FUNCTION]",
      "the same as --python-import", 0, 0, NULL },
    { "py-autoreload", 0, WEFT_OPT_INT, 0, &weft_py_conf.autoreload, "SECONDS",
      "every SECONDS, look whether an imported module's file changed, and reload weft if so (for development)",
      0, 86400, NULL },
    { "python-autoreload", 0, WEFT_OPT_INT, 0, &weft_py_conf.autoreload, "SECONDS",
      "the same as --py-autoreload", 0, 86400, NULL },
    WEFT_OPTION_END
};

/* ------------------------------------------------------------ start-up */

static int
start_interpreter(void)
{
    static char *argv[] = { "weft", NULL };
    PyConfig     config;
    PyStatus     st;
    char         exe[4096];

    /* The interpreter this plugin was built for (or the virtualenv's):
     * sys.executable and sys.prefix follow from it, never from whatever
     * python3 comes first on PATH. */
    if (weft_py_conf.home != NULL)
        snprintf(exe, sizeof(exe), "%s/bin/python", weft_py_conf.home);
    else
        snprintf(exe, sizeof(exe), "%s", WEFT_PY_EXECUTABLE);

    PyConfig_InitPythonConfig(&config);
    config.install_signal_handlers = 0;     /* signals are weft's */
    config.buffered_stdio = 0;              /* the app's prints reach the log */
    config.parse_argv = 0;
    st = PyConfig_SetBytesString(&config, &config.program_name, exe);
    if (!PyStatus_Exception(st))
        st = PyConfig_SetBytesArgv(&config, 1, argv);
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(st)) {
        weft_py_api->log(WEFT_LOG_ERROR, "python: cannot start Python %s: %s%s%s",
                         PY_VERSION, st.func ? st.func : "", st.func ? ": " : "",
                         st.err_msg ? st.err_msg : "unknown error");
        return WEFT_ERROR;
    }
    started = 1;
    return WEFT_OK;
}

/* Insert dir into sys.path at *pos unless it is there already. */
static int
path_insert(PyObject *path, Py_ssize_t *pos, const char *dir)
{
    PyObject *s = PyUnicode_DecodeFSDefault(dir);
    int       rc;

    if (s == NULL)
        return -1;
    rc = PySequence_Contains(path, s);
    if (rc == 0) {
        rc = PyList_Insert(path, *pos, s);
        (*pos)++;
    }
    Py_DECREF(s);
    return rc < 0 ? -1 : 0;
}

struct path_add_s {
    PyObject   *path;
    Py_ssize_t *pos;
};

/* path_insert() for weft_py_path_glob(). */
static int
path_add(const char *dir, void *arg)
{
    struct path_add_s *pa = arg;

    return path_insert(pa->path, pa->pos, dir);
}

/*
 * sys.path gets, in front and in this order: every --pythonpath, the
 * directory of --wsgi-file, and the current directory (so -w finds modules
 * next to where weft was started, or where the core's --chdir went).
 */
static int
extend_sys_path(void)
{
    PyObject   *path = PySys_GetObject("path");     /* borrowed */
    Py_ssize_t  pos = 0;
    size_t      i;
    char        cwd[4096];

    if (path == NULL || !PyList_Check(path)) {
        weft_py_api->log(WEFT_LOG_ERROR, "python: sys.path is not a list");
        return WEFT_ERROR;
    }
    for (i = 0; i < weft_py_conf.pythonpath.n; i++) {
        struct path_add_s pa = { path, &pos };
        if (weft_py_path_glob(weft_py_conf.pythonpath.v[i], path_add, &pa) < 0)
            goto fail;
    }
    if (weft_py_conf.wsgi_file != NULL) {
        char       *copy = strdup(weft_py_conf.wsgi_file);
        char       *slash = copy ? strrchr(copy, '/') : NULL;
        const char *dir = slash == NULL ? "." : (slash == copy ? "/" : copy);
        char        abs[4096];

        if (copy == NULL)
            goto fail;
        if (slash != NULL && slash != copy)
            *slash = '\0';
        if (realpath(dir, abs) != NULL && path_insert(path, &pos, abs) < 0) {
            free(copy);
            goto fail;
        }
        free(copy);
    }
    if (getcwd(cwd, sizeof(cwd)) != NULL && path_insert(path, &pos, cwd) < 0)
        goto fail;
    return WEFT_OK;

fail:
    weft_py_log_exception(WEFT_LOG_ERROR, "python: cannot extend sys.path");
    return WEFT_ERROR;
}

static int
python_setup(void)
{
    if (weft_py_conf.wsgi_file != NULL && weft_py_conf.module != NULL) {
        weft_py_api->log(WEFT_LOG_ERROR, "python: give either --wsgi-file or --module, not both");
        return WEFT_ERROR;
    }
    if (start_interpreter() != WEFT_OK)
        return WEFT_ERROR;
    if (extend_sys_path() != WEFT_OK
        || weft_py_api_module_init() != WEFT_OK
        || weft_py_input_init() != WEFT_OK
        || weft_py_response_init() != WEFT_OK
        || weft_py_environ_init() != WEFT_OK)
        return WEFT_ERROR;

    if (!weft_py_conf.lazy_apps && weft_py_imports_run() != WEFT_OK)
        return WEFT_ERROR;
    if (weft_py_conf.wsgi_file == NULL && weft_py_conf.module == NULL)
        weft_py_api->log(WEFT_LOG_WARN, "python: no app to serve (give --wsgi-file FILE or --module MODULE): every request gets 500");
    else if (!weft_py_conf.lazy_apps && weft_py_app_load() != WEFT_OK)
        return WEFT_ERROR;

    if (!weft_py_conf.lazy_apps)
        weft_py_prefork_note();
    setup_pid = getpid();
    weft_py_api->log(WEFT_LOG_INFO, "python: Python %s ready%s", PY_VERSION,
                     weft_py_conf.lazy_apps ? " (the app loads in each worker)" : "");
    return WEFT_OK;     /* the GIL stays with this thread until worker_init() */
}

static int
python_worker_init(unsigned worker_id)
{
    if (!started)
        return WEFT_ERROR;
    if (getpid() != setup_pid) {
        PyOS_AfterFork_Child();     /* forked: Python's locks and threads */
        weft_py_prefork_warn(worker_id);
    }
    if (weft_py_conf.lazy_apps && weft_py_app == NULL && weft_py_imports_run() != WEFT_OK)
        return WEFT_ERROR;
    if (weft_py_conf.lazy_apps && weft_py_app == NULL
        && (weft_py_conf.wsgi_file != NULL || weft_py_conf.module != NULL)
        && weft_py_app_load() != WEFT_OK)
        return WEFT_ERROR;
    if (worker_id == 1 && weft_py_conf.autoreload > 0
        && weft_py_autoreload_start(getpid() != setup_pid) != WEFT_OK)
        return WEFT_ERROR;
    /* Last: it releases the GIL. */
    return weft_py_states_init(weft_py_api->core_count());
}

static void
python_worker_exit(void)
{
    unsigned i;
    int      busy = 0;

    if (weft_py_cores == NULL)
        return;
    weft_py_enter_main();
    for (i = 0; i < weft_py_ncores; i++) {
        if (weft_py_cores[i].r != NULL)
            busy = 1;           /* cut off by a hard stop: leave it be */
        else
            weft_py_core_release(&weft_py_cores[i]);
    }
    weft_py_states_exit();
    weft_py_environ_exit();
    Py_CLEAR(weft_py_app);
    /*
     * Finalising runs the app's atexit handlers and flushes its files.  Not
     * when a request was cut off in the middle (a hard stop): its frames
     * would be torn down under code that is still suspended in them.
     */
    if (!busy) {
        if (Py_FinalizeEx() < 0)
            weft_py_api->log(WEFT_LOG_WARN, "python: errors while finalising Python");
        started = 0;
    }
}

/* ------------------------------------------------------------ plugin */

static const weft_language_t python_language = {
    .size = sizeof(weft_language_t),
    .name = "python",
    .modifier1 = 0,
    .setup = python_setup,
    .worker_init = python_worker_init,
    .request = weft_py_request,
    .request_done = weft_py_request_done,
    .on_suspend = weft_py_on_suspend,
    .on_resume = weft_py_on_resume,
    .worker_exit = python_worker_exit,
    .thread_init = weft_py_thread_init,     /* ABI 1.6: --threads */
    .thread_exit = weft_py_thread_exit,
};

static int
python_init(const weft_api_t *api)
{
    weft_py_api = api;
    return api->register_language(&python_language);
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    /* GLOBAL: Python's own extension modules (_ctypes, _json, greenlet)
     * resolve libpython's symbols when they are loaded. */
    .flags = WEFT_PLUGIN_LANGUAGE | WEFT_PLUGIN_GLOBAL,
    .name = "python",
    .version = WEFT_PLUGIN_VERSION,
    .summary = "Python " PY_VERSION ": WSGI apps (PEP 3333) and the uwsgi-compatible API",
    .options = python_options,
    .init = python_init,
};
