/*
 * core/response.c - the response: status, headers, framing, body.
 *
 * The head is composed only when the first body bytes leave, so a response
 * written in one piece before the app returns goes out in one writev with a
 * Content-Length.  Bytes written before the head is out are held back (up to
 * HOLD_MAX) and sent with it: at the end of the request (length known), when
 * more bytes come, or when the app is about to wait (so streaming responses
 * stream).  A longer response without a length goes out chunked on HTTP/1.1
 * and close-delimited otherwise.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <weft/status.h>
#include "app_guard.h"
#include "conf.h"
#include "conn.h"
#include "cores.h"
#include "http_rules.h"
#include "log.h"
#include "request.h"
#include "route.h"
#include "worker.h"
#include "threads.h"

#define HOLD_MAX 16384

const char *
weft_http_date(void)
{
    static WEFT_TLS char   buf[40];
    static WEFT_TLS time_t last;
    time_t        now = (time_t) weft_wall_clock();
    struct tm     tm;

    if (now != last) {
        gmtime_r(&now, &tm);
        strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        last = now;
    }
    return buf;
}

void
weft_resp_reset(weft_req_t *r)
{
    strcpy(r->status, "200 OK");
    r->pub.status = 0;
    r->pub.bytes_sent = 0;
    weft_buf_reset(&r->headers, 16384);
    weft_buf_reset(&r->head, 16384);
    weft_buf_reset(&r->held, HOLD_MAX * 2);
    r->app_length = -1;
    r->body_sent = 0;
    r->head_sent = 0;
    r->chunked = 0;
    r->close_after = 0;
    r->app_date = 0;
    r->no_body = 0;
    r->overflowed = 0;
}

void
weft_resp_release_idle(weft_req_t *r)
{
    /* Once the head is out, a send may be waiting with iovecs into these. */
    if (r->head_sent)
        return;
    weft_buf_free(&r->head);
    if (r->headers.len == 0)
        weft_buf_free(&r->headers);
    if (r->held.len == 0)
        weft_buf_free(&r->held);
}

/*
 * The status from a line without the protocol ("404 Not Found", or "404"
 * to take the standard reason): weft_http_parse_status()'s rule.
 */
int
weft_resp_set_status(weft_request_t *pub, const char *status, size_t len)
{
    weft_req_t *r = weft_req(pub);
    int         code;

    if (r->head_sent || len >= sizeof(r->status))
        return WEFT_ERROR;
    code = weft_http_parse_status(status, len);
    if (code < 0)
        return WEFT_ERROR;
    if (len == 3)
        snprintf(r->status, sizeof(r->status), "%d %s", code, weft_http_reason(code));
    else {
        memcpy(r->status, status, len);
        r->status[len] = '\0';
    }
    pub->status = code;
    return WEFT_OK;
}

static int
named(const char *name, size_t nlen, const char *what)
{
    return strlen(what) == nlen && strncasecmp(name, what, nlen) == 0;
}

/*
 * Add a header the app gave, after the rules of http_rules.h (a token for
 * a name, a valid field value).  Connection, Keep-Alive and
 * Transfer-Encoding are the server's: dropped (Connection: close is
 * honoured).  Content-Length is recorded, not copied: the head states the
 * one length the body is framed by (a second, different one is refused).
 */
int
weft_resp_add_header(weft_request_t *pub, const char *name, size_t nlen, const char *value,
                     size_t vlen)
{
    weft_req_t *r = weft_req(pub);

    if (r->head_sent || !weft_http_valid_name(name, nlen) || !weft_http_valid_value(value, vlen))
        return WEFT_ERROR;

    /* Framing and the connection are the server's business. */
    if (named(name, nlen, "connection")) {
        if (vlen == 5 && strncasecmp(value, "close", 5) == 0)
            r->close_after = 1;
        return WEFT_OK;
    }
    if (named(name, nlen, "transfer-encoding") || named(name, nlen, "keep-alive"))
        return WEFT_OK;
    if (named(name, nlen, "content-length")) {
        int64_t v = weft_http_parse_content_length(value, vlen);

        if (v < 0 || (r->app_length >= 0 && r->app_length != v))
            return WEFT_ERROR;
        r->app_length = v;
        return WEFT_OK;
    }
    if (named(name, nlen, "date"))
        r->app_date = 1;

    if (weft_buf_reserve(&r->headers, nlen + vlen + 4) != WEFT_OK)
        return WEFT_ERROR;
    memcpy(r->headers.data + r->headers.len, name, nlen);
    r->headers.len += nlen;
    memcpy(r->headers.data + r->headers.len, ": ", 2);
    r->headers.len += 2;
    memcpy(r->headers.data + r->headers.len, value, vlen);
    r->headers.len += vlen;
    memcpy(r->headers.data + r->headers.len, "\r\n", 2);
    r->headers.len += 2;
    return WEFT_OK;
}

