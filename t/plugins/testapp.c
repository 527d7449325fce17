/*
 * t/plugins/testapp.c - a language plugin in C for the request engine's
 * tests: it answers, sleeps, waits on fds, streams and echoes, chosen by
 * the path and the query string.  It uses only the SDK.
 *
 *   /hello                  "Hello, World!" with a Content-Length
 *   /sleep?s=1.5            api->sleep (suspends the core)
 *   /sleep-yield?s=1        uWSGI's pattern: watch_timer, return AGAIN
 *   /suspend-wait?s=1       watch_timer, then suspend()
 *   /waitfd?timeout=0.2     wait on a pipe nobody writes: "timeout"
 *   /waitfd-ready           a pipe with a byte in it: "ready"
 *   /stream?n=100&size=10   n chunks, returning AGAIN after each
 *   /echo                   the request body back, with its length
 *   /big?size=N             N bytes in one write
 *   /file?size=N            N bytes of a temporary file via sendfile
 *   /vars                   every CGI variable, KEY=VALUE per line
 *   /status?code=404        that status, no body
 *   /error                  request() fails before any output
 *   /error-mid              fails after part of the body
 *   /overflow               recurses until the stack runs out
 *   /ids                    "worker W core C"
 *   /pid                    the worker's pid
 *
 * With WEFT_TESTAPP_FAIL_WORKER=1 in the environment, every worker fails
 * to start (for the master's respawn backoff).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <weft/weft.h>

static const weft_api_t *api;

typedef struct {
    int    step;
    long   n;
    int    fds[2];
} testapp_ctx_t;

static int
path_is(weft_request_t *r, const char *p)
{
    return r->path_info.len == strlen(p) && memcmp(r->path_info.data, p, r->path_info.len) == 0;
}

/* The value of key in the query string, or def. */
static double
qnum(weft_request_t *r, const char *key, double def)
{
    const char *q = r->query_string.data, *end = q + r->query_string.len;
    size_t      kl = strlen(key);

    while (q < end) {
        const char *amp = memchr(q, '&', (size_t) (end - q));
        const char *stop = amp ? amp : end;
        if ((size_t) (stop - q) > kl && memcmp(q, key, kl) == 0 && q[kl] == '=') {
            char buf[64];
            size_t n = (size_t) (stop - q - (ptrdiff_t) kl - 1);
            if (n >= sizeof(buf))
                n = sizeof(buf) - 1;
            memcpy(buf, q + kl + 1, n);
            buf[n] = '\0';
            return atof(buf);
        }
        q = stop + 1;
    }
    return def;
}

static int
reply(weft_request_t *r, const char *status, const char *body)
{
    char len[32];

    snprintf(len, sizeof(len), "%zu", strlen(body));
    api->set_status(r, status, strlen(status));
    api->add_header(r, "Content-Type", 12, "text/plain", 10);
    api->add_header(r, "Content-Length", 14, len, strlen(len));
    return api->write(r, body, strlen(body)) == WEFT_OK ? WEFT_OK : WEFT_ERROR;
}

static testapp_ctx_t *
ctx_of(weft_request_t *r)
{
    if (r->ctx == NULL) {
        r->ctx = calloc(1, sizeof(testapp_ctx_t));
        ((testapp_ctx_t *) r->ctx)->fds[0] = ((testapp_ctx_t *) r->ctx)->fds[1] = -1;
    }
    return r->ctx;
}

static int
do_echo(weft_request_t *r)
{
    char   *body = NULL;
    size_t  len = 0, cap = 0;
    char    n[32];

    for (;;) {
        ssize_t got;
        if (cap - len < 65536) {
            char *b = realloc(body, cap + 65536);
            if (b == NULL) {
                free(body);
                return WEFT_ERROR;
            }
            body = b;
            cap += 65536;
        }
        got = api->read_body(r, body + len, cap - len);
        if (got < 0) {
            free(body);
            return WEFT_ERROR;
        }
        if (got == 0)
            break;
        len += (size_t) got;
    }
    snprintf(n, sizeof(n), "%zu", len);
    api->add_header(r, "Content-Length", 14, n, strlen(n));
    api->add_header(r, "X-Chunked-Upload", 16,
                    (r->flags & WEFT_REQ_CHUNKED_BODY) ? "yes" : "no",
                    (r->flags & WEFT_REQ_CHUNKED_BODY) ? 3 : 2);
    api->write(r, body, len);
    free(body);
    return WEFT_OK;
}

static int
do_vars(weft_request_t *r)
{
    unsigned i;

    api->add_header(r, "Content-Type", 12, "text/plain", 10);
    for (i = 0; i < r->nvars; i++) {
        api->write(r, r->vars[i].key, r->vars[i].key_len);
        api->write(r, "=", 1);
        api->write(r, r->vars[i].value, r->vars[i].value_len);
        api->write(r, "\n", 1);
    }
    return WEFT_OK;
}

static int
do_big(weft_request_t *r)
{
    size_t size = (size_t) qnum(r, "size", 1 << 20);
    char  *buf = malloc(size ? size : 1);
    char   n[32];
    int    rc;
    size_t i;

    if (buf == NULL)
        return WEFT_ERROR;
    for (i = 0; i < size; i++)
        buf[i] = (char) ('a' + i % 26);
    snprintf(n, sizeof(n), "%zu", size);
    api->add_header(r, "Content-Length", 14, n, strlen(n));
    rc = api->write(r, buf, size);
    free(buf);
    return rc;
}

