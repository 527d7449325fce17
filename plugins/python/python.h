/*
 * plugins/python/python.h - what the Python plugin's files share.
 *
 * The plugin embeds CPython and serves WSGI (PEP 3333) apps.  Its files:
 *
 *   python.c         the descriptor, options, interpreter start-up, workers
 *   app.c            loading the app; logging Python exceptions
 *   tstate.c         which thread state a core runs Python with, and the GIL
 *   gilstate.c       making PyGILState_Ensure() see a core's thread state
 *                    on Pythons older than 3.12
 *   wsgi.c           request() and request_done(): the WSGI call
 *   wsgi_environ.c   the environ dict
 *   wsgi_input.c     wsgi.input
 *   wsgi_response.c  start_response, write, wsgi.file_wrapper, the body
 *   api_module.c     the in-app API: module `weft`, also importable as `uwsgi`
 *
 * Every function here runs on the worker's thread.  Unless a comment says
 * otherwise, it is called with the GIL held by the calling core.
 */
#ifndef WEFT_PYTHON_H
#define WEFT_PYTHON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <weft/weft.h>

/* Python 3.8 has vectorcall under its provisional names. */
#if PY_VERSION_HEX < 0x03090000
#define PyObject_Vectorcall        _PyObject_Vectorcall
#define Py_TPFLAGS_HAVE_VECTORCALL _Py_TPFLAGS_HAVE_VECTORCALL
#define PyInterpreterState_Get()   (PyThreadState_Get()->interp)
#define PyObject_CallNoArgs(o)     PyObject_CallObject((o), NULL)
#endif

extern const weft_api_t *weft_py_api;

/* A raised exception, put aside while cleaning up and raised again. */
typedef struct {
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *exc;
#else
    PyObject *type, *value, *tb;
#endif
} weft_py_exc_t;

static inline void
weft_py_exc_save(weft_py_exc_t *e)
{
#if PY_VERSION_HEX >= 0x030C0000
    e->exc = PyErr_GetRaisedException();
#else
    PyErr_Fetch(&e->type, &e->value, &e->tb);
#endif
}

static inline void
weft_py_exc_restore(weft_py_exc_t *e)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(e->exc);
#else
    PyErr_Restore(e->type, e->value, e->tb);
#endif
}

/* ------------------------------------------------------------ options */

typedef struct {
    const char     *wsgi_file;     /* --wsgi-file */
    const char     *module;        /* -w/--module module[:callable] */
    const char     *callable;      /* --callable (default "application") */
    weft_strlist_t  pythonpath;    /* --pythonpath, repeatable */
    const char     *home;          /* --home: a virtualenv */
    int             lazy_apps;     /* --lazy-apps: load in each worker */
    weft_strlist_t  imports;       /* --python-import MODULE[:FUNCTION] */
    long            autoreload;    /* --py-autoreload SECONDS (0: off) */
} weft_py_conf_t;

extern weft_py_conf_t weft_py_conf;

/* ------------------------------------------------------------ cores */

/* How the cores of a worker share the interpreter (tstate.c). */
typedef enum {
    WEFT_PY_SHARED = 0,     /* no suspend engine: one thread state */
    WEFT_PY_PERCORE,        /* a stack-switching engine (uGreen): one
                               thread state per core, swapped on switches */
    WEFT_PY_GREENLET        /* greenlet switches Python's state itself
                               (the greenlet engine, gevent's loop engine):
                               one thread state, GIL held by the engine */
} weft_py_mode_t;

typedef struct weft_py_core_s weft_py_core_t;

struct weft_py_core_s {
    unsigned          id;
    weft_request_t   *r;              /* the request being served, or NULL */
    uint64_t          gen;            /* changes with every request */

    /* Interpreter state (tstate.c). */
    PyThreadState    *ts;             /* PERCORE: this core's own */
    PyGILState_STATE  gs;             /* GREENLET: from PyGILState_Ensure() */
    unsigned          holds_gil:1;    /* between enter and leave */
    unsigned          parked:1;       /* suspended while holding it */

    /* The response (wsgi_response.c). */
    unsigned          started:1;      /* start_response() was called */
    unsigned          headers_out:1;  /* status and headers given to the core */
    unsigned          has_length:1;   /* the app sent a Content-Length */
    unsigned          streaming:1;    /* iterating an iterator, not a list */
    unsigned          waits:1;        /* the app registered waits (weft.*) */
    unsigned          aborted:1;      /* a wait or write failed: the request
                                         is being cut short */
    PyObject         *status;         /* start_response()'s status (str) */
    PyObject         *headers;        /* and its headers (list) */
    PyObject         *result;         /* what the app returned */
    PyObject         *iter;           /* its iterator, while streaming */

    /* Objects reused from request to request while nobody else holds them. */
    PyObject         *start_response;
    PyObject         *write;
    PyObject         *input;
};

