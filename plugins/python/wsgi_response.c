/*
 * plugins/python/wsgi_response.c - start_response, write, wsgi.file_wrapper
 * and the response body (PEP 3333).
 *
 * start_response() checks the status and headers at once, so the app gets
 * the error, and keeps them; they go to the core (api->set_status,
 * api->add_header, straight from the strings' latin-1 bytes) with the first
 * non-empty body chunk, or when the body ends empty.  Until then another
 * call with exc_info may replace them.
 *
 * The body:
 *  - a list or tuple of bytes (most apps) is written whole, with a
 *    Content-Length when the app gave none;
 *  - a wsgi.file_wrapper over a regular file goes out with api->sendfile_fd;
 *  - anything else is iterated.  In async mode (more than one core) each
 *    chunk of an iterator is a switch point: request() returns WEFT_AGAIN
 *    after writing it and the core calls it again on the next loop turn, or
 *    once the waits the app registered fire (weft.wait_fd_read and friends
 *    followed by `yield b''`).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "python.h"

/* start_response and write: callables bound to one core and one request. */
typedef struct {
    PyObject_HEAD
    vectorcallfunc  vectorcall;
    weft_py_core_t *pc;
    uint64_t        gen;
} bound_t;

typedef struct {
    PyObject_HEAD
    PyObject   *filelike;
    Py_ssize_t  blksize;
} file_wrapper_t;

static PyTypeObject start_response_type, write_type;
static PyObject    *s_close, *s_tell, *s_read;
static int          async_mode;
static int          warned_str;

/* ------------------------------------------------------------ checks */

/* s as latin-1 bytes (PEP 3333's "native strings"); NULL with an error. */
static const char *
latin1(PyObject *s, Py_ssize_t *len, const char *what)
{
    if (!PyUnicode_Check(s)) {
        PyErr_Format(PyExc_TypeError, "%s must be a str, not %s", what, Py_TYPE(s)->tp_name);
        return NULL;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(s) < 0)
        return NULL;
#endif
    if (PyUnicode_KIND(s) != PyUnicode_1BYTE_KIND) {
        PyErr_Format(PyExc_ValueError, "%s must be latin-1: %R", what, s);
        return NULL;
    }
    *len = PyUnicode_GET_LENGTH(s);
    return (const char *) PyUnicode_DATA(s);
}

/* PEP 3333's "200 OK": the core's status rule, with the reason phrase
 * WSGI requires (a bare "200" is refused). */
static int
check_status(PyObject *status)
{
    Py_ssize_t  n;
    const char *s = latin1(status, &n, "the status");

    if (s == NULL)
        return -1;
    if (n < 4 || s[3] != ' ' || weft_py_api->parse_status(s, (size_t) n) < 0) {
        PyErr_Format(PyExc_ValueError, "the status must be like '200 OK', not %R", status);
        return -1;
    }
    return 0;
}

/* One (name, value) header: its bytes, or -1 with an error.  Without
 * `chars` only the types are checked (the core checks what it must). */
static int
header_item(PyObject *item, int chars, const char **name, Py_ssize_t *nlen,
            const char **value, Py_ssize_t *vlen)
{
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
        PyErr_Format(PyExc_TypeError, "a header must be a (name, value) tuple, not %R", item);
        return -1;
    }
    *name = latin1(PyTuple_GET_ITEM(item, 0), nlen, "a header name");
    if (*name == NULL)
        return -1;
    *value = latin1(PyTuple_GET_ITEM(item, 1), vlen, "a header value");
    if (*value == NULL)
        return -1;
    if (!chars || (weft_py_api->valid_header_name(*name, (size_t) *nlen)
                   && weft_py_api->valid_header_value(*value, (size_t) *vlen)))
        return 0;
    PyErr_Format(PyExc_ValueError, "invalid header %R", item);
    return -1;
}

