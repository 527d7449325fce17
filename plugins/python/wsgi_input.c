/*
 * plugins/python/wsgi_input.c - wsgi.input: the request body as the core
 * keeps it.  read() goes through api->read_body, readline() and iteration
 * through api->read_line, and seek()/tell() (a WSGI extension) through
 * api->body_seek: the plugin keeps no buffer and rebuilds no lines.  A read
 * that must wait for the client suspends the core (or blocks the worker
 * without a suspend engine); with --body-buffering the body is already in.
 *
 * read(n) returns n bytes unless the body ends first, like a file.  Each
 * core reuses one input object from request to request, unless the app kept
 * a reference to it; an object of a finished request refuses to read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "python.h"

#define STEP  16384             /* read size when the length is unknown */
#define LINE  256               /* a line's first allocation */

typedef struct {
    PyObject_HEAD
    weft_py_core_t *pc;
    uint64_t        gen;
    weft_request_t *r;
    int64_t         pos;        /* the read position in the body */
    int64_t         length;     /* the body's length, -1 unknown (chunked) */
} input_t;

static PyTypeObject input_type;

static int
valid(input_t *in)
{
    if (in->gen != in->pc->gen || in->pc->r != in->r || in->r == NULL) {
        PyErr_SetString(PyExc_ValueError, "wsgi.input of a finished request");
        return 0;
    }
    return 1;
}

static void
read_failed(void)
{
    PyErr_SetString(PyExc_OSError,
                    "wsgi.input: the request body could not be read (the client went away, stalled or sent a malformed body)");
}

/* Read up to len body bytes into dst (lines: up to and including a
 * newline): the count, 0 at the end, -1 with OSError set. */
static Py_ssize_t
core_read(input_t *in, char *dst, size_t len, int line)
{
    ssize_t n;

    if (len == 0)
        return 0;
    if (line)
        WEFT_PY_BLOCKING(in->r, weft_py_api->read_line(in->r, dst, len), n);
    else
        WEFT_PY_BLOCKING(in->r, weft_py_api->read_body(in->r, dst, len), n);
    if (n < 0) {
        read_failed();
        return -1;
    }
    in->pos += n;
    return n;
}

/*
 * Up to limit bytes (-1: to the end), or with `line` up to and including a
 * newline, into a bytes object.  With a known length a plain read gets one
 * allocation of the right size; otherwise the object grows.
 */
static PyObject *
read_upto(input_t *in, Py_ssize_t limit, int line)
{
    size_t    cap, got = 0;
    PyObject *b;

    if (line)
        cap = limit >= 0 && limit < LINE ? (size_t) limit : LINE;
    else if (in->length >= 0) {
        int64_t left = in->length > in->pos ? in->length - in->pos : 0;
        cap = limit >= 0 && limit < left ? (size_t) limit : (size_t) left;
    } else
        cap = limit >= 0 && limit < STEP ? (size_t) limit : STEP;
    b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t) cap);
    if (b == NULL)
        return NULL;
    for (;;) {
        Py_ssize_t n;

        if (got == cap) {
            size_t more;
            if ((limit >= 0 && got >= (size_t) limit) || (!line && in->length >= 0))
                break;
            more = cap;
            if (limit >= 0 && cap + more > (size_t) limit)
                more = (size_t) limit - cap;
            if (_PyBytes_Resize(&b, (Py_ssize_t) (cap + more)) < 0)
                return NULL;
            cap += more;
        }
        n = core_read(in, PyBytes_AS_STRING(b) + got, cap - got, line);
        if (n < 0) {
            Py_DECREF(b);
            return NULL;
        }
        got += (size_t) n;
        if (n == 0 || (line && PyBytes_AS_STRING(b)[got - 1] == '\n'))
            break;
    }
    if (got < cap && _PyBytes_Resize(&b, (Py_ssize_t) got) < 0)
        return NULL;
    return b;
}

/* The optional size argument of read(), readline(), readlines(): -1 if
 * absent or None. */
static int
size_arg(PyObject *const *args, Py_ssize_t nargs, const char *name, Py_ssize_t *size)
{
    *size = -1;
    if (nargs > 1) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most 1 argument (%zd given)", name, nargs);
        return -1;
    }
    if (nargs == 1 && args[0] != Py_None) {
        *size = PyNumber_AsSsize_t(args[0], PyExc_OverflowError);
        if (*size == -1 && PyErr_Occurred())
            return -1;
        if (*size < 0)
            *size = -1;
    }
    return 0;
}

static PyObject *
input_read(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t size;

    if (size_arg(args, nargs, "read", &size) < 0 || !valid((input_t *) self))
        return NULL;
    if (size == 0)
        return PyBytes_FromStringAndSize(NULL, 0);
    return read_upto((input_t *) self, size, 0);
}

static PyObject *
input_readline(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t limit;

    if (size_arg(args, nargs, "readline", &limit) < 0 || !valid((input_t *) self))
        return NULL;
    if (limit == 0)
        return PyBytes_FromStringAndSize(NULL, 0);
    return read_upto((input_t *) self, limit, 1);
}

