/*
 * core/body.c - the request body: decoded from the input, kept in
 * c->body (memory, then an unlinked temporary file: bodybuf.c) and read by
 * the app from its own position there, so it can read it again after
 * api->body_seek().
 *
 * With --body-buffering the loop has read the whole body before a core took
 * the request (conn_read.c), and reading never waits.  Otherwise (a body
 * over the threshold, or --body-buffering off) the body streams: each read
 * that finds nothing kept pulls the next bytes from the socket, keeps them
 * and hands them out.  Chunked bodies are decoded by the HTTP parser;
 * uwsgi bodies are CONTENT_LENGTH bytes.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <weft/status.h>
#include "conf.h"
#include "conn.h"
#include "cores.h"
#include "log.h"
#include "proto.h"
#include "request.h"

void
weft_body_start(weft_conn_t *c, int64_t left)
{
    c->body_left = left;
    c->body_expect = left;
    c->body_done = left == 0;
    c->body_read = 0;
    c->body_ptr = NULL;
    c->body_len = 0;
    c->body_error = 0;
    c->body_pos = 0;
    weft_bodybuf_free(&c->body);
}

/* Make decoded bytes available (body_ptr/body_len) from buffered input. */
static int
decode(weft_conn_t *c)
{
    size_t avail, n;

    if (c->ls->proto == WEFT_PROTO_HTTP)
        return weft_http_body_step(c);
    if (c->body_done)
        return WEFT_OK;
    avail = c->in_end - c->in_pos;
    if (avail == 0)
        return WEFT_AGAIN;
    n = (uint64_t) c->body_left < avail ? (size_t) c->body_left : avail;
    c->body_ptr = c->in + c->in_pos;
    c->body_len = n;
    c->in_pos += n;
    c->body_left -= (int64_t) n;
    if (c->body_left == 0)
        c->body_done = 1;
    return WEFT_OK;
}

int
weft_body_take_input(weft_conn_t *c)
{
    for (;;) {
        int rc;

        if (c->body_len > 0) {
            if (weft_bodybuf_append(&c->body, c->body_ptr, c->body_len,
                                    c->body_expect,
                                    weft_conf.body_buffer_size) != WEFT_OK) {
                c->body_error = 500;
                return WEFT_ERROR;
            }
            c->body_read += c->body_len;
            c->body_len = 0;
        }
        if (c->body_done)
            return WEFT_OK;
        if (c->body_error)
            return WEFT_ERROR;
        rc = decode(c);
        if (rc != WEFT_OK)
            return rc;
    }
}

void
weft_body_send_continue(weft_conn_t *c)
{
    static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
    ssize_t           w;

    if (!c->expect_continue || c->continue_sent || c->body_read > 0 || c->body_len > 0)
        return;
    c->continue_sent = 1;
    do
        w = write(c->fd, line, sizeof(line) - 1);
    while (w < 0 && errno == EINTR);
}

uint32_t
weft_body_flags(const weft_conn_t *c)
{
    uint32_t f = WEFT_REQ_BODY_REWINDABLE;

    if (c->body_done && c->body_len == 0)
        f |= WEFT_REQ_BODY_COMPLETE;
    return f;
}

/* Log why the body could not be read (once per request). */
static void
log_failure(weft_req_t *r, const char *why)
{
    weft_conn_t *c = r->conn;

    weft_log(WEFT_LOG_INFO, "%s:%s: %s (%.*s %.*s)", c->peer_addr, c->peer_port, why,
             (int) r->pub.method.len, r->pub.method.data, (int) r->pub.uri.len,
             r->pub.uri.data);
}

/*
 * Keep more of the body: WEFT_OK when c->body grew, WEFT_DONE when the
 * body has ended, WEFT_ERROR when it cannot be read (logged; the
 * connection will close).  Waits for the socket on the core.
 */
