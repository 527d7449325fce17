/*
 * t/fuzz/conn_driver.c - see conn_driver.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <weft/status.h>
#include "conf.h"
#include "conn.h"
#include "proto.h"
#include "request.h"

#include "conn_driver.h"
#include "fuzz.h"

#define MAX_REQUESTS 8
#define PIPE_ROOM    65536          /* a pipe's default capacity */

/* What a run saw, as text, to compare the two runs. */
typedef struct {
    char   *p;
    size_t  n, cap;
} digest_t;

static void
put(digest_t *d, const void *s, size_t n)
{
    if (d->n + n > d->cap) {
        size_t cap = d->cap ? d->cap : 4096;
        while (cap < d->n + n)
            cap *= 2;
        d->p = realloc(d->p, cap);
        FUZZ_CHECK(d->p != NULL);
        d->cap = cap;
    }
    memcpy(d->p + d->n, s, n);
    d->n += n;
}

static void
putf(digest_t *d, const char *what, long long v)
{
    char buf[96];
    int  n = snprintf(buf, sizeof(buf), "%s=%lld\n", what, v);
    put(d, buf, (size_t) n);
}

/* The variables' contract (request.h, weft/request.h). */
static void
check_vars(const weft_listener_t *ls, const weft_req_t *r)
{
    unsigned i;

    for (i = 0; i < r->pub.nvars; i++) {
        const weft_var_t *v = &r->pub.vars[i];

        FUZZ_CHECK(v->key[v->key_len] == '\0');
        FUZZ_CHECK(v->value[v->value_len] == '\0');
        if (ls->proto == WEFT_PROTO_HTTP) {
            FUZZ_CHECK(memchr(v->value, '\0', v->value_len) == NULL);
            /* PATH_INFO is decoded: %0D is a CR in it, as in any server */
            if (v->key_len == 9 && memcmp(v->key, "PATH_INFO", 9) == 0)
                continue;
            FUZZ_CHECK(memchr(v->value, '\r', v->value_len) == NULL);
            FUZZ_CHECK(memchr(v->value, '\n', v->value_len) == NULL);
        }
    }
    FUZZ_CHECK(r->pub.path_info.data[r->pub.path_info.len] == '\0');
}

static void
put_vars(digest_t *d, const weft_req_t *r)
{
    unsigned i;

    for (i = 0; i < r->pub.nvars; i++) {
        const weft_var_t *v = &r->pub.vars[i];
        put(d, v->key, v->key_len);
        put(d, "=", 1);
        put(d, v->value, v->value_len);
        put(d, "\n", 1);
    }
    put(d, "script_name=", 12);
    put(d, r->pub.script_name.data, r->pub.script_name.len);
    put(d, "\npath_info=", 11);
    put(d, r->pub.path_info.data, r->pub.path_info.len);
    put(d, "\nserver_name=", 13);
    put(d, r->pub.server_name.data, r->pub.server_name.len);
    put(d, "\nserver_port=", 13);
    put(d, r->pub.server_port.data, r->pub.server_port.len);
    put(d, "\n", 1);
    putf(d, "flags", r->pub.flags);
    putf(d, "content_length", r->pub.content_length);
}

typedef struct {
    int            wfd;
    const uint8_t *bytes;
    size_t         len, sent;
    int            split;
    fuzz_split_t   sp;
} feeder_t;

/* Write the next piece to the pipe (all of it when not splitting); at the
 * end, close it (the client's EOF).  0 when there was nothing more. */
static int
feed(feeder_t *f)
{
    size_t n;

    if (f->wfd < 0)
        return 0;
    if (f->sent == f->len) {
        close(f->wfd);
        f->wfd = -1;
        return 1;
    }
    n = f->split ? fuzz_split_next(&f->sp, f->len - f->sent) : f->len - f->sent;
    while (n > 0) {
        ssize_t w = write(f->wfd, f->bytes + f->sent, n);
        FUZZ_CHECK(w > 0);                 /* the pipe holds the whole input */
        f->sent += (size_t) w;
        n -= (size_t) w;
    }
    return 1;
}

