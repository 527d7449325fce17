/*
 * plugins/python/tstate.c - which Python thread state each async core runs
 * with, and who holds the GIL.
 *
 * CPython keeps the running code's frames on its thread state: the frame
 * chain and, since 3.11, a data stack of frames (datastack_chunk/top/limit),
 * the recursion counters, the handled exception, the contextvars context.  A
 * stack-switching engine (uGreen) suspends a core in the middle of Python
 * code; if the cores shared one thread state, a core resumed later would
 * push frames over those of a core still suspended (design.md section 4).
 *
 * So, in PERCORE mode (an engine with WEFT_ENGINE_FOREIGN_STACK), each
 * core has its own PyThreadState, made in the worker after fork.  A core
 * takes the GIL with its own state when it enters Python
 * (PyEval_RestoreThread) and gives it back (PyEval_SaveThread) when it
 * leaves Python or switches away while inside it (on_suspend); on_resume
 * takes it again.  Only public C API switches states, so a suspended core's
 * frames are never touched: they belong to a thread state nobody else runs
 * with.  Between cores the worker's loop holds no GIL, so the app's own
 * threads run while the worker waits.
 *
 * PyGILState_Ensure() (ctypes callbacks, Cython "with gil", pybind11,
 * cffi) looks for "this OS thread's" state in a thread-local slot.  It must
 * find the core's state: if it found another one while the core holds the
 * GIL it would wait for the GIL forever.  Python 3.12 and newer move the slot
 * along when a state is made current; older ones need gilstate.c.  A check at
 * start-up proves the slot follows, or says that it does not.
 *
 * WEFT_PY_GREENLET (an engine with WEFT_ENGINE_OWN_STATE): greenlet saves
 * and restores Python's per-thread frame state itself on every switch;
 * there is one thread state, and the engine holds the GIL while a core's
 * greenlet runs.  The gevent loop engine is the same case: its hub and
 * every connection's greenlet run on the worker's one thread state with the
 * GIL held (the hub gives it up only while it polls), and requests
 * interleave whenever a greenlet switches, through weft's waits or gevent's
 * own (a monkey-patched time.sleep).  enter/leave nest on the engine's hold
 * (PyGILState_Ensure and Release only count), in any order across
 * greenlets.
 *
 * WEFT_PY_SHARED (no engine, or one with neither flag): request() always
 * returns before another core runs, and a generator keeps its frames in
 * itself, so one state serves all.
 *
 * The mode comes from api->engine_flags(), never from the engine's name.
 *
 * --threads (SHARED mode, one core per thread): "one state" is one per
 * serving thread.  The worker's first thread keeps the state it imported
 * the app with; every other one makes its own with PyGILState_Ensure() in
 * thread_init(), so PyGILState_Ensure() (a ctypes callback) on that thread
 * finds it.  Each thread takes the GIL only around the app, as the first
 * does, and gives it up in every blocking wait (WEFT_PY_BLOCKING).
 */
#include <pthread.h>
#include <stdlib.h>

#include "python.h"

weft_py_core_t *weft_py_cores;
unsigned        weft_py_ncores;
weft_py_mode_t  weft_py_mode;

/* This serving thread's state (SHARED mode; the first thread's is also the
 * one the app was imported with), and whether this thread serves. */
static WEFT_PY_TLS PyThreadState   *main_ts;
static WEFT_PY_TLS int              serving;
static WEFT_PY_TLS PyGILState_STATE thread_gs;   /* thread_init()'s */

/* Is the GIL-state slot bound to ts once ts is current?  Leaves main_ts
 * current and bound. */
static int
gilstate_follows(PyThreadState *ts)
{
    PyThreadState *seen;

    weft_py_gilstate_bind(ts);
    PyThreadState_Swap(ts);
    seen = PyGILState_GetThisThreadState();
    PyThreadState_Swap(main_ts);
    weft_py_gilstate_bind(main_ts);
    return seen == ts;
}

/*
 * The mode for an engine's WEFT_ENGINE_* flags, never its name: handlers
 * on foreign C stacks need a thread state per core; an engine that switches
 * Python's own state (greenlet, gevent) needs exactly one; with neither
 * (no engine) one is shared.
 */
static weft_py_mode_t
weft_py_mode_for(uint32_t flags)
{
    if (flags & WEFT_ENGINE_FOREIGN_STACK)
        return WEFT_PY_PERCORE;
    if (flags & WEFT_ENGINE_OWN_STATE)
        return WEFT_PY_GREENLET;
    return WEFT_PY_SHARED;
}