static int
check_headers(PyObject *headers)
{
    Py_ssize_t i;

    if (!PyList_Check(headers) && !PyTuple_Check(headers)) {
        PyErr_Format(PyExc_TypeError, "the headers must be a list of (name, value) tuples, not %s",
                     Py_TYPE(headers)->tp_name);
        return -1;
    }
    for (i = 0; i < PySequence_Fast_GET_SIZE(headers); i++) {
        const char *n, *v;
        Py_ssize_t  nl, vl;

        if (header_item(PySequence_Fast_GET_ITEM(headers, i), 1, &n, &nl, &v, &vl) < 0)
            return -1;
    }
    return 0;
}

/*
 * Give the status and headers to the core, once; with a Content-Length of
 * `length` (api->set_content_length) if the app gave none, length >= 0 and
 * the response has a body.  -1 with an error set.
 */
static int
push_head(weft_py_core_t *pc, weft_request_t *r, int64_t length)
{
    const weft_api_t *api = weft_py_api;
    const char       *s;
    Py_ssize_t        n, i;

    if (pc->headers_out)
        return 0;
    if (!pc->started) {
        PyErr_SetString(PyExc_RuntimeError, "the app sent a body before calling start_response()");
        return -1;
    }
    /* Checked by start_response(); the types are checked again below in
     * case the app changed the list since. */
    s = latin1(pc->status, &n, "the status");
    if (s == NULL)
        return -1;
    if (api->set_status(r, s, (size_t) n) != WEFT_OK) {
        PyErr_Format(PyExc_ValueError, "invalid status %R", pc->status);
        return -1;
    }
    if (!api->status_has_body(r, r->status))
        length = -1;                /* no body: HEAD gets its length from the core */
    for (i = 0; i < PySequence_Fast_GET_SIZE(pc->headers); i++) {
        PyObject   *item = PySequence_Fast_GET_ITEM(pc->headers, i);
        const char *name, *value;
        Py_ssize_t  nl, vl;

        if (header_item(item, 0, &name, &nl, &value, &vl) < 0)
            return -1;
        if (nl == 14 && strncasecmp(name, "content-length", 14) == 0)
            pc->has_length = 1;
        if (api->add_header(r, name, (size_t) nl, value, (size_t) vl) != WEFT_OK) {
            PyErr_Format(PyExc_ValueError, "invalid header %R", item);
            return -1;
        }
    }
    if (!pc->has_length && length >= 0)
        api->set_content_length(r, (uint64_t) length);
    pc->headers_out = 1;
    return 0;
}

/* Write body bytes: 0, or -1 with an error set. */
static int
write_body(weft_py_core_t *pc, weft_request_t *r, const char *p, Py_ssize_t n)
{
    if (n == 0)
        return 0;
    if (push_head(pc, r, -1) < 0)
        return -1;
    if (weft_py_api->write(r, p, (size_t) n) != WEFT_OK) {
        pc->aborted = 1;
        PyErr_SetString(PyExc_OSError, "weft: the client went away");
        return -1;
    }
    return 0;
}

/* One chunk from the app's iterable. */
static int
write_chunk(weft_py_core_t *pc, weft_request_t *r, PyObject *chunk)
{
    Py_buffer view;
    int       rc;

    if (PyBytes_Check(chunk))
        return write_body(pc, r, PyBytes_AS_STRING(chunk), PyBytes_GET_SIZE(chunk));
    if (PyUnicode_Check(chunk)) {
        /* PEP 3333 wants bytes; uWSGI's examples yield str, so take it. */
        Py_ssize_t  n;
        const char *s = PyUnicode_AsUTF8AndSize(chunk, &n);

        if (s == NULL)
            return -1;
        if (n > 0 && !warned_str) {
            warned_str = 1;
            weft_py_api->log(WEFT_LOG_WARN, "python: the app yields str, not bytes (sent as UTF-8; WSGI wants bytes)");
        }
        return write_body(pc, r, s, n);
    }
    if (PyObject_GetBuffer(chunk, &view, PyBUF_SIMPLE) < 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "the app's iterable yielded %s; WSGI wants bytes",
                     Py_TYPE(chunk)->tp_name);
        return -1;
    }
    rc = write_body(pc, r, view.buf, view.len);
    PyBuffer_Release(&view);
    return rc;
}