/* One run: the requests it served, in d. */
static void
run(weft_listener_t *ls, const uint8_t *bytes, size_t len, int split, digest_t *d)
{
    static weft_req_t       r;
    struct sockaddr_storage peer;
    struct sockaddr_in     *sin;
    weft_conn_t            *cp;
    feeder_t                f;
    int                     p[2], nreq;

    FUZZ_CHECK(pipe2(p, O_CLOEXEC) == 0);
    FUZZ_CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
    memset(&f, 0, sizeof(f));
    f.wfd = p[1];
    f.bytes = bytes;
    f.len = len;
    f.split = split;
    fuzz_split_init(&f.sp, bytes, len);

    /* A connection as the worker makes one for an accepted client. */
    memset(&peer, 0, sizeof(peer));
    sin = (struct sockaddr_in *) &peer;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(40000);
    inet_pton(AF_INET, "192.0.2.7", &sin->sin_addr);
    cp = weft_conn_new(p[0], ls, &peer, 0);
    FUZZ_CHECK(cp != NULL);
    weft_conn_read_begin(cp, 1);
    r.conn = cp;

    for (nreq = 0; nreq < MAX_REQUESTS; nreq++) {
        weft_input_t in;
        char         body[4096];
        ssize_t      n;
        uint64_t     got = 0, sum = 0;

        while ((in = weft_conn_read(cp)) == WEFT_INPUT_WAIT)
            if (!feed(&f))
                break;
        if (in == WEFT_INPUT_WAIT) {
            put(d, "wait\n", 5);           /* cannot happen: the pipe closed */
            break;
        }
        if (in == WEFT_INPUT_CLOSE) {
            put(d, "close\n", 6);
            break;
        }
        if (in == WEFT_INPUT_REJECT) {
            putf(d, "reject", cp->head_error);
            break;
        }
        if (weft_proto_build_request(cp, &r) != WEFT_OK) {
            putf(d, "bad head", cp->head_error);
            break;
        }
        check_vars(ls, &r);
        put_vars(d, &r);
        r.pub.flags |= weft_body_flags(cp);
        /* The body, as an app reads it: all there (--body-buffering). */
        if (cp->body_done) {
            while ((n = weft_body_read(&r.pub, body, sizeof(body))) > 0) {
                ssize_t k;
                for (k = 0; k < n; k++)
                    sum = sum * 31 + (unsigned char) body[k];
                got += (uint64_t) n;
            }
            putf(d, "body", (long long) got);
            putf(d, "sum", (long long) sum);
            putf(d, "body_end", (long long) n);
            if (cp->body_expect >= 0 && n == 0)
                FUZZ_CHECK(got == (uint64_t) cp->body_expect);
        }
        /* The end of the request (weft_core_end), then the next one. */
        if (cp->keepalive && weft_body_discard(cp) != WEFT_OK)
            cp->keepalive = 0;
        weft_vars_reset(&r);
        if (!cp->keepalive) {
            put(d, "closed after\n", 13);
            break;
        }
        weft_conn_reuse(cp);
    }
    if (f.wfd >= 0)
        close(f.wfd);
    weft_conn_close(cp);              /* and p[0] with it */
}

void
fuzz_conn_serve(weft_listener_t *ls, const uint8_t *prefix, size_t plen,
                const uint8_t *data, size_t size)
{
    static digest_t whole, pieces;
    uint8_t        *bytes;

    if (plen + size > PIPE_ROOM)
        return;                            /* more than the pipe holds */
    fuzz_quiet_log();
    bytes = malloc(plen + size + 1);
    FUZZ_CHECK(bytes != NULL);
    if (plen > 0)
        memcpy(bytes, prefix, plen);
    if (size > 0)
        memcpy(bytes + plen, data, size);
    whole.n = pieces.n = 0;
    run(ls, bytes, plen + size, 0, &whole);
    run(ls, bytes, plen + size, 1, &pieces);
    if (whole.n != pieces.n || memcmp(whole.p, pieces.p, whole.n) != 0) {
        fprintf(stderr, "read at once:\n%.*s\nread in pieces:\n%.*s\n", (int) whole.n,
                whole.p, (int) pieces.n, pieces.p);
        FUZZ_CHECK(!"the same bytes, cut into other reads, gave another result");
    }
    free(bytes);
}
