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
#include "conf.h"
#include "conn.h"
#include "cores.h"
#include "log.h"
#include "request.h"
#include "worker.h"

#define HOLD_MAX 16384

const char *
weft_http_date(void)
{
    static char   buf[40];
    static time_t last;
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

int
weft_resp_set_status(weft_request_t *pub, const char *status, size_t len)
{
    weft_req_t *r = weft_req(pub);
    int         code;
    size_t      i;

    if (r->head_sent)
        return WEFT_ERROR;
    if (len < 3 || len >= sizeof(r->status) || (len > 3 && status[3] != ' '))
        return WEFT_ERROR;
    for (i = 0; i < 3; i++)
        if (status[i] < '0' || status[i] > '9')
            return WEFT_ERROR;
    for (i = 3; i < len; i++)
        if (status[i] == '\r' || status[i] == '\n' || status[i] == '\0')
            return WEFT_ERROR;
    code = (status[0] - '0') * 100 + (status[1] - '0') * 10 + (status[2] - '0');
    if (code < 100)
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
is_token(const char *s, size_t n)
{
    static const char specials[] = "!#$%&'*+-.^_`|~";
    size_t            i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char) s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
              || (ch != '\0' && strchr(specials, ch) != NULL)))
            return 0;
    }
    return 1;
}

static int
named(const char *name, size_t nlen, const char *what)
{
    return strlen(what) == nlen && strncasecmp(name, what, nlen) == 0;
}

int
weft_resp_add_header(weft_request_t *pub, const char *name, size_t nlen, const char *value,
                     size_t vlen)
{
    weft_req_t *r = weft_req(pub);
    size_t      i;

    if (r->head_sent || !is_token(name, nlen))
        return WEFT_ERROR;
    for (i = 0; i < vlen; i++)
        if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0')
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
        int64_t v = 0;
        if (vlen == 0 || vlen > 18)
            return WEFT_ERROR;
        for (i = 0; i < vlen; i++) {
            if (value[i] < '0' || value[i] > '9')
                return WEFT_ERROR;
            v = v * 10 + (value[i] - '0');
        }
        if (r->app_length >= 0 && r->app_length != v)
            return WEFT_ERROR;
        if (r->app_length >= 0)
            return WEFT_OK;
        r->app_length = v;
    } else if (named(name, nlen, "date")) {
        r->app_date = 1;
    }

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

/* The client is gone: stop writing. */
static int
gone(weft_req_t *r, const char *why)
{
    weft_conn_t *c = r->conn;

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

/*
 * Write iov to the client.  On a full socket, a core with a suspend engine
 * waits; without one the rest is queued (and drained from the loop).
 */
static int
send_iov(weft_req_t *r, struct iovec *iov, int n)
{
    weft_conn_t *c = r->conn;
    size_t       total = 0;
    int          i;

    if (c->gone)
        return WEFT_ERROR;
    for (i = 0; i < n; i++)
        total += iov[i].iov_len;
    if (!weft_outq_empty(&c->outq))
        return weft_outq_push_iov(&c->outq, iov, n, 0) == WEFT_OK ? WEFT_OK
                                                                   : gone(r, "out of memory");
    while (total > 0) {
        ssize_t w;

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
            if (errno != EAGAIN)
                return gone(r, "client went away");
            if (!weft_core_can_suspend())
                return weft_outq_push_iov(&c->outq, iov, n, 0) == WEFT_OK
                           ? WEFT_OK : gone(r, "out of memory");
            if (wait_writable(r) != WEFT_OK)
                return WEFT_ERROR;
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
    return WEFT_OK;
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
    r->no_body = (r->pub.flags & WEFT_REQ_HEAD) || code < 200 || code == 204 || code == 304;

    h->len = 0;
    if (weft_buf_reserve(h, r->headers.len + sizeof(r->status) + 256) != WEFT_OK)
        return WEFT_ERROR;
    /* The hot path of every response: plain copies, no printf. */
    APPEND(h, "HTTP/1.1 ", 9);
    APPEND(h, r->status, strlen(r->status));
    APPEND(h, "\r\n", 2);
    if (r->headers.len > 0)
        APPEND(h, r->headers.data, r->headers.len);

    if (r->app_length < 0 && !(code < 200 || code == 204 || code == 304)) {
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
    if (http) {
        if (r->close_after || !c->keepalive)
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
 * this is the end of the body.
 */
static int
send_body(weft_req_t *r, const char *data, size_t len, int final)
{
    struct iovec iov[6];
    char         chunk[24];
    int          n = 0;
    size_t       body = r->held.len + len;

    if (!r->head_sent) {
        if (build_head(r, final ? (int64_t) (r->body_sent) : -1) != WEFT_OK)
            return gone(r, "out of memory");
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
    if (n == 0)
        return WEFT_OK;
    r->pub.bytes_sent += body;
    return send_iov(r, iov, n);
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

    if (c->gone)
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
        if (!weft_core_can_suspend()) {
            if (weft_outq_push_file(&c->outq, fd, offset, len) != WEFT_OK)
                return gone(r, "out of memory");
            break;
        }
        if (wait_writable(r) != WEFT_OK)
            return WEFT_ERROR;
    }
    if (r->chunked) {
        struct iovec iov = { (void *) "\r\n", 2 };
        return send_iov(r, &iov, 1);
    }
    return WEFT_OK;
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