/* ------------------------------------------------------------ start_response */

static int
bound_valid(bound_t *b, const char *what)
{
    if (b->gen != b->pc->gen || b->pc->r == NULL) {
        PyErr_Format(PyExc_RuntimeError, "%s() of a finished request", what);
        return 0;
    }
    return 1;
}

static PyObject *
start_response_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    bound_t        *b = (bound_t *) self;
    weft_py_core_t *pc = b->pc;
    Py_ssize_t      nargs = PyVectorcall_NARGS(nargsf);
    PyObject       *status, *headers, *exc_info = NULL;

    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0) {
        if (PyTuple_GET_SIZE(kwnames) != 1 || nargs != 2
            || !PyUnicode_Check(PyTuple_GET_ITEM(kwnames, 0))
            || PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "exc_info") != 0) {
            PyErr_SetString(PyExc_TypeError, "start_response(status, headers, exc_info=None)");
            return NULL;
        }
        exc_info = args[2];
    } else if (nargs == 3) {
        exc_info = args[2];
    } else if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "start_response() takes 2 or 3 arguments (%zd given)", nargs);
        return NULL;
    }
    if (!bound_valid(b, "start_response"))
        return NULL;
    status = args[0];
    headers = args[1];

    if (exc_info != NULL && exc_info != Py_None) {
        if (!PyTuple_Check(exc_info) || PyTuple_GET_SIZE(exc_info) != 3) {
            PyErr_SetString(PyExc_TypeError, "exc_info must be a (type, value, traceback) tuple");
            return NULL;
        }
        if (pc->headers_out) {
            /* Too late to change the response: raise the app's error. */
            PyObject *t = PyTuple_GET_ITEM(exc_info, 0), *v = PyTuple_GET_ITEM(exc_info, 1);
            PyObject *tb = PyTuple_GET_ITEM(exc_info, 2);
            Py_INCREF(t);
            Py_INCREF(v);
            if (tb == Py_None)
                tb = NULL;
            Py_XINCREF(tb);
            PyErr_Restore(t, v, tb);
            return NULL;
        }
    } else if (pc->started) {
        PyErr_SetString(PyExc_RuntimeError,
                        "start_response() was already called (pass exc_info to replace the response)");
        return NULL;
    }
    if (check_status(status) < 0 || check_headers(headers) < 0)
        return NULL;
    Py_INCREF(status);
    Py_XSETREF(pc->status, status);
    Py_INCREF(headers);
    Py_XSETREF(pc->headers, headers);
    pc->started = 1;
    Py_INCREF(pc->write);
    return pc->write;
}

static PyObject *
write_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    bound_t   *b = (bound_t *) self;
    Py_buffer  view;
    int        rc;

    if (PyVectorcall_NARGS(nargsf) != 1 || (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0)) {
        PyErr_SetString(PyExc_TypeError, "write(data) takes one argument");
        return NULL;
    }
    if (!bound_valid(b, "write"))
        return NULL;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    rc = write_body(b->pc, b->pc->r, view.buf, view.len);
    PyBuffer_Release(&view);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static void
bound_dealloc(PyObject *self)
{
    PyObject_Free(self);
}

static PyTypeObject start_response_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "weft.StartResponse",
    .tp_basicsize = sizeof(bound_t),
    .tp_dealloc = bound_dealloc,
    .tp_vectorcall_offset = offsetof(bound_t, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "start_response(status, headers, exc_info=None) -> write",
};