extern weft_py_core_t *weft_py_cores;
extern unsigned        weft_py_ncores;
extern weft_py_mode_t  weft_py_mode;

/* The core serving the calling code's request, or NULL (with a Python
 * RuntimeError set) outside a request or off the worker's thread. */
weft_py_core_t *weft_py_current(void);

/* ------------------------------------------------------------ app.c */

extern PyObject *weft_py_app;

int  weft_py_app_load(void);

/* Import the --python-import modules (and call their functions), in order,
 * before the app loads.  WEFT_ERROR, logged, when one fails. */
int  weft_py_imports_run(void);

/*
 * Log the raised Python exception with its traceback, one log line per
 * traceback line, after a first line made from fmt.  The exception is
 * cleared.
 */
void weft_py_log_exception(int level, const char *fmt, ...) WEFT_PRINTF(2, 3);

/* The same for an exception raised while serving r: a request whose client
 * went away gets one INFO line instead of a traceback. */
void weft_py_log_request_exception(weft_request_t *r, const char *what);

/* ------------------------------------------------------------ tstate.c */

/* Per serving thread (--threads).  initial-exec: in the static TLS block,
 * no __tls_get_addr() on each access, which a dlopen()ed module's
 * variables otherwise take (and which LeakSanitizer's stop-the-world
 * stumbles on). */
#define WEFT_PY_TLS __thread __attribute__((tls_model("initial-exec")))

int  weft_py_states_init(unsigned ncores);
void weft_py_states_exit(void);
void weft_py_enter(weft_py_core_t *pc);
void weft_py_leave(weft_py_core_t *pc);
void weft_py_enter_main(void);
void weft_py_leave_main(void);
void weft_py_on_suspend(weft_core_t *core);
void weft_py_on_resume(weft_core_t *core);
int  weft_py_on_worker_thread(void);   /* a thread that serves requests */
int  weft_py_thread_init(unsigned thread);   /* --threads: each extra thread */
void weft_py_thread_exit(void);
/* With the GIL, a serving thread ending: drop what its list still holds. */
void weft_py_response_thread_exit(void);

/* A wait by r that blocks the whole worker (api->can_suspend(r) says so):
 * let other Python threads run meanwhile.  One that suspends only r needs
 * nothing here: on_suspend() does what the engine needs. */
#define WEFT_PY_BLOCKING(r, call, rc)                               \
    do {                                                            \
        if (!weft_py_api->can_suspend(r)) {                         \
            PyThreadState *ts_ = PyEval_SaveThread();               \
            rc = (call);                                            \
            PyEval_RestoreThread(ts_);                              \
        } else {                                                    \
            rc = (call);                                            \
        }                                                           \
    } while (0)

/* ------------------------------------------------------------ gilstate.c */

#if PY_VERSION_HEX >= 0x030C0000
/* 3.12 and newer bind the GIL state to a thread state as it is made
 * current (PyEval_RestoreThread, PyThreadState_Swap): nothing to do. */
static inline int weft_py_gilstate_bind(PyThreadState *ts) { (void) ts; return 0; }
#else
int weft_py_gilstate_bind(PyThreadState *ts);
#endif

/* ------------------------------------------------------------ wsgi*.c */

int       weft_py_environ_init(void);
void      weft_py_environ_exit(void);
void      weft_py_environ_multithread(void);
PyObject *weft_py_environ(weft_py_core_t *pc, weft_request_t *r);

int       weft_py_input_init(void);
PyObject *weft_py_input_for(weft_py_core_t *pc, weft_request_t *r);

int       weft_py_response_init(void);
PyObject *weft_py_start_response_for(weft_py_core_t *pc);
int       weft_py_respond(weft_py_core_t *pc, weft_request_t *r);
void      weft_py_response_done(weft_py_core_t *pc);
extern PyTypeObject weft_py_file_wrapper_type;

int       weft_py_request(weft_request_t *r);
void      weft_py_request_done(weft_request_t *r);
void      weft_py_core_release(weft_py_core_t *pc);

/* ------------------------------------------------------------ api_module.c */

int       weft_py_api_module_init(void);

/* prefork.c: threads the app started in the master (noted before the
 * fork, warned of once in worker 1), and --pythonpath globs (add() for
 * each match, or the pattern itself when it has no wildcard). */
void      weft_py_prefork_note(void);
void      weft_py_prefork_warn(unsigned worker_id);
/* --py-autoreload: in worker 1, a thread that reloads weft (SIGHUP to the
 * master, or to this process without one) when a module's file changes. */
int       weft_py_autoreload_start(int forked);
int       weft_py_path_glob(const char *pattern, int (*add)(const char *dir, void *arg),
                            void *arg);

#endif /* WEFT_PYTHON_H */
