/*
 * plugins/python/prefork.c - what the app did in the master that a forked
 * worker does not inherit: threads.  An app that starts a thread while it
 * is imported (a scheduler, a metrics pusher) gets that thread in the
 * master only; fork() copies just the calling thread, so no worker runs it.
 * weft_py_prefork_note() counts them before the fork, and worker 1 says so
 * once, suggesting --lazy-apps.
 *
 * Also the --pythonpath globs (uWSGI expands a wildcard in the directory).
 */
#include "python.h"

#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int  nthreads;        /* other live threads when the app had loaded */
static char names[512];      /* their names */

void
weft_py_prefork_note(void)
{
    PyObject   *threading, *list, *main_thread;
    Py_ssize_t  i, n;
    size_t      len = 0;

    nthreads = 0;
    names[0] = '\0';
    threading = PyImport_ImportModule("threading");
    if (threading == NULL) {
        PyErr_Clear();
        return;
    }
    list = PyObject_CallMethod(threading, "enumerate", NULL);
    main_thread = PyObject_CallMethod(threading, "main_thread", NULL);
    if (list == NULL || main_thread == NULL || !PyList_Check(list)) {
        PyErr_Clear();
        goto done;
    }
    n = PyList_GET_SIZE(list);
    for (i = 0; i < n; i++) {
        PyObject   *t = PyList_GET_ITEM(list, i);        /* borrowed */
        PyObject   *name;
        const char *s;

        if (t == main_thread)
            continue;
        nthreads++;
        name = PyObject_GetAttrString(t, "name");
        s = name ? PyUnicode_AsUTF8(name) : NULL;
        if (s != NULL && len + strlen(s) + 3 < sizeof(names)) {
            len += (size_t) snprintf(names + len, sizeof(names) - len, "%s%s",
                                     len ? ", " : "", s);
        }
        Py_XDECREF(name);
        PyErr_Clear();
    }
done:
    Py_XDECREF(list);
    Py_XDECREF(main_thread);
    Py_DECREF(threading);
}

void
weft_py_prefork_warn(unsigned worker_id)
{
    if (nthreads == 0 || worker_id != 1)
        return;
    weft_py_api->log(WEFT_LOG_WARN, "python: the app started %d thread%s while it loaded in the master (%s); fork() does not copy threads, so %s not run in any worker: use --lazy-apps to load the app in each worker",
                     nthreads, nthreads == 1 ? "" : "s", names[0] ? names : "unnamed",
                     nthreads == 1 ? "it does" : "they do");
}

int
weft_py_path_glob(const char *pattern, int (*add)(const char *dir, void *arg), void *arg)
{
    glob_t g;
    size_t i;
    int    rc = 0;

    if (strpbrk(pattern, "*?[") == NULL)
        return add(pattern, arg);
    if (glob(pattern, 0, NULL, &g) != 0) {
        weft_py_api->log(WEFT_LOG_WARN, "python: --pythonpath %s matches nothing", pattern);
        return 0;
    }
    for (i = 0; i < g.gl_pathc && rc == 0; i++)
        rc = add(g.gl_pathv[i], arg);
    globfree(&g);
    return rc;
}

/* The watcher, in Python: it sleeps with the GIL released, so it costs the
 * worker nothing between looks.  The first look is taken before the
 * thread starts, so a change right after start-up is seen. */
static const char autoreload_src[] =
    "def _weft_autoreload(interval, target):\n"
    "    import os, signal, sys, threading, time\n"
    "    def files():\n"
    "        seen = {}\n"
    "        for m in list(sys.modules.values()):\n"
    "            f = getattr(m, '__file__', None)\n"
    "            if not isinstance(f, str):\n"
    "                continue\n"
    "            try:\n"
    "                seen[f] = os.stat(f).st_mtime_ns\n"
    "            except OSError:\n"
    "                pass\n"
    "        return seen\n"
    "    base = files()\n"
    "    def watch():\n"
    "        while True:\n"
    "            time.sleep(interval)\n"
    "            now = files()\n"
    "            for f, t in now.items():\n"
    "                if f in base and base[f] != t:\n"
    "                    sys.stderr.write('python: %s changed: reloading (--py-autoreload)\\n' % f)\n"
    "                    sys.stderr.flush()\n"
    "                    os.kill(target, signal.SIGHUP)\n"
    "                    return\n"
    "            base.update(now)\n"
    "    threading.Thread(target=watch, name='weft-autoreload', daemon=True).start()\n";

int
weft_py_autoreload_start(int forked)
{
    PyObject *globals, *fn, *rc;
    long      target = forked ? (long) getppid() : (long) getpid();

    globals = PyDict_New();
    if (globals == NULL)
        goto fail;
    PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins());
    rc = PyRun_String(autoreload_src, Py_file_input, globals, globals);
    if (rc == NULL) {
        Py_DECREF(globals);
        goto fail;
    }
    Py_DECREF(rc);
    fn = PyDict_GetItemString(globals, "_weft_autoreload");     /* borrowed */
    rc = fn ? PyObject_CallFunction(fn, "ll", weft_py_conf.autoreload, target) : NULL;
    Py_DECREF(globals);
    if (rc == NULL)
        goto fail;
    Py_DECREF(rc);
    weft_py_api->log(WEFT_LOG_INFO, "python: watching the modules' files every %ld s (--py-autoreload)",
                     weft_py_conf.autoreload);
    return WEFT_OK;
fail:
    weft_py_log_exception(WEFT_LOG_ERROR, "python: cannot start --py-autoreload");
    return WEFT_ERROR;
}