static PyTypeObject write_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "weft.Write",
    .tp_basicsize = sizeof(bound_t),
    .tp_dealloc = bound_dealloc,
    .tp_vectorcall_offset = offsetof(bound_t, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "write(data): send body bytes now",
};

/* The core's object of type t for this request: reused unless the app kept
 * the previous one. */
static int
bind(PyObject **slot, PyTypeObject *t, vectorcallfunc call, weft_py_core_t *pc)
{
    bound_t *b = (bound_t *) *slot;

    if (b == NULL || Py_REFCNT(b) > 1) {
        Py_XDECREF(*slot);
        b = PyObject_New(bound_t, t);
        *slot = (PyObject *) b;
        if (b == NULL)
            return -1;
        b->vectorcall = call;
        b->pc = pc;
    }
    b->gen = pc->gen;
    return 0;
}

PyObject *
weft_py_start_response_for(weft_py_core_t *pc)
{
    if (bind(&pc->write, &write_type, write_call, pc) < 0
        || bind(&pc->start_response, &start_response_type, start_response_call, pc) < 0)
        return NULL;
    return pc->start_response;
}

/* ------------------------------------------------------------ wsgi.file_wrapper */

static PyObject *
fw_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char    *names[] = { "filelike", "block_size", NULL };
    PyObject       *filelike;
    Py_ssize_t      blksize = 8192;
    file_wrapper_t *fw;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|n:file_wrapper", names, &filelike, &blksize))
        return NULL;
    fw = (file_wrapper_t *) type->tp_alloc(type, 0);
    if (fw == NULL)
        return NULL;
    Py_INCREF(filelike);
    fw->filelike = filelike;
    fw->blksize = blksize > 0 ? blksize : 8192;
    return (PyObject *) fw;
}

static PyObject *
fw_next(PyObject *self)
{
    file_wrapper_t *fw = (file_wrapper_t *) self;
    PyObject       *size = PyLong_FromSsize_t(fw->blksize), *data;

    if (size == NULL)
        return NULL;
    data = PyObject_CallMethodObjArgs(fw->filelike, s_read, size, NULL);
    Py_DECREF(size);
    if (data != NULL && PyObject_Length(data) == 0)
        Py_CLEAR(data);             /* the end: StopIteration */
    return data;
}

static PyObject *
fw_close(PyObject *self, PyObject *unused)
{
    file_wrapper_t *fw = (file_wrapper_t *) self;
    PyObject       *rv;

    if (!PyObject_HasAttr(fw->filelike, s_close))
        Py_RETURN_NONE;
    rv = PyObject_CallMethodObjArgs(fw->filelike, s_close, NULL);
    if (rv == NULL)
        return NULL;
    Py_DECREF(rv);
    Py_RETURN_NONE;
}

static int
fw_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(((file_wrapper_t *) self)->filelike);
    return 0;
}

static int
fw_clear(PyObject *self)
{
    Py_CLEAR(((file_wrapper_t *) self)->filelike);
    return 0;
}

static void
fw_dealloc(PyObject *self)
{
    PyObject_GC_UnTrack(self);
    fw_clear(self);
    Py_TYPE(self)->tp_free(self);
}

static PyMethodDef fw_methods[] = {
    { "close", fw_close, METH_NOARGS, "close the wrapped file" },
    { NULL, NULL, 0, NULL }
};

PyTypeObject weft_py_file_wrapper_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "weft.FileWrapper",
    .tp_basicsize = sizeof(file_wrapper_t),
    .tp_dealloc = fw_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "wsgi.file_wrapper(filelike, block_size=8192): a file served with sendfile(2)",
    .tp_traverse = fw_traverse,
    .tp_clear = fw_clear,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = fw_next,
    .tp_methods = fw_methods,
    .tp_new = fw_new,
};

/* ------------------------------------------------------------ the body */

/* A list or tuple of bytes, written whole.  WEFT_DECLINED if it holds
 * anything else (it is then iterated). */
