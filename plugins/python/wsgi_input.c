/*
 * plugins/python/wsgi_input.c - wsgi.input: the request body, streamed from
 * the socket as the app reads it (api->read_body suspends the core, or
 * blocks the worker without a suspend engine).
 *
 * read(n) returns n bytes unless the body ends first, like a file.  With a
 * known length, read() and read(n) fill the bytes object directly; otherwise
 * (a chunked upload, readline) bytes pass through a small buffer.  Each core
 * reuses one input object from request to request, unless the app kept a
 * reference to it; an object of a finished request refuses to read.
 */
#include <stdlib.h>
#include <string.h>

#include "python.h"

#define STEP      16384         /* buffer growth and read size */
#define KEEP_MAX  65536         /* a buffer kept between requests */

typedef struct {
    PyObject_HEAD
    weft_py_core_t *pc;
    uint64_t        gen;
    weft_request_t *r;
    char           *buf;        /* bytes read from the core, not yet taken */
    size_t          cap, pos, end;
    int64_t         left;       /* body bytes still in the core; -1 unknown */
    int             eof;
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

/* Read up to len body bytes from the core into dst: the count, 0 at the end,
 * -1 with OSError set. */
static Py_ssize_t
core_read(input_t *in, char *dst, size_t len)
{
    ssize_t n;

    if (in->eof || len == 0)
        return 0;
    if (in->left >= 0 && (uint64_t) in->left < len)
        len = (size_t) in->left;
    if (len == 0) {
        in->eof = 1;
        return 0;
    }
    WEFT_PY_BLOCKING(in->r, weft_py_api->read_body(in->r, dst, len), n);
    if (n < 0) {
        PyErr_SetString(PyExc_OSError,
                        "wsgi.input: the request body could not be read (the client went away, stalled or sent a malformed body)");
        return -1;
    }
    if (n == 0)
        in->eof = 1;
    if (in->left >= 0)
        in->left -= n;
    return n;
}

/* Read one step more into the buffer: the count, 0 at the end, -1. */
static Py_ssize_t
fill(input_t *in)
{
    Py_ssize_t n;

    if (in->pos > 0 && in->pos == in->end)
        in->pos = in->end = 0;
    if (in->cap - in->end < STEP) {
        if (in->pos > 0) {
            memmove(in->buf, in->buf + in->pos, in->end - in->pos);
            in->end -= in->pos;
            in->pos = 0;
        }
        if (in->cap - in->end < STEP) {
            size_t cap = in->cap ? in->cap * 2 : STEP;
            char  *b = realloc(in->buf, cap);
            if (b == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            in->buf = b;
            in->cap = cap;
        }
    }
    n = core_read(in, in->buf + in->end, in->cap - in->end);
    if (n > 0)
        in->end += (size_t) n;
    return n;
}

/* Take n buffered bytes as a bytes object. */
static PyObject *
take(input_t *in, size_t n)
{
    PyObject *b = PyBytes_FromStringAndSize(in->buf + in->pos, (Py_ssize_t) n);

    if (b != NULL)
        in->pos += n;
    return b;
}

/* read() or read(n) with a known length: straight into the bytes. */
static PyObject *
read_known(input_t *in, Py_ssize_t want)
{
    size_t    have = in->end - in->pos, total, got;
    PyObject *b;

    total = have + (size_t) in->left;
    if (want >= 0 && (size_t) want < total)
        total = (size_t) want;
    b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t) total);
    if (b == NULL)
        return NULL;
    got = have < total ? have : total;
    if (got > 0)
        memcpy(PyBytes_AS_STRING(b), in->buf + in->pos, got);
    in->pos += got;
    while (got < total) {
        Py_ssize_t n = core_read(in, PyBytes_AS_STRING(b) + got, total - got);
        if (n < 0) {
            Py_DECREF(b);
            return NULL;
        }
        if (n == 0)
            break;
        got += (size_t) n;
    }
    if (got < total) {              /* the body ended early */
        PyObject *shorter = PyBytes_FromStringAndSize(PyBytes_AS_STRING(b), (Py_ssize_t) got);
        Py_DECREF(b);
        b = shorter;
    }
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

/*
 * Take up to limit bytes (-1: no limit) through the buffer, reading more
 * from the core as needed; with `line`, stop after the first newline.
 */
static PyObject *
take_upto(input_t *in, Py_ssize_t limit, int line)
{
    size_t scanned = 0;

    for (;;) {
        size_t      have = in->end - in->pos;
        size_t      upto = limit >= 0 && (size_t) limit < have ? (size_t) limit : have;
        const char *nl = NULL;
        Py_ssize_t  n;

        if (line && upto > scanned)
            nl = memchr(in->buf + in->pos + scanned, '\n', upto - scanned);
        if (nl != NULL)
            return take(in, (size_t) (nl - (in->buf + in->pos)) + 1);
        if (limit >= 0 && have >= (size_t) limit)
            return take(in, (size_t) limit);
        scanned = upto;
        n = fill(in);
        if (n < 0)
            return NULL;
        if (n == 0)
            return take(in, in->end - in->pos);
    }
}

static PyObject *
input_read(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    input_t    *in = (input_t *) self;
    Py_ssize_t  size;

    if (size_arg(args, nargs, "read", &size) < 0 || !valid(in))
        return NULL;
    if (size == 0)
        return PyBytes_FromStringAndSize(NULL, 0);
    if (size > 0 && in->end - in->pos >= (size_t) size)
        return take(in, (size_t) size);
    if (in->left >= 0)
        return read_known(in, size);
    return take_upto(in, size, 0);
}

static PyObject *
input_readline(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t limit;

    if (size_arg(args, nargs, "readline", &limit) < 0 || !valid((input_t *) self))
        return NULL;
    if (limit == 0)
        return PyBytes_FromStringAndSize(NULL, 0);
    return take_upto((input_t *) self, limit, 1);
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
        PyObject  *line = take_upto((input_t *) self, -1, 1);
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
    line = take_upto((input_t *) self, -1, 1);
    if (line != NULL && PyBytes_GET_SIZE(line) == 0)
        Py_CLEAR(line);             /* StopIteration */
    return line;
}

static void
input_dealloc(PyObject *self)
{
    free(((input_t *) self)->buf);
    PyObject_Free(self);
}

static PyMethodDef input_methods[] = {
    { "read", (PyCFunction) (void (*)(void)) input_read, METH_FASTCALL,
      "read([size]) -> bytes: size bytes, or fewer at the end of the body; all without size" },
    { "readline", (PyCFunction) (void (*)(void)) input_readline, METH_FASTCALL,
      "readline([size]) -> bytes: one line, with its newline" },
    { "readlines", (PyCFunction) (void (*)(void)) input_readlines, METH_FASTCALL,
      "readlines([hint]) -> list of lines" },
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
        in->buf = NULL;
        in->cap = 0;
    } else if (in->cap > KEEP_MAX) {
        free(in->buf);
        in->buf = NULL;
        in->cap = 0;
    }
    in->pc = pc;
    in->gen = pc->gen;
    in->r = r;
    in->pos = in->end = 0;
    in->eof = 0;
    if (r->flags & WEFT_REQ_CHUNKED_BODY)
        in->left = -1;
    else
        in->left = r->content_length > 0 ? r->content_length : 0;
    return (PyObject *) in;
}
