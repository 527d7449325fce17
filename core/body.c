/*
 * core/body.c - the request body, streamed to the app as it asks for it.
 *
 * Nothing is read ahead beyond the connection's buffer: a large upload
 * flows from the socket to the app in buffer-sized steps.  Chunked bodies
 * are decoded by the HTTP parser; uwsgi bodies are CONTENT_LENGTH bytes.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <weft/status.h>
#include "conf.h"
#include "conn.h"
#include "cores.h"
#include "log.h"
#include "proto.h"
#include "request.h"

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

static void
send_continue(weft_conn_t *c)
{
    static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
    ssize_t           w;

    c->continue_sent = 1;
    do
        w = write(c->fd, line, sizeof(line) - 1);
    while (w < 0 && errno == EINTR);
}

ssize_t
weft_body_read(weft_request_t *pub, void *buf, size_t len)
{
    weft_req_t  *r = weft_req(pub);
    weft_conn_t *c = r->conn;

    if (len == 0)
        return 0;
    for (;;) {
        ssize_t n;
        int     rc;

        if (c->body_len > 0) {
            size_t k = c->body_len < len ? c->body_len : len;
            memcpy(buf, c->body_ptr, k);
            c->body_ptr += k;
            c->body_len -= k;
            c->body_read += k;
            return (ssize_t) k;
        }
        if (c->body_done)
            return 0;
        if (c->body_error || c->gone)
            return -1;

        rc = decode(c);
        if (rc == WEFT_OK)
            continue;
        if (rc == WEFT_ERROR) {
            weft_log(WEFT_LOG_INFO, "%s:%s: malformed request body (%.*s %.*s)",
                     c->peer_addr, c->peer_port, (int) pub->method.len, pub->method.data,
                     (int) pub->uri.len, pub->uri.data);
            c->keepalive = 0;
            return -1;
        }

        /* Need more from the socket. */
        if (c->expect_continue && !c->continue_sent && c->body_read == 0)
            send_continue(c);
        weft_conn_compact(c);
        n = weft_conn_fill(c, c->in_cap);
        if (n > 0)
            continue;
        if (n == -3) {            /* cannot happen after compacting */
            c->body_error = 400;
            return -1;
        }
        if (n == 0 || n == -1) {
            c->keepalive = 0;
            c->eof = 1;
            c->body_error = 400;
            weft_log(WEFT_LOG_INFO, "%s:%s: the client closed before sending the whole body (%.*s %.*s)",
                     c->peer_addr, c->peer_port, (int) pub->method.len, pub->method.data,
                     (int) pub->uri.len, pub->uri.data);
            return -1;
        }
        switch (weft_core_wait_conn(r->core, WEFT_READ, weft_conf.socket_timeout)) {
        case WEFT_OK:
            break;
        case WEFT_TIMEOUT:
            c->keepalive = 0;
            c->body_error = 408;
            weft_log(WEFT_LOG_INFO, "%s:%s: timed out waiting for the request body (%.*s %.*s)",
                     c->peer_addr, c->peer_port, (int) pub->method.len, pub->method.data,
                     (int) pub->uri.len, pub->uri.data);
            return -1;
        default:
            return -1;
        }
    }
}

int
weft_body_discard(weft_conn_t *c)
{
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