/*
 * A list body's bytes go to the core by reference (api->write_ref), so a
 * slow client costs no copy and holds no core once the list is handed over.
 * Each item is INCREF'd for the core; the core calls release_item() once it
 * has sent it, or when the connection dies -- often from the loop, after
 * request_done(), with no Python code running and the GIL held by no one,
 * or by another core's greenlet.  Taking the GIL there would be a different
 * dance in each mode of tstate.c (a per-core thread state of a suspended
 * core, the engine's hold under greenlet and gevent), and a mistake
 * deadlocks or corrupts a thread state.  So release_item() touches no
 * Python at all: it links the item onto `released` (the node was allocated
 * with the write), and drain_released() DECREFs the list the next time this
 * plugin holds the GIL (the next list body, and every request's end).  The
 * list is per serving thread (--threads): a connection lives on one
 * thread, which releases and drains its items; the app's own threads never
 * see it.
 */
typedef struct released_s released_t;
struct released_s {
    released_t *next;
    PyObject   *item;
};

static WEFT_PY_TLS released_t *released;

static void
release_item(void *arg)
{
    released_t *node = arg;

    node->next = released;
    released = node;
}

/* With the GIL: drop the references the core gave back. */
static void
drain_released(void)
{
    while (released != NULL) {
        released_t *node = released;

        released = node->next;
        Py_DECREF(node->item);
        PyMem_RawFree(node);
    }
}

void
weft_py_response_thread_exit(void)
{
    drain_released();
}

/* Items smaller than this are copied: a copy costs less than the two
 * allocations a reference takes (and "Hello, world" pays nothing). */
#define REF_MIN 4096

/* One bytes item of a list body, by reference when the core can keep it. */
static int
write_item(weft_py_core_t *pc, weft_request_t *r, PyObject *item)
{
    released_t *node;

    if (PyBytes_GET_SIZE(item) < REF_MIN || weft_py_api->write_ref == NULL)
        return write_body(pc, r, PyBytes_AS_STRING(item), PyBytes_GET_SIZE(item));
    if (push_head(pc, r, -1) < 0)
        return -1;
    node = PyMem_RawMalloc(sizeof(*node));
    if (node == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_INCREF(item);
    node->item = item;
    if (weft_py_api->write_ref(r, PyBytes_AS_STRING(item), (size_t) PyBytes_GET_SIZE(item),
                               release_item, node) != WEFT_OK) {
        /* Not taken: no release will come. */
        Py_DECREF(item);
        PyMem_RawFree(node);
        pc->aborted = 1;
        PyErr_SetString(PyExc_OSError, "weft: the client went away");
        return -1;
    }
    return 0;
}

static int
send_sequence(weft_py_core_t *pc, weft_request_t *r, PyObject *seq)
{
    Py_ssize_t i, n = PySequence_Fast_GET_SIZE(seq);
    int64_t    total = 0;

    drain_released();

    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyBytes_Check(item))
            return WEFT_DECLINED;
        total += PyBytes_GET_SIZE(item);
    }
    if (push_head(pc, r, total) < 0)
        return WEFT_ERROR;
    /* Writing may suspend this core: look the items up afresh each time. */
    for (i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        int       rc;

        if (!PyBytes_Check(item))
            continue;
        Py_INCREF(item);
        rc = write_item(pc, r, item);
        Py_DECREF(item);
        if (rc < 0)
            return WEFT_ERROR;
    }
    return WEFT_OK;
}

/*
 * A file_wrapper over a regular file: api->sendfile_fd from where the app
 * left it (tell() knows about the file object's read buffer; without it the
 * fd's own offset), with the rest's length unless the app gave one.
 * WEFT_DECLINED when the wrapped object has no fd or the fd is no regular
 * file (a pipe, a socket): it is then read like any iterable.
 */