/*
 * api->set_content_length: the body's length, recorded as a number (the
 * head states it).  Replaces any length given before; WEFT_ERROR once the
 * head is out or when n does not fit an int64_t.
 */
int
weft_resp_set_content_length(weft_request_t *pub, uint64_t n)
{
    weft_req_t *r = weft_req(pub);

    if (r->head_sent || n > (uint64_t) INT64_MAX)
        return WEFT_ERROR;
    r->app_length = (int64_t) n;
    return WEFT_OK;
}

/* The client is gone: stop writing. */
static int
gone(weft_req_t *r, const char *why)
{
    weft_conn_t *c = r->conn;

    weft_app_guard_exit(r);             /* a forked child's write failed */
    if (!c->gone) {
        c->gone = 1;
        r->pub.flags |= WEFT_REQ_CLIENT_GONE;
        weft_log(WEFT_LOG_INFO, "%s:%s: %s during %.*s %.*s (core %u)", c->peer_addr,
                 c->peer_port, why, (int) r->pub.method.len, r->pub.method.data,
                 (int) r->pub.uri.len, r->pub.uri.data, r->pub.core->id);
    }
    return WEFT_ERROR;
}

/* The socket is full and this core may wait: WEFT_OK once it drains. */
static int
wait_writable(weft_req_t *r)
{
    switch (weft_core_wait_conn(r->core, WEFT_WRITE, weft_conf.socket_timeout)) {
    case WEFT_OK:
        return WEFT_OK;
    case WEFT_TIMEOUT:
        return gone(r, "client stopped reading the response");
    default:
        return WEFT_ERROR;
    }
}

/* Whether `extra` more copied bytes fit under --offload-buffer-size. */
static int
fits(const weft_conn_t *c, size_t extra)
{
    return c->outq.copied + extra <= weft_conf.offload_buffer_size;
}

/* Queue iov[0..n) (already advanced past what went out).  `ref` is the
 * write_ref segment and ref_iov its entry in the original iovec: queued by
 * reference while it is still among iov[0..n), else done with. */
static int
queue_iov(weft_req_t *r, struct iovec *iov, int n, struct iovec *ref_iov, weft_seg_t *ref)
{
    weft_outq_t *q = &r->conn->outq;
    int          k;

    if (ref == NULL)
        return weft_outq_push_iov(q, iov, n, 0) == WEFT_OK ? WEFT_OK
                                                            : gone(r, "out of memory");
    if (ref_iov < iov || ref_iov >= iov + n || ref_iov->iov_len == 0) {
        /* Its bytes are out: done with it (unless this fails: not taken). */
        if (weft_outq_push_iov(q, iov, n, 0) != WEFT_OK) {
            weft_outq_ref_free(ref);
            return gone(r, "out of memory");
        }
        weft_outq_retire(q, ref);
        return WEFT_OK;
    }
    k = (int) (ref_iov - iov);
    if (weft_outq_push_iov(q, iov, k, 0) != WEFT_OK) {
        weft_outq_ref_free(ref);
        return gone(r, "out of memory");
    }
    weft_outq_push_ref(q, ref, ref_iov->iov_base, ref_iov->iov_len);
    /* From here the queue owns ref (a failure releases it with the queue). */
    if (weft_outq_push_iov(q, ref_iov + 1, n - k - 1, 0) != WEFT_OK) {
        gone(r, "out of memory");
        return WEFT_OK;
    }
    return WEFT_OK;
}