static PyObject *
input_readlines(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t hint, total = 0;
    PyObject  *lines;

    if (size_arg(args, nargs, "readlines", &hint) < 0 || !valid((input_t *) self))
        return NULL;
    lines = PyList_New(0);
    while (lines != NULL) {
        PyObject  *line = read_upto((input_t *) self, -1, 1);
        Py_ssize_t n;

        if (line == NULL) {
            Py_CLEAR(lines);
            break;
        }
        n = PyBytes_GET_SIZE(line);
        if (n == 0 || PyList_Append(lines, line) < 0) {
            Py_DECREF(line);
            if (n != 0)
                Py_CLEAR(lines);
            break;
        }
        Py_DECREF(line);
        total += n;
        if (hint > 0 && total >= hint)
            break;
    }
    return lines;
}

static PyObject *
input_next(PyObject *self)
{
    PyObject *line;

    if (!valid((input_t *) self))
        return NULL;
    line = read_upto((input_t *) self, -1, 1);
    if (line != NULL && PyBytes_GET_SIZE(line) == 0)
        Py_CLEAR(line);             /* StopIteration */
    return line;
}

/* seek(offset[, whence]) -> the new position, like a file's (whence 0, 1
 * or 2); OSError when the body cannot be rewound or read. */
static PyObject *
input_seek(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    input_t  *in = (input_t *) self;
    long long off;
    int       whence = SEEK_SET, e;
    int64_t   pos;

    if (nargs < 1 || nargs > 2) {
        PyErr_Format(PyExc_TypeError, "seek() takes 1 or 2 arguments (%zd given)", nargs);
        return NULL;
    }
    off = PyLong_AsLongLong(args[0]);
    if (off == -1 && PyErr_Occurred())
        return NULL;
    if (nargs == 2) {
        whence = _PyLong_AsInt(args[1]);
        if (whence == -1 && PyErr_Occurred())
            return NULL;
    }
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) {
        PyErr_Format(PyExc_ValueError, "invalid whence (%d, should be 0, 1 or 2)", whence);
        return NULL;
    }
    if (!valid(in))
        return NULL;
    errno = 0;
    WEFT_PY_BLOCKING(in->r, weft_py_api->body_seek(in->r, (int64_t) off, whence), pos);
    e = errno;
    if (pos < 0) {
        errno = e ? e : EIO;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    in->pos = pos;
    return PyLong_FromLongLong((long long) pos);
}

static PyObject *
input_tell(PyObject *self, PyObject *unused)
{
    if (!valid((input_t *) self))
        return NULL;
    return PyLong_FromLongLong((long long) ((input_t *) self)->pos);
}

/* seekable() -> True when the core keeps the body (api->body_seek works). */
static PyObject *
input_seekable(PyObject *self, PyObject *unused)
{
    if (!valid((input_t *) self))
        return NULL;
    return PyBool_FromLong((((input_t *) self)->r->flags & WEFT_REQ_BODY_REWINDABLE) != 0);
}

static void
input_dealloc(PyObject *self)
{
    PyObject_Free(self);
}

static PyMethodDef input_methods[] = {
    { "read", (PyCFunction) (void (*)(void)) input_read, METH_FASTCALL,
      "read([size]) -> bytes: size bytes, or fewer at the end of the body; all without size" },
    { "readline", (PyCFunction) (void (*)(void)) input_readline, METH_FASTCALL,
      "readline([size]) -> bytes: one line, with its newline" },
    { "readlines", (PyCFunction) (void (*)(void)) input_readlines, METH_FASTCALL,
      "readlines([hint]) -> list of lines" },
    { "seek", (PyCFunction) (void (*)(void)) input_seek, METH_FASTCALL,
      "seek(offset[, whence]) -> the new position: read the body again (a WSGI extension)" },
    { "tell", input_tell, METH_NOARGS, "tell() -> the read position in the body" },
    { "seekable", input_seekable, METH_NOARGS, "seekable() -> whether seek() works" },
    { NULL, NULL, 0, NULL }
};

static PyTypeObject input_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "weft.Input",
    .tp_basicsize = sizeof(input_t),
    .tp_dealloc = input_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "wsgi.input: the request body, read as the app asks for it",
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = input_next,
    .tp_methods = input_methods,
};

int
weft_py_input_init(void)
{
    if (PyType_Ready(&input_type) < 0) {
        weft_py_log_exception(WEFT_LOG_ERROR, "python: cannot make the wsgi.input type");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

PyObject *
weft_py_input_for(weft_py_core_t *pc, weft_request_t *r)
{
    input_t *in = (input_t *) pc->input;

    if (in == NULL || Py_REFCNT(in) > 1) {
        Py_XDECREF(pc->input);
        in = PyObject_New(input_t, &input_type);
        pc->input = (PyObject *) in;
        if (in == NULL)
            return NULL;
    }
    in->pc = pc;
    in->gen = pc->gen;
    in->r = r;
    in->pos = 0;
    if (r->flags & WEFT_REQ_CHUNKED_BODY)
        in->length = -1;
    else
        in->length = r->content_length > 0 ? r->content_length : 0;
    return (PyObject *) in;
}