static int
send_file(weft_py_core_t *pc, weft_request_t *r, PyObject *res)
{
    file_wrapper_t *fw = (file_wrapper_t *) res;
    PyObject       *pos;
    int64_t         offset = -1;
    int             fd, rc;

    fd = PyObject_AsFileDescriptor(fw->filelike);
    if (fd < 0) {
        PyErr_Clear();
        return WEFT_DECLINED;
    }
    pos = PyObject_CallMethodObjArgs(fw->filelike, s_tell, NULL);
    if (pos != NULL) {
        offset = PyLong_AsLongLong(pos);
        Py_DECREF(pos);
    }
    if (offset < 0) {
        PyErr_Clear();
        offset = -1;
    }
    if (push_head(pc, r, -1) < 0)
        return WEFT_ERROR;
    rc = weft_py_api->sendfile_fd(r, fd, offset);
    if (rc == WEFT_ERROR) {
        pc->aborted = 1;
        PyErr_SetString(PyExc_OSError, "weft: the client went away");
    }
    return rc;
}

int
weft_py_respond(weft_py_core_t *pc, weft_request_t *r)
{
    PyObject *chunk;
    int       rc;

    if (pc->iter == NULL) {
        PyObject *res = pc->result;

        rc = WEFT_DECLINED;
        if (PyList_CheckExact(res) || PyTuple_CheckExact(res))
            rc = send_sequence(pc, r, res);
        else if (Py_TYPE(res) == &weft_py_file_wrapper_type)
            rc = send_file(pc, r, res);
        else
            pc->streaming = 1;
        if (rc == WEFT_ERROR)
            goto fail;
        if (rc == WEFT_OK)
            return WEFT_OK;
        pc->iter = PyObject_GetIter(res);
        if (pc->iter == NULL)
            goto fail;
    }

    for (;;) {
        chunk = PyIter_Next(pc->iter);
        if (chunk == NULL) {
            if (PyErr_Occurred())
                goto fail;
            break;
        }
        rc = write_chunk(pc, r, chunk);
        Py_DECREF(chunk);
        if (rc < 0)
            goto fail;
        if (pc->waits || (pc->streaming && async_mode)) {
            pc->waits = 0;
            return WEFT_AGAIN;      /* a switch point */
        }
    }
    /* An empty body: the head goes now; the core adds the length. */
    if (push_head(pc, r, -1) < 0)
        goto fail;
    return WEFT_OK;

fail:
    weft_py_log_request_exception(r, "the app failed");
    return WEFT_ERROR;
}

void
weft_py_response_done(weft_py_core_t *pc)
{
    PyObject *res = pc->result;

    drain_released();
    if (res != NULL && !PyList_CheckExact(res) && !PyTuple_CheckExact(res)) {
        PyObject *close = PyObject_GetAttr(res, s_close);

        if (close == NULL) {
            PyErr_Clear();
        } else {
            PyObject *rv = PyObject_CallNoArgs(close);
            Py_DECREF(close);
            if (rv == NULL)
                weft_py_log_request_exception(pc->r, "the app's close() failed");
            Py_XDECREF(rv);
        }
    }
    Py_CLEAR(pc->iter);
    Py_CLEAR(pc->result);
    Py_CLEAR(pc->status);
    Py_CLEAR(pc->headers);
    pc->started = pc->headers_out = pc->has_length = pc->streaming = pc->waits = 0;
    pc->aborted = 0;
}

int
weft_py_response_init(void)
{
    async_mode = weft_py_api->core_count() > 1;
    s_close = PyUnicode_InternFromString("close");
    s_tell = PyUnicode_InternFromString("tell");
    s_read = PyUnicode_InternFromString("read");
    if (s_close == NULL || s_tell == NULL || s_read == NULL
        || PyType_Ready(&start_response_type) < 0 || PyType_Ready(&write_type) < 0
        || PyType_Ready(&weft_py_file_wrapper_type) < 0) {
        weft_py_log_exception(WEFT_LOG_ERROR, "python: cannot make the WSGI types");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}