/* What queueing iov[0..n) would copy (all but the pending reference). */
static size_t
copy_cost(struct iovec *iov, int n, struct iovec *ref_iov, weft_seg_t *ref)
{
    size_t total = 0;
    int    i;

    for (i = 0; i < n; i++)
        if (ref == NULL || &iov[i] != ref_iov)
            total += iov[i].iov_len;
    return total;
}

/*
 * Write iov to the client.  What the socket does not take is queued on the
 * connection (drained from the loop) when the core cannot wait (no engine),
 * or when the copy fits under --offload-buffer-size: then the core runs on,
 * and once the app is done it is freed while the connection drains.  Past
 * the cap, a core that can suspend waits for the socket.  `ref` (may be
 * NULL): iov[ref_idx] is the caller's buffer, kept by reference; on
 * WEFT_ERROR it is freed unreleased (the caller still owns its buffer),
 * otherwise the queue owns it and releases it once.
 */
static int
send_iov_ref(weft_req_t *r, struct iovec *iov, int n, weft_seg_t *ref, int ref_idx)
{
    weft_conn_t  *c = r->conn;
    struct iovec *ref_iov = ref != NULL ? &iov[ref_idx] : NULL;
    size_t        total = 0;
    int           i;

    for (i = 0; i < n; i++)
        total += iov[i].iov_len;
    for (;;) {
        ssize_t w;

        if (c->gone)
            goto fail;
        if (!weft_outq_empty(&c->outq)) {
            /* Behind queued bytes: join the queue while it may grow. */
            if (!weft_core_can_suspend() || fits(c, copy_cost(iov, n, ref_iov, ref)))
                return queue_iov(r, iov, n, ref_iov, ref);
            if (weft_outq_drain(&c->outq, c->fd) == WEFT_ERROR) {
                gone(r, "client went away");
                goto fail;
            }
            if (!weft_outq_empty(&c->outq)) {
                if (wait_writable(r) != WEFT_OK)
                    goto fail;
                continue;
            }
        }
        if (total == 0)
            break;
        if (r->cork) {
            /* a sendfile follows: let the head share its first packet */
            struct msghdr mh;
            memset(&mh, 0, sizeof(mh));
            mh.msg_iov = iov;
            mh.msg_iovlen = (size_t) n;
            w = sendmsg(c->fd, &mh, MSG_MORE | MSG_NOSIGNAL);
        } else {
            w = writev(c->fd, iov, n);
        }

        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN) {
                gone(r, "client went away");
                goto fail;
            }
            if (!weft_core_can_suspend() || fits(c, copy_cost(iov, n, ref_iov, ref)))
                return queue_iov(r, iov, n, ref_iov, ref);
            if (wait_writable(r) != WEFT_OK)
                goto fail;
            continue;
        }
        total -= (size_t) w;
        while (n > 0 && (size_t) w >= iov->iov_len) {
            w -= (ssize_t) iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *) iov->iov_base + w;
            iov->iov_len -= (size_t) w;
        }
    }
    if (ref != NULL)
        weft_outq_retire(&c->outq, ref);       /* all out */
    return WEFT_OK;
fail:
    if (ref != NULL)
        weft_outq_ref_free(ref);
    return WEFT_ERROR;
}

static int
send_iov(weft_req_t *r, struct iovec *iov, int n)
{
    return send_iov_ref(r, iov, n, NULL, 0);
}

/* Room for these was reserved up front. */
#define APPEND(b, p, n) do { memcpy((b)->data + (b)->len, (p), (n)); (b)->len += (n); } while (0)

