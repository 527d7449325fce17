/*
 * bench/floor/greenlet_floor.c - the memory floor under the greenlet engine:
 * CPython embedded the way weft and uWSGI embed it (libpython3.x.so), and
 * N greenlets each suspended inside a one-frame WSGI-shaped function, with
 * no server at all.  Prints the process's resident set in KiB.
 *
 * Built and run by bench/wsgi.py:  greenlet_floor N PYTHON
 * (PYTHON: the interpreter it was built for, so that sys.path is that
 * interpreter's whatever python3 comes first on PATH, as weft does).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char script[] =
    "import greenlet\n"
    "main = greenlet.getcurrent()\n"
    "def application(environ, start_response):\n"
    "    main.switch()\n"
    "    return [b'slept']\n"
    "def core():\n"
    "    application({}, None)\n"
    "cores = [greenlet.greenlet(core) for _ in range(N)]\n"
    "for g in cores:\n"
    "    g.switch()\n";

int
main(int argc, char **argv)
{
    char      line[256];
    FILE     *f;
    long      n = argc > 1 ? atol(argv[1]) : 1000;
    PyConfig  config;
    PyStatus  st;
    PyObject *count;

    PyConfig_InitPythonConfig(&config);
    config.parse_argv = 0;
    st = PyConfig_SetBytesString(&config, &config.program_name,
                                 argc > 2 ? argv[2] : "/usr/bin/python3");
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(st))
        Py_ExitStatusException(st);
    count = PyLong_FromLong(n);
    if (count == NULL || PyObject_SetAttrString(PyImport_AddModule("__main__"), "N", count) < 0
        || PyRun_SimpleString(script) != 0)
        return 1;
    f = fopen("/proc/self/status", "r");
    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "VmRSS:", 6) == 0)
            printf("%ld\n", atol(line + 6));
    return 0;
}
