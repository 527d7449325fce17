/*
 * plugins/python/gilstate.c - make PyGILState_Ensure() find a core's thread
 * state, on Pythons older than 3.12.
 *
 * PyGILState_Ensure() looks up "this OS thread's" thread state in a
 * thread-specific slot, and takes the GIL with it unless it is the current
 * state.  With one thread state per async core (tstate.c) the slot still
 * names the worker's first state, so a ctypes callback or a C extension that
 * calls PyGILState_Ensure() while its core holds the GIL would wait for the
 * GIL forever.
 *
 * Python 3.12 moved the slot along with the current state (it binds it when
 * a state is activated by PyEval_RestoreThread or PyThreadState_Swap), so
 * there python.h makes weft_py_gilstate_bind() a no-op and this file compiles
 * to nothing.  Python 3.8 to 3.11 have no public call that sets the slot:
 * this is the one place the plugin uses CPython's internals, and only for
 * those released (frozen) versions.  It sets the slot exactly as CPython's own
 * _PyGILState_NoteThreadState() does, through the public PyThread_tss_set()
 * on the runtime's key, whose layout comes from the same Python's headers.
 * tstate.c checks at start-up that the slot follows the current state.
 */
#include <patchlevel.h>

#if PY_VERSION_HEX < 0x030C0000

#define Py_BUILD_CORE 1
#include <Python.h>
#if PY_VERSION_HEX >= 0x03090000
#include <internal/pycore_runtime.h>
#else
#include <internal/pycore_pystate.h>
#endif

int weft_py_gilstate_bind(PyThreadState *ts);

/* Make ts the thread state PyGILState_Ensure() finds on this thread. */
int
weft_py_gilstate_bind(PyThreadState *ts)
{
    return PyThread_tss_set(&_PyRuntime.gilstate.autoTSSkey, ts) == 0 ? 0 : -1;
}

#else

/* ISO C wants at least one declaration in a file. */
typedef int weft_py_gilstate_unused_t;

#endif