static size_t
format_length(char *out, uint64_t v)
{
    char   tmp[24];
    size_t n = 0, i;

    do {
        tmp[n++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v > 0);
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* Compose the status line and headers into r->head.  `length` is the body's
 * full length when known, else -1. */
static int
build_head(weft_req_t *r, int64_t length)
{
    weft_conn_t *c = r->conn;
    weft_buf_t  *h = &r->head;
    int          code = r->pub.status ? r->pub.status : 200;
    int          http = c->ls->proto == WEFT_PROTO_HTTP;

    r->pub.status = code;
    r->no_body = !weft_http_status_has_body(&r->pub, code);
    if (r->route_head)                  /* a route's header edits, chunked: */
        weft_route_head(r, &length);

    h->len = 0;
    if (weft_buf_reserve(h, r->headers.len + sizeof(r->status) + 256) != WEFT_OK)
        return WEFT_ERROR;
    /* The hot path of every response: plain copies, no printf. */
    APPEND(h, "HTTP/1.1 ", 9);
    APPEND(h, r->status, strlen(r->status));
    APPEND(h, "\r\n", 2);
    if (r->headers.len > 0)
        APPEND(h, r->headers.data, r->headers.len);

    if (r->hijacking) {
        ;                                       /* the plugin frames it */
    } else if (r->app_length >= 0 && weft_http_length_allowed(code)) {
        /* The app's length: also for HEAD and 304, which send no body. */
        char   digits[24];
        size_t n = format_length(digits, (uint64_t) r->app_length);
        APPEND(h, "Content-Length: ", 16);
        APPEND(h, digits, n);
        APPEND(h, "\r\n", 2);
    } else if (r->app_length < 0 && weft_http_body_allowed(code, 0)) {
        if (length >= 0) {
            char   digits[24];
            size_t n = format_length(digits, (uint64_t) length);
            APPEND(h, "Content-Length: ", 16);
            APPEND(h, digits, n);
            APPEND(h, "\r\n", 2);
        }
        else if (r->no_body)
            ;                                   /* HEAD of a streamed body */
        else if (http && !c->http10)
            r->chunked = 1;
        else
            r->close_after = 1;                 /* delimited by the close */
    }
    if (r->chunked)
        APPEND(h, "Transfer-Encoding: chunked\r\n", 28);
    /* A draining worker closes the connection after this answer: say so,
     * or the client sends its next request into the close (RFC 9112 9.6). */
    if (weft_worker_stopping)
        c->keepalive = 0;
    if (http) {
        if (r->close_after || !c->keepalive || r->hijacking)
            APPEND(h, "Connection: close\r\n", 19);
        else if (c->http10)
            APPEND(h, "Connection: keep-alive\r\n", 24);
    }
    if (!r->app_date) {
        const char *date = weft_http_date();
        APPEND(h, "Date: ", 6);
        APPEND(h, date, strlen(date));
        APPEND(h, "\r\n", 2);
    }
    APPEND(h, "\r\n", 2);
    return WEFT_OK;
}

/*
 * Send held bytes plus `data` (the head first, if it is not out).  final:
 * this is the end of the body.  ref (may be NULL): data is the caller's
 * buffer, to keep by reference (see send_iov_ref).
 */
static int
send_body_ref(weft_req_t *r, const char *data, size_t len, int final, weft_seg_t *ref)
{
    struct iovec iov[6];
    char         chunk[24];
    int          n = 0, ref_idx = -1;
    size_t       body = r->held.len + len;

    if (!r->head_sent) {
        if (build_head(r, final ? (int64_t) (r->body_sent) : -1) != WEFT_OK) {
            if (ref != NULL)
                weft_outq_ref_free(ref);
            return gone(r, "out of memory");
        }
        r->head_sent = 1;
        r->pub.flags |= WEFT_REQ_HEADERS_SENT;
        iov[n].iov_base = r->head.data;
        iov[n++].iov_len = r->head.len;
    }
    if (r->no_body)
        body = 0;
    if (body > 0 && r->chunked) {
        iov[n].iov_base = chunk;
        iov[n++].iov_len = (size_t) snprintf(chunk, sizeof(chunk), "%zx\r\n", body);
    }
    if (body > 0 && r->held.len > 0) {
        iov[n].iov_base = r->held.data;
        iov[n++].iov_len = r->held.len;
    }
    if (body > 0 && len > 0) {
        ref_idx = n;
        iov[n].iov_base = (void *) data;
        iov[n++].iov_len = len;
    }
    if (body > 0 && r->chunked) {
        iov[n].iov_base = (void *) (final ? "\r\n0\r\n\r\n" : "\r\n");
        iov[n++].iov_len = final ? 7 : 2;
    } else if (final && r->chunked) {
        iov[n].iov_base = (void *) "0\r\n\r\n";
        iov[n++].iov_len = 5;
    }
    r->held.len = 0;
    if (ref != NULL && ref_idx < 0) {
        weft_outq_retire(&r->conn->outq, ref);     /* nothing of it goes out */
        ref = NULL;
    }
    if (n == 0)
        return WEFT_OK;
    r->pub.bytes_sent += body;
    return send_iov_ref(r, iov, n, ref, ref_idx);
}

static int
send_body(weft_req_t *r, const char *data, size_t len, int final)
{
    return send_body_ref(r, data, len, final, NULL);
}

/* Keep the app inside its own Content-Length. */
static size_t
clamp(weft_req_t *r, size_t len)
{
    if (r->app_length >= 0 && r->body_sent + len > (uint64_t) r->app_length) {
        if (!r->overflowed)
            weft_log(WEFT_LOG_WARN, "%.*s %.*s: the app wrote more than its Content-Length of %lld; the excess is dropped",
                     (int) r->pub.method.len, r->pub.method.data, (int) r->pub.uri.len,
                     r->pub.uri.data, (long long) r->app_length);
        r->overflowed = 1;
        r->close_after = 1;
        len = (size_t) ((uint64_t) r->app_length - r->body_sent);
    }
    return len;
}

int
weft_resp_write(weft_request_t *pub, const void *buf, size_t len)
{
    weft_req_t *r = weft_req(pub);

    if (r->conn->gone)
        return WEFT_ERROR;
    len = clamp(r, len);
    r->body_sent += len;
    if (!r->head_sent) {
        if (buf == NULL && len == 0)
            return send_body(r, NULL, 0, 0);    /* flush the head now */
        if (r->held.len + len <= HOLD_MAX) {
            /* Hold it: with luck the app returns and it gets a length. */
            if ((pub->flags & WEFT_REQ_HEAD) == 0 && len > 0
                && weft_buf_append(&r->held, buf, len) != WEFT_OK)
                return gone(r, "out of memory");
            return WEFT_OK;
        }
        return send_body(r, buf, len, 0);
    }
    if (len == 0)
        return WEFT_OK;
    return send_body(r, buf, len, 0);
}

int
weft_resp_write_ref(weft_request_t *pub, const void *buf, size_t len,
                    void (*release)(void *arg), void *arg)
{
    weft_req_t *r = weft_req(pub);
    weft_seg_t *ref;

    if (r->conn->gone)
        return WEFT_ERROR;
    /* Small or bodiless: a copy is as cheap (and it may still get a
     * Content-Length from being held). */
    if (len == 0 || (pub->flags & WEFT_REQ_HEAD)
        || (!r->head_sent && r->held.len + len <= HOLD_MAX)) {
        ref = weft_outq_ref_new(buf, len, release, arg);
        if (ref == NULL)
            return WEFT_ERROR;
        if (weft_resp_write(pub, buf, len) != WEFT_OK) {
            weft_outq_ref_free(ref);
            return WEFT_ERROR;
        }
        weft_outq_retire(&r->conn->outq, ref);
        return WEFT_OK;
    }
    ref = weft_outq_ref_new(buf, len, release, arg);
    if (ref == NULL)
        return WEFT_ERROR;
    len = clamp(r, len);
    r->body_sent += len;
    return send_body_ref(r, buf, len, 0, ref);
}

/* Write everything queued on the connection, waiting as a write does. */
static int
drain_all(weft_req_t *r)
{
    weft_conn_t *c = r->conn;

    while (!weft_outq_empty(&c->outq)) {
        int rc = weft_outq_drain(&c->outq, c->fd);

        if (rc == WEFT_ERROR)
            return gone(r, "client went away");
        if (rc == WEFT_AGAIN && wait_writable(r) != WEFT_OK)
            return WEFT_ERROR;
    }
    return WEFT_OK;
}

int
weft_resp_hijack(weft_request_t *pub, int with_head)
{
    weft_req_t  *r = weft_req(pub);
    weft_conn_t *c = r->conn;
    int          fd;

    if (c->gone) {
        errno = EPIPE;
        return -1;
    }
    if (c->hijacked || (with_head && r->head_sent)) {
        errno = EALREADY;
        return -1;
    }
    if (with_head) {
        r->hijacking = 1;
        r->held.len = 0;
        if (send_body(r, NULL, 0, 0) != WEFT_OK) {
            errno = EPIPE;
            return -1;
        }
    }
    if (drain_all(r) != WEFT_OK) {
        errno = EPIPE;
        return -1;
    }
    fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
        return -1;
    /* From here weft neither reads nor writes it: no event, no body. */
    if (c->evented) {
        event_del(&c->rev);
        event_del(&c->wev);
    }
    c->rev_added = 0;
    c->hijacked = 1;
    c->keepalive = 0;
    c->in_pos = c->in_end = 0;
    if (!r->head_sent) {
        if (r->pub.status == 0)
            r->pub.status = 101;        /* for the access log: not a 200 */
        r->head_sent = 1;
        r->pub.flags |= WEFT_REQ_HEADERS_SENT;
    }
    r->no_body = 1;
    r->chunked = 0;
    r->held.len = 0;
    r->app_length = -1;
    return fd;
}

int
weft_resp_early_hints(weft_request_t *pub, const weft_str_t *names,
                      const weft_str_t *values, size_t n)
{
    weft_req_t  *r = weft_req(pub);
    weft_conn_t *c = r->conn;
    weft_buf_t   b = { 0 };
    struct iovec iov;
    size_t       i, need = 32;
    int          rc;

    if (c->ls->proto != WEFT_PROTO_HTTP || c->http10)
        return WEFT_DECLINED;
    if (r->head_sent || c->gone || c->hijacked)
        return WEFT_ERROR;
    for (i = 0; i < n; i++) {
        if (!weft_http_valid_name(names[i].data, names[i].len)
            || !weft_http_valid_value(values[i].data, values[i].len))
            return WEFT_ERROR;
        need += names[i].len + values[i].len + 4;
    }
    if (weft_buf_reserve(&b, need) != WEFT_OK)
        return WEFT_ERROR;
    APPEND(&b, "HTTP/1.1 103 Early Hints\r\n", 26);
    for (i = 0; i < n; i++) {
        APPEND(&b, names[i].data, names[i].len);
        APPEND(&b, ": ", 2);
        APPEND(&b, values[i].data, values[i].len);
        APPEND(&b, "\r\n", 2);
    }
    APPEND(&b, "\r\n", 2);
    iov.iov_base = b.data;
    iov.iov_len = b.len;
    rc = send_iov(r, &iov, 1);
    free(b.data);
    return rc;
}

int
weft_resp_flush(weft_req_t *r)
{
    if (r->head_sent || r->conn->gone || r->held.len == 0)
        return WEFT_OK;
    return send_body(r, NULL, 0, 0);
}

int
weft_resp_sendfile(weft_request_t *pub, int fd, int64_t offset, int64_t len)
{
    weft_req_t  *r = weft_req(pub);
    weft_conn_t *c = r->conn;
    char         chunk[24];

    if (c->gone || c->hijacked)
        return WEFT_ERROR;
    if (len < 0) {
        struct stat st;
        if (fstat(fd, &st) != 0 || st.st_size < offset)
            return WEFT_ERROR;
        len = st.st_size - offset;
    }
    len = (int64_t) clamp(r, (size_t) len);
    r->body_sent += (uint64_t) len;

    if (!r->head_sent || r->held.len > 0) {
        int rc;
        r->cork = len > 0 && !r->no_body && !(r->pub.flags & WEFT_REQ_HEAD);
        rc = send_body(r, NULL, 0, 0);
        r->cork = 0;
        if (rc != WEFT_OK)
            return WEFT_ERROR;
    }
    if (r->no_body || len == 0)
        return WEFT_OK;
    if (r->chunked) {
        struct iovec iov = { chunk, (size_t) snprintf(chunk, sizeof(chunk), "%llx\r\n",
                                                      (unsigned long long) len) };
        if (send_iov(r, &iov, 1) != WEFT_OK)
            return WEFT_ERROR;
    }
    r->pub.bytes_sent += (uint64_t) len;

    while (len > 0) {
        off_t   off = (off_t) offset;
        ssize_t w;

        if (!weft_outq_empty(&c->outq)) {
            if (weft_outq_push_file(&c->outq, fd, offset, len) != WEFT_OK)
                return gone(r, "out of memory");
            break;
        }
        w = sendfile(c->fd, fd, &off, len > 0x7ffff000 ? 0x7ffff000 : (size_t) len);
        if (w > 0) {
            offset += w;
            len -= w;
            continue;
        }
        if (w == 0) {
            weft_log(WEFT_LOG_ERROR, "%.*s %.*s: the file ended %lld bytes early",
                     (int) pub->method.len, pub->method.data, (int) pub->uri.len,
                     pub->uri.data, (long long) len);
            r->close_after = 1;
            return gone(r, "response cut short");
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return gone(r, "client went away");
        /* A queued file range costs a dup'd fd, no memory: queue it (with
         * or without an engine) and let the loop drain it. */
        if (weft_outq_push_file(&c->outq, fd, offset, len) != WEFT_OK)
            return gone(r, "out of memory");
        break;
    }
    if (r->chunked) {
        struct iovec iov = { (void *) "\r\n", 2 };
        return send_iov(r, &iov, 1);
    }
    return WEFT_OK;
}

/*
 * api->sendfile_fd: the rest of fd, from offset (< 0: its current offset),
 * as the rest of the body, with weft_resp_sendfile().  When the head is not
 * out and no length was set, what remains (with what was held back) becomes
 * the Content-Length, unless the status has no body (1xx, 204, 304).
 * WEFT_DECLINED when fd is not a regular file (the caller reads it),
 * WEFT_ERROR when the client is gone or fd cannot be used.  The fd stays the
 * caller's (a queued send keeps its own duplicate).
 */
int
weft_resp_sendfile_fd(weft_request_t *pub, int fd, int64_t offset)
{
    weft_req_t  *r = weft_req(pub);
    struct stat  st;
    int64_t      left;

    if (fstat(fd, &st) != 0) {
        weft_log(WEFT_LOG_ERROR, "%.*s %.*s: sendfile_fd(%d): %s", (int) pub->method.len,
                 pub->method.data, (int) pub->uri.len, pub->uri.data, fd, strerror(errno));
        return WEFT_ERROR;
    }
    if (!S_ISREG(st.st_mode))
        return WEFT_DECLINED;
    if (offset < 0) {
        off_t cur = lseek(fd, 0, SEEK_CUR);
        if (cur < 0)
            return WEFT_DECLINED;
        offset = (int64_t) cur;
    }
    left = (int64_t) st.st_size > offset ? (int64_t) st.st_size - offset : 0;
    if (!r->head_sent && r->app_length < 0
        && weft_http_body_allowed(pub->status ? pub->status : 200, 0))
        weft_resp_set_content_length(pub, (uint64_t) (r->body_sent + (uint64_t) left));
    return weft_resp_sendfile(pub, fd, offset, left);
}

void
weft_resp_finish(weft_req_t *r, int rc)
{
    weft_conn_t *c = r->conn;

    if (c->gone)
        return;
    if (rc == WEFT_ERROR && !r->head_sent) {
        /* Nothing went out: answer for the app. */
        int  status = c->body_error ? c->body_error : 500;
        char line[64];
        int  n;

        r->headers.len = 0;
        r->held.len = 0;
        r->app_length = -1;
        r->app_date = 0;
        r->body_sent = 0;
        n = snprintf(line, sizeof(line), "%d %s\n", status, weft_http_reason(status));
        weft_resp_set_status(&r->pub, line, (size_t) n - 1);
        weft_resp_add_header(&r->pub, "Content-Type", 12, "text/plain", 10);
        weft_resp_write(&r->pub, line, (size_t) n);
        r->close_after = c->body_error != 0;
    } else if (rc == WEFT_ERROR) {
        /* The app failed mid-body: the client must see a cut response. */
        r->close_after = 1;
        c->keepalive = 0;
        return;
    }
    if (r->app_length >= 0 && r->body_sent < (uint64_t) r->app_length && !r->no_body
        && !(r->pub.flags & WEFT_REQ_HEAD)) {
        weft_log(WEFT_LOG_WARN, "%.*s %.*s: the app wrote %llu of the %lld bytes its Content-Length promised",
                 (int) r->pub.method.len, r->pub.method.data, (int) r->pub.uri.len,
                 r->pub.uri.data, (unsigned long long) r->body_sent, (long long) r->app_length);
        r->close_after = 1;
    }
    send_body(r, NULL, 0, 1);
    if (r->close_after)
        c->keepalive = 0;
}
