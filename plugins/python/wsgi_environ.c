/*
 * plugins/python/wsgi_environ.c - the WSGI environ of a request.
 *
 * A request's dict starts as a copy of a template holding everything that
 * does not change (wsgi.version, wsgi.errors ...), so those cost
 * one memcpy of the template's table.  The CGI variables follow: their names
 * come from a cache of interned strings (made once, their hashes computed
 * once), their values are decoded from latin-1 as PEP 3333 says.  Most
 * values repeat from one request to the next (the method, the protocol, the
 * server's name and port, the client's address, Host, User-Agent): the str
 * made last time at the same position is reused when its bytes match, which
 * saves an allocation per variable and keeps a thousand waiting requests
 * from holding a thousand copies of "HTTP/1.1".
 *
 * The request facts are the core's (weft_request_t): wsgi.url_scheme is
 * r->url_scheme, and the variables already carry SERVER_NAME, SERVER_PORT,
 * SCRIPT_NAME and PATH_INFO as the core split them (and no HTTP_PROXY), so
 * nothing here decides them.
 */
#include <string.h>

#include "python.h"

#define KEY_SLOTS  1024         /* open addressing, a power of two */
#define KEY_CACHE  512          /* at most this many names are kept: the
                                   rest (odd header names) are per request */

typedef struct {
    uint32_t    hash;
    uint32_t    len;
    const char *data;           /* the interned string's own bytes */
    PyObject   *str;
} key_slot_t;

#define POS_SLOTS  64           /* names remembered by their position */
#define VALUE_MAX  64           /* longer values are never reused */

static key_slot_t keys[KEY_SLOTS];
static unsigned   nkeys;
static PyObject  *by_pos[POS_SLOTS];    /* borrowed from keys[] */
static PyObject  *value_at_pos[POS_SLOTS];      /* owned */
static PyObject  *tmpl;
static PyObject  *k_input, *k_url_scheme, *s_https;

static const char *const common_keys[] = {
    "REQUEST_METHOD", "REQUEST_URI", "PATH_INFO", "QUERY_STRING", "SERVER_PROTOCOL",
    "SERVER_NAME", "SERVER_PORT", "REMOTE_ADDR", "REMOTE_PORT", "CONTENT_TYPE",
    "CONTENT_LENGTH", "SCRIPT_NAME", "DOCUMENT_ROOT", "HTTPS", "REQUEST_SCHEME",
    "HTTP_HOST", "HTTP_USER_AGENT", "HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING",
    "HTTP_ACCEPT_LANGUAGE", "HTTP_CONNECTION", "HTTP_COOKIE", "HTTP_REFERER",
    "HTTP_CACHE_CONTROL", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_REAL_IP", "HTTP_AUTHORIZATION", "HTTP_ORIGIN", "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE", "HTTP_UPGRADE_INSECURE_REQUESTS", "HTTP_DNT",
    "HTTP_PRAGMA", "HTTP_TRANSFER_ENCODING", "HTTP_EXPECT", "HTTP_RANGE",
};

static uint32_t
hash_of(const char *p, size_t n)
{
    uint32_t h = 2166136261u;           /* FNV-1a */

    while (n-- > 0)
        h = (h ^ (unsigned char) *p++) * 16777619u;
    return h;
}

/* The name as a str (a new reference), from the cache when it can be;
 * *cached says whether the cache keeps it. */
static PyObject *
key_for(const char *k, size_t len, int *cached)
{
    uint32_t  h = hash_of(k, len);
    unsigned  i = h & (KEY_SLOTS - 1);
    PyObject *s;

    while (keys[i].str != NULL) {
        if (keys[i].hash == h && keys[i].len == len && memcmp(keys[i].data, k, len) == 0) {
            Py_INCREF(keys[i].str);
            *cached = 1;
            return keys[i].str;
        }
        i = (i + 1) & (KEY_SLOTS - 1);
    }
    *cached = 0;
    s = PyUnicode_DecodeLatin1(k, (Py_ssize_t) len, NULL);
    if (s == NULL || nkeys >= KEY_CACHE)
        return s;
    PyUnicode_InternInPlace(&s);
    /* A latin-1 str keeps one byte per character: its data is the name. */
    keys[i].hash = h;
    keys[i].len = (uint32_t) len;
    keys[i].data = (const char *) PyUnicode_DATA(s);
    keys[i].str = s;
    nkeys++;
    *cached = 1;
    Py_INCREF(s);
    return s;
}

/*
 * The name of the i-th variable (a new reference).  Requests come with the
 * same variables in the same order, so the name at the same position last
 * time is tried first: one memcmp instead of hashing.
 */
static PyObject *
key_at(unsigned i, const weft_var_t *v)
{
    PyObject *k = i < POS_SLOTS ? by_pos[i] : NULL;
    int       cached;

    if (k != NULL && (size_t) PyUnicode_GET_LENGTH(k) == v->key_len
        && memcmp(PyUnicode_DATA(k), v->key, v->key_len) == 0) {
        Py_INCREF(k);
        return k;
    }
    k = key_for(v->key, v->key_len, &cached);
    if (k != NULL && cached && i < POS_SLOTS)
        by_pos[i] = k;
    return k;
}