int
weft_py_states_init(unsigned ncores)
{
    const char *engine = weft_py_api->engine_name();
    unsigned    i;

    main_ts = PyThreadState_Get();
    serving = 1;
    weft_py_cores = calloc(ncores, sizeof(*weft_py_cores));
    if (weft_py_cores == NULL) {
        weft_py_api->log(WEFT_LOG_ERROR, "python: out of memory for %u cores", ncores);
        return WEFT_ERROR;
    }
    weft_py_ncores = ncores;
    for (i = 0; i < ncores; i++)
        weft_py_cores[i].id = i;

    weft_py_mode = weft_py_mode_for(weft_py_api->engine_flags());

    if (weft_py_mode == WEFT_PY_PERCORE) {
        PyInterpreterState *interp = PyInterpreterState_Get();

        for (i = 0; i < ncores; i++) {
            weft_py_cores[i].ts = PyThreadState_New(interp);
            if (weft_py_cores[i].ts == NULL) {
                weft_py_api->log(WEFT_LOG_ERROR, "python: cannot make a thread state for core %u", i);
                return WEFT_ERROR;
            }
        }
        if (!gilstate_follows(weft_py_cores[0].ts))
            weft_py_api->log(WEFT_LOG_WARN, "python: PyGILState_Ensure() cannot find a core's thread state with Python %s: ctypes callbacks and some C extensions will hang inside %s cores",
                             PY_VERSION, engine);
    }
    main_ts = PyEval_SaveThread();
    return WEFT_OK;
}

void
weft_py_states_exit(void)
{
    unsigned i;

    /* With main_ts current and bound (weft_py_enter_main()). */
    for (i = 0; i < weft_py_ncores; i++) {
        PyThreadState *ts = weft_py_cores[i].ts;
        /* A core cut off by a hard stop keeps its frames: leave it. */
        if (ts != NULL && weft_py_cores[i].r == NULL) {
            PyThreadState_Clear(ts);
            PyThreadState_Delete(ts);
        }
    }
    free(weft_py_cores);
    weft_py_cores = NULL;
    weft_py_ncores = 0;
}

void
weft_py_enter(weft_py_core_t *pc)
{
    switch (weft_py_mode) {
    case WEFT_PY_PERCORE:
        weft_py_gilstate_bind(pc->ts);
        PyEval_RestoreThread(pc->ts);
        break;
    case WEFT_PY_GREENLET:
        pc->gs = PyGILState_Ensure();
        break;
    case WEFT_PY_SHARED:
        PyEval_RestoreThread(main_ts);
        break;
    }
    pc->holds_gil = 1;
}

void
weft_py_leave(weft_py_core_t *pc)
{
    pc->holds_gil = 0;
    switch (weft_py_mode) {
    case WEFT_PY_PERCORE:
        PyEval_SaveThread();
        break;
    case WEFT_PY_GREENLET:
        PyGILState_Release(pc->gs);
        break;
    case WEFT_PY_SHARED:
        main_ts = PyEval_SaveThread();
        break;
    }
}

void
weft_py_enter_main(void)
{
    weft_py_gilstate_bind(main_ts);
    PyEval_RestoreThread(main_ts);
}

void
weft_py_leave_main(void)
{
    main_ts = PyEval_SaveThread();
}

void
weft_py_on_suspend(weft_core_t *core)
{
    weft_py_core_t *pc = &weft_py_cores[core->id];

    if (weft_py_mode == WEFT_PY_PERCORE && pc->holds_gil) {
        weft_py_leave(pc);
        pc->parked = 1;
    }
}

void
weft_py_on_resume(weft_core_t *core)
{
    weft_py_core_t *pc = &weft_py_cores[core->id];

    if (pc->parked) {
        pc->parked = 0;
        weft_py_enter(pc);
    }
}

int
weft_py_on_worker_thread(void)
{
    return weft_py_cores != NULL && serving;
}

int
weft_py_thread_init(unsigned thread)
{
    if (weft_py_mode != WEFT_PY_SHARED) {
        weft_py_api->log(WEFT_LOG_ERROR, "python: --threads runs without a suspend or loop engine");
        return WEFT_ERROR;
    }
    /* A state of this thread's own, bound to it, the GIL taken; then
     * given back until the thread's first request. */
    thread_gs = PyGILState_Ensure();
    if (thread == 1)
        weft_py_environ_multithread();
    main_ts = PyEval_SaveThread();
    serving = 1;
    return WEFT_OK;
}

void
weft_py_thread_exit(void)
{
    serving = 0;
    PyEval_RestoreThread(main_ts);
    weft_py_response_thread_exit();
    main_ts = NULL;
    PyGILState_Release(thread_gs);      /* deletes the state, drops the GIL */
}

weft_py_core_t *
weft_py_current(void)
{
    weft_request_t *r;
    weft_py_core_t *pc;

    if (weft_py_cores == NULL) {        /* importing the app, before workers */
        PyErr_SetString(PyExc_RuntimeError, "weft: not inside a request");
        return NULL;
    }
    if (!weft_py_on_worker_thread()) {
        PyErr_SetString(PyExc_RuntimeError,
                        "weft: the in-app API works only on the thread that serves requests");
        return NULL;
    }
    r = weft_py_api->current_request();
    pc = r != NULL ? &weft_py_cores[r->core->id] : NULL;
    if (pc == NULL || pc->r != r) {
        PyErr_SetString(PyExc_RuntimeError, "weft: not inside a request");
        return NULL;
    }
    return pc;
}