static int
do_file(weft_request_t *r)
{
    size_t size = (size_t) qnum(r, "size", 1 << 20);
    char   path[] = "/tmp/weft-testapp-XXXXXX";
    int    fd = mkstemp(path);
    char   block[4096];
    size_t i, done = 0;
    int    rc;

    if (fd < 0)
        return WEFT_ERROR;
    unlink(path);
    for (i = 0; i < sizeof(block); i++)
        block[i] = (char) ('a' + i % 26);
    while (done < size) {
        size_t k = size - done < sizeof(block) ? size - done : sizeof(block);
        if (write(fd, block, k) != (ssize_t) k) {
            close(fd);
            return WEFT_ERROR;
        }
        done += k;
    }
    if (qnum(r, "length", 1) != 0) {
        char n[32];
        snprintf(n, sizeof(n), "%zu", size);
        api->add_header(r, "Content-Length", 14, n, strlen(n));
    }
    rc = api->sendfile(r, fd, 0, -1);
    close(fd);
    return rc;
}

static int recurse_depth;

static int __attribute__((noinline))
recurse(int n)
{
    volatile char pad[1024];
    pad[0] = (char) n;
    pad[1023] = pad[0];
    recurse_depth = n;
    return n > 1000000 ? pad[1023] : recurse(n + 1) + pad[512];
}

static int
testapp_request(weft_request_t *r)
{
    testapp_ctx_t *x;

    if (path_is(r, "/hello"))
        return reply(r, "200 OK", "Hello, World!");

    if (path_is(r, "/sleep")) {
        if (api->sleep(r, qnum(r, "s", 1)) != WEFT_OK)
            return WEFT_ERROR;
        return reply(r, "200 OK", "slept");
    }

    if (path_is(r, "/sleep-yield")) {
        x = ctx_of(r);
        if (x->step++ == 0) {
            api->watch_timer(r, qnum(r, "s", 1));
            return WEFT_AGAIN;
        }
        return reply(r, "200 OK", api->timed_out(r) ? "slept (timer)" : "woken early");
    }

    if (path_is(r, "/suspend-wait")) {
        api->watch_timer(r, qnum(r, "s", 1));
        if (api->suspend(r) != WEFT_OK)
            return WEFT_ERROR;
        return reply(r, "200 OK", api->timed_out(r) ? "timer fired" : "woken early");
    }

    if (path_is(r, "/waitfd") || path_is(r, "/waitfd-ready")) {
        int rc, fds[2];
        if (pipe(fds) != 0)
            return WEFT_ERROR;
        if (path_is(r, "/waitfd-ready") && write(fds[1], "x", 1) != 1)
            return WEFT_ERROR;
        rc = api->wait_fd(r, fds[0], WEFT_READ, qnum(r, "timeout", 5));
        close(fds[0]);
        close(fds[1]);
        if (rc == WEFT_ERROR)
            return WEFT_ERROR;
        return reply(r, "200 OK", rc == WEFT_TIMEOUT ? "timeout" : "ready");
    }

    if (path_is(r, "/stream")) {
        long n = (long) qnum(r, "n", 100), size = (long) qnum(r, "size", 10);
        char chunk[4096];
        x = ctx_of(r);
        if (size > (long) sizeof(chunk))
            size = sizeof(chunk);
        memset(chunk, 'x', (size_t) size);
        if (x->n < n) {
            if (api->write(r, chunk, (size_t) size) != WEFT_OK)
                return WEFT_ERROR;
            x->n++;
            return WEFT_AGAIN;      /* each chunk is a switch point */
        }
        return WEFT_OK;
    }

    if (path_is(r, "/echo"))
        return do_echo(r);
    if (path_is(r, "/big"))
        return do_big(r);
    if (path_is(r, "/file"))
        return do_file(r);
    if (path_is(r, "/vars"))
        return do_vars(r);

    if (path_is(r, "/status")) {
        char s[16];
        snprintf(s, sizeof(s), "%d Custom", (int) qnum(r, "code", 200));
        api->set_status(r, s, strlen(s));
        return WEFT_OK;
    }

    if (path_is(r, "/error"))
        return WEFT_ERROR;

    if (path_is(r, "/error-mid")) {
        api->add_header(r, "Content-Length", 14, "100000", 6);
        api->write(r, "partial", 7);
        api->sleep(r, 0.01);        /* let the partial body go out */
        return WEFT_ERROR;
    }

    if (path_is(r, "/overflow"))
        return recurse(1) ? WEFT_OK : WEFT_ERROR;

    if (path_is(r, "/pid")) {
        char body[32];
        snprintf(body, sizeof(body), "%ld", (long) getpid());
        return reply(r, "200 OK", body);
    }

    if (path_is(r, "/ids")) {
        char body[64];
        snprintf(body, sizeof(body), "worker %u core %u", api->worker_id(), r->core->id);
        return reply(r, "200 OK", body);
    }

    return reply(r, "404 Not Found", "no such test");
}

static void
testapp_request_done(weft_request_t *r)
{
    free(r->ctx);
    r->ctx = NULL;
}

static int
testapp_worker_init(unsigned id)
{
    const char *fail = getenv("WEFT_TESTAPP_FAIL_WORKER");

    if (fail != NULL && fail[0] == '1') {
        api->log(WEFT_LOG_ERROR, "testapp: worker %u refuses to start, as asked", id);
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

static const weft_language_t testapp_language = {
    .size = sizeof(weft_language_t),
    .name = "testapp",
    .modifier1 = 99,
    .worker_init = testapp_worker_init,
    .request = testapp_request,
    .request_done = testapp_request_done,
};

static int
testapp_init(const weft_api_t *a)
{
    api = a;
    return api->register_language(&testapp_language);
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .flags = WEFT_PLUGIN_LANGUAGE,
    .name = "testapp",
    .version = "1.0",
    .summary = "the request engine's test language",
    .init = testapp_init,
};