/* The value of the i-th variable as a str (a new reference). */
static PyObject *
value_at(unsigned i, const weft_var_t *v)
{
    PyObject *last = i < POS_SLOTS ? value_at_pos[i] : NULL, *s;

    /* A latin-1 str keeps one byte per character: its data is the value. */
    if (last != NULL && (size_t) PyUnicode_GET_LENGTH(last) == v->value_len
        && memcmp(PyUnicode_DATA(last), v->value, v->value_len) == 0) {
        Py_INCREF(last);
        return last;
    }
    s = PyUnicode_DecodeLatin1(v->value, (Py_ssize_t) v->value_len, NULL);
    if (s != NULL && i < POS_SLOTS && v->value_len <= VALUE_MAX) {
        Py_INCREF(s);
        Py_XSETREF(value_at_pos[i], s);
    }
    return s;
}

/* Put key: value into the template; value is a new reference (stolen). */
static int
tmpl_put(const char *key, PyObject *value)
{
    int rc = value != NULL ? PyDict_SetItemString(tmpl, key, value) : -1;

    Py_XDECREF(value);
    return rc;
}

int
weft_py_environ_init(void)
{
    PyObject *errors = PySys_GetObject("stderr");       /* borrowed */
    size_t    i;

    for (i = 0; i < sizeof(common_keys) / sizeof(common_keys[0]); i++) {
        int       cached;
        PyObject *k = key_for(common_keys[i], strlen(common_keys[i]), &cached);

        if (k == NULL)
            goto fail;
        Py_DECREF(k);
    }
    k_input = PyUnicode_InternFromString("wsgi.input");
    k_url_scheme = PyUnicode_InternFromString("wsgi.url_scheme");
    s_https = PyUnicode_InternFromString("https");
    tmpl = PyDict_New();
    if (k_input == NULL || k_url_scheme == NULL || s_https == NULL || tmpl == NULL)
        goto fail;

    if (tmpl_put("wsgi.version", Py_BuildValue("(ii)", 1, 0)) < 0
        || tmpl_put("wsgi.url_scheme", PyUnicode_InternFromString("http")) < 0
        || PyDict_SetItemString(tmpl, "wsgi.errors", errors ? errors : Py_None) < 0
        || PyDict_SetItemString(tmpl, "wsgi.multithread", Py_False) < 0
        || PyDict_SetItemString(tmpl, "wsgi.multiprocess",
                                weft_py_api->worker_count() > 1 ? Py_True : Py_False) < 0
        || PyDict_SetItemString(tmpl, "wsgi.run_once", Py_False) < 0
        || PyDict_SetItemString(tmpl, "wsgi.input_terminated", Py_True) < 0
        || PyDict_SetItemString(tmpl, "wsgi.file_wrapper",
                                (PyObject *) &weft_py_file_wrapper_type) < 0)
        goto fail;
    return WEFT_OK;

fail:
    weft_py_log_exception(WEFT_LOG_ERROR, "python: cannot prepare the WSGI environ");
    return WEFT_ERROR;
}

void
weft_py_environ_exit(void)
{
    unsigned i;

    memset(by_pos, 0, sizeof(by_pos));
    for (i = 0; i < POS_SLOTS; i++)
        Py_CLEAR(value_at_pos[i]);
    for (i = 0; i < KEY_SLOTS; i++)
        Py_CLEAR(keys[i].str);
    nkeys = 0;
    Py_CLEAR(tmpl);
    Py_CLEAR(k_input);
    Py_CLEAR(k_url_scheme);
    Py_CLEAR(s_https);
}

PyObject *
weft_py_environ(weft_py_core_t *pc, weft_request_t *r)
{
    PyObject *env = PyDict_Copy(tmpl), *input;
    unsigned  i;

    if (env == NULL)
        return NULL;
    input = weft_py_input_for(pc, r);
    if (input == NULL || PyDict_SetItem(env, k_input, input) < 0)
        goto fail;
    /* The template says "http"; the core's scheme is one of the two. */
    if (r->url_scheme.len == 5 && PyDict_SetItem(env, k_url_scheme, s_https) < 0)
        goto fail;

    for (i = 0; i < r->nvars; i++) {
        const weft_var_t *v = &r->vars[i];
        PyObject         *k, *val;
        int               rc;

        k = key_at(i, v);
        if (k == NULL)
            goto fail;
        val = value_at(i, v);
        if (val == NULL) {
            Py_DECREF(k);
            goto fail;
        }
        rc = PyDict_SetItem(env, k, val);
        Py_DECREF(k);
        Py_DECREF(val);
        if (rc < 0)
            goto fail;
    }
    return env;

fail:
    Py_DECREF(env);
    return NULL;
}

/* --threads: environ says wsgi.multithread from now on (with the GIL, before
 * the worker's first request). */
void
weft_py_environ_multithread(void)
{
    if (tmpl != NULL && PyDict_SetItemString(tmpl, "wsgi.multithread", Py_True) < 0)
        PyErr_Clear();
}