static int
pull(weft_req_t *r)
{
    weft_conn_t *c = r->conn;

    for (;;) {
        uint64_t before = c->body.len;
        ssize_t  n;
        int      rc;

        if (c->body_done && c->body_len == 0)
            return WEFT_DONE;
        if (c->body_error || c->gone)
            return WEFT_ERROR;
        rc = weft_body_take_input(c);
        if (c->body.len > before)
            return WEFT_OK;
        if (rc == WEFT_OK)
            continue;
        if (rc == WEFT_ERROR) {
            if (c->body_error != 500) {
                c->body_error = 400;
                log_failure(r, "malformed request body");
            }
            c->keepalive = 0;
            return WEFT_ERROR;
        }

        /* Need more from the socket. */
        weft_body_send_continue(c);
        weft_conn_compact(c);
        n = weft_conn_fill(c, c->in_cap);
        if (n > 0)
            continue;
        if (n == WEFT_FILL_FULL) {        /* cannot happen after compacting */
            c->body_error = 400;
            return WEFT_ERROR;
        }
        if (n == WEFT_FILL_EOF || n == WEFT_FILL_ERROR) {
            c->keepalive = 0;
            c->eof = 1;
            c->body_error = 400;
            log_failure(r, "the client closed before sending the whole body");
            return WEFT_ERROR;
        }
        switch (weft_core_wait_conn(r->core, WEFT_READ, weft_conf.socket_timeout)) {
        case WEFT_OK:
            break;
        case WEFT_TIMEOUT:
            c->keepalive = 0;
            c->body_error = 408;
            log_failure(r, "timed out waiting for the request body");
            return WEFT_ERROR;
        default:
            return WEFT_ERROR;
        }
    }
}

/* The kept bytes at the read position: their count (0 when the body has
 * ended there), or -1 (logged). */
static ssize_t
peek(weft_req_t *r, const char **p)
{
    weft_conn_t *c = r->conn;

    for (;;) {
        ssize_t n = weft_bodybuf_peek(&c->body, c->body_pos, p);
        int     rc;

        if (n < 0) {
            c->body_error = 500;
            c->keepalive = 0;
            log_failure(r, "the kept request body could not be read back");
            return -1;
        }
        if (n > 0)
            return n;
        rc = pull(r);
        if (rc == WEFT_DONE)
            return 0;
        if (rc != WEFT_OK)
            return -1;
    }
}

ssize_t
weft_body_read(weft_request_t *pub, void *buf, size_t len)
{
    weft_req_t *r = weft_req(pub);
    const char *p;
    ssize_t     n;

    if (len == 0)
        return 0;
    n = peek(r, &p);
    if (n <= 0)
        return n;
    if ((size_t) n > len)
        n = (ssize_t) len;
    memcpy(buf, p, (size_t) n);
    r->conn->body_pos += (uint64_t) n;
    return n;
}

ssize_t
weft_body_read_line(weft_request_t *pub, void *buf, size_t len)
{
    weft_req_t *r = weft_req(pub);
    size_t      got = 0;

    while (got < len) {
        const char *p, *nl;
        ssize_t     n = peek(r, &p);
        size_t      k;

        if (n < 0)
            return got > 0 ? (ssize_t) got : -1;
        if (n == 0)
            break;
        k = (size_t) n < len - got ? (size_t) n : len - got;
        nl = memchr(p, '\n', k);
        if (nl != NULL)
            k = (size_t) (nl - p) + 1;
        memcpy((char *) buf + got, p, k);
        got += k;
        r->conn->body_pos += k;
        if (nl != NULL)
            break;
    }
    return (ssize_t) got;
}

int64_t
weft_body_seek(weft_request_t *pub, int64_t offset, int whence)
{
    weft_req_t  *r = weft_req(pub);
    weft_conn_t *c = r->conn;
    int64_t      base;

    if (!(pub->flags & WEFT_REQ_BODY_REWINDABLE)) {
        errno = ESPIPE;
        return -1;
    }
    switch (whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = (int64_t) c->body_pos;
        break;
    case SEEK_END:
        for (;;) {
            int rc = pull(r);
            if (rc == WEFT_DONE)
                break;
            if (rc != WEFT_OK) {
                errno = EIO;
                return -1;
            }
        }
        base = (int64_t) c->body.len;
        break;
    default:
        errno = EINVAL;
        return -1;
    }
    if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0) {
        errno = EINVAL;
        return -1;
    }
    c->body_pos = (uint64_t) (base + offset);
    return (int64_t) c->body_pos;
}

int
weft_body_discard(weft_conn_t *c)
{
    weft_bodybuf_free(&c->body);
    c->body_pos = 0;
    /* Whatever the app left unread is dropped, as far as it is buffered. */
    for (;;) {
        int rc;

        c->body_read += c->body_len;
        c->body_len = 0;
        if (c->body_done)
            break;
        if (c->body_error)
            return WEFT_ERROR;
        rc = decode(c);
        if (rc == WEFT_ERROR || rc == WEFT_AGAIN)
            return WEFT_ERROR;      /* the rest is still on the wire: close */
    }
    /* HTTP: let the parser see the end of the message (a body-less request
     * stops right after its head). */
    if (c->ls->proto == WEFT_PROTO_HTTP)
        weft_http_reset(c);
    return WEFT_OK;
}
