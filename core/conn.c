/*
 * core/conn.c - client connections: accepting, reading request heads
 * without a core, keep-alive, timeouts, rejecting bad heads, closing.
 */
#include "config.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <weft/status.h>
#include "app_guard.h"
#include "conf.h"
#include "conn.h"
#include "cores.h"
#include "log.h"
#include "loop_lock.h"
#include "proto.h"
#include "scoreboard.h"
#include "worker.h"
#include "threads.h"

#define CONN_BUFFER_START 4096

/* On a graceful stop, how long a connection with no request yet (fresh,
 * or idle between keep-alive requests) may still send one. */
#define STOP_GRACE_SECONDS 2.0

WEFT_TLS unsigned weft_nconns;      /* this thread's */

static WEFT_TLS weft_conn_t *live;

static void
live_link(weft_conn_t *c)
{
    c->live_prev = NULL;
    c->live_next = live;
    if (live != NULL)
        live->live_prev = c;
    live = c;
}

static void
live_unlink(weft_conn_t *c)
{
    if (c->live_prev != NULL)
        c->live_prev->live_next = c->live_next;
    else if (live == c)
        live = c->live_next;
    if (c->live_next != NULL)
        c->live_next->live_prev = c->live_prev;
}

/* A connection the stopping worker still waits for: one owing the rest of
 * a response or a body, or one that may still send a request (within
 * its stop grace, weft_conns_stop). */
static int
pending(const weft_conn_t *c)
{
    return c->state == WEFT_CONN_BODY || c->state == WEFT_CONN_DRAIN
           || c->state == WEFT_CONN_HEAD;
}

unsigned
weft_conns_pending(void)
{
    weft_conn_t *c;
    unsigned     n = 0;

    for (c = live; c != NULL; c = c->live_next)
        n += pending(c);
    return n;
}

static void conn_read_cb(evutil_socket_t fd, short what, void *arg);
static void conn_write_cb(evutil_socket_t fd, short what, void *arg);

static struct timeval
tv_of(double seconds)
{
    struct timeval tv;

    if (seconds < 0)
        seconds = 0;
    tv.tv_sec = (time_t) seconds;
    tv.tv_usec = (suseconds_t) ((seconds - (double) tv.tv_sec) * 1e6);
    return tv;
}

/* (Re)arm the read event with a timeout at c->deadline. */
static void
arm_read(weft_conn_t *c)
{
    struct timeval tv = tv_of(c->deadline - weft_now());

    if (c->hijacked)
        return;                 /* the plugin owns the connection */
    event_add(&c->rev, &tv);
    c->rev_added = 1;
    c->rev_paused = 0;
}

const char *
weft_http_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    }
    return "Unknown";
}

/* What `in` points at while a connection has no input buffer (before its
 * first read, and while a request waits): never written, never freed. */
static char no_input[1];

ssize_t
weft_conn_fill(weft_conn_t *c, size_t limit)
{
    ssize_t n;

    if (c->in_cap == 0) {
        char *p = malloc(CONN_BUFFER_START);

        if (p == NULL)
            return WEFT_FILL_ERROR;
        c->in = p;
        c->in_cap = CONN_BUFFER_START;
    } else if (c->in_end == c->in_cap) {
        size_t cap;
        char  *p;

        if (c->in_cap >= limit)
            return WEFT_FILL_FULL;
        cap = c->in_cap * 2 < limit ? c->in_cap * 2 : limit;
        p = realloc(c->in, cap);
        if (p == NULL)
            return WEFT_FILL_ERROR;
        c->in = p;
        c->in_cap = cap;
    }
    for (;;) {
        n = read(c->fd, c->in + c->in_end, c->in_cap - c->in_end);
        if (n > 0) {
            c->in_end += (size_t) n;
            weft_scoreboard_rx((size_t) n);
            return n;
        }
        if (n == 0)
            return WEFT_FILL_EOF;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN ? WEFT_FILL_AGAIN : WEFT_FILL_ERROR;
    }
}

void
weft_conn_compact(weft_conn_t *c)
{
    if (c->in_pos == 0)
        return;
    if (c->in_pos < c->in_end)
        memmove(c->in, c->in + c->in_pos, c->in_end - c->in_pos);
    c->in_end -= c->in_pos;
    c->in_pos = 0;
}

void
weft_conn_compact_from(weft_conn_t *c, size_t keep)
{
    if (c->in_pos <= keep)
        return;
    if (c->in_pos < c->in_end)
        memmove(c->in + keep, c->in + c->in_pos, c->in_end - c->in_pos);
    c->in_end -= c->in_pos - keep;
    c->in_pos = keep;
}

void
weft_conn_release_input(weft_conn_t *c)
{
    if (c->in_cap == 0 || c->in_pos != c->in_end || c->body_len != 0)
        return;
    free(c->in);
    c->in = no_input;
    c->in_cap = c->in_pos = c->in_end = 0;
    /* The head's field index points into that buffer: it goes too. */
    free(c->hdrs);
    c->hdrs = NULL;
    c->hdrs_cap = c->nhdrs = 0;
}

void
weft_conn_resume_reading(weft_conn_t *c)
{
    if (c->rev_paused && !c->eof && !c->gone && !c->hijacked) {
        event_add(&c->rev, NULL);
        c->rev_added = 1;
        c->rev_paused = 0;
    }
}

static void
pause_reading(weft_conn_t *c)
{
    if (c->rev_added) {
        event_del(&c->rev);
        c->rev_added = 0;
    }
    c->rev_paused = 1;
}

void
weft_conn_close(weft_conn_t *c)
{
    live_unlink(c);
    if (c->queued)
        weft_worker_unqueue(c);
    if (c->evented) {
        event_del(&c->rev);
        event_del(&c->wev);
    }
    close(c->fd);
    weft_outq_clear(&c->outq);
    weft_outq_release(&c->outq);
    weft_bodybuf_free(&c->body);
    if (c->in_cap != 0)
        free(c->in);
    free(c->hdrs);
    free(c);
    weft_nconns--;
    if (weft_worker_stopping)
        weft_worker_check_stop();
    else
        weft_worker_resume_accept();    /* under --max-conns again */
}

unsigned
weft_conns_stop(void)
{
    weft_conn_t *c, *next;
    double       grace = weft_now() + STOP_GRACE_SECONDS;

    /* An idle keep-alive connection is not closed at once: a proxy (nginx's
     * upstream keepalive) may be sending a request on it right now, and a
     * close would reset it.  It gets the grace too; what arrives is served
     * and answered with "Connection: close" (response.c). */
    for (c = live; c != NULL; c = next) {
        next = c->live_next;
        if (c->state != WEFT_CONN_HEAD || !c->evented)
            continue;             /* a body being buffered finishes */
        if (c->deadline > grace) {
            c->deadline = grace;
            arm_read(c);
        }
    }
    return weft_conns_pending();
}

void
weft_conns_close_fds(void)
{
    weft_conn_t *c;

    for (c = live; c != NULL; c = c->live_next)
        close(c->fd);
}

void
weft_conn_close_lingering(weft_conn_t *c)
{
    if (c->eof || c->gone || shutdown(c->fd, SHUT_WR) != 0) {
        weft_conn_close(c);
        return;
    }
    event_del(&c->wev);
    c->state = WEFT_CONN_LINGER;
    c->in_pos = c->in_end = 0;
    weft_bodybuf_free(&c->body);
    c->body_read = 0;           /* counts discarded bytes from here */
    c->deadline = weft_now() + WEFT_LINGER_SECONDS;
    arm_read(c);
}

void
weft_conn_reject_write(weft_conn_t *c, int status)
{
    char    buf[512];
    int     n;
    ssize_t w;

    n = snprintf(buf, sizeof(buf),
                 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                 "Connection: close\r\nDate: %s\r\n\r\n%d %s\n",
                 status, weft_http_reason(status),
                 strlen(weft_http_reason(status)) + 5, weft_http_date(), status,
                 weft_http_reason(status));
    do
        w = write(c->fd, buf, (size_t) n);
    while (w < 0 && errno == EINTR);
    weft_log(WEFT_LOG_INFO, "%s:%s: rejected a request with %d %s%s%s", c->peer_addr,
             c->peer_port, status, weft_http_reason(status), c->head_why ? ": " : "",
             c->head_why ? c->head_why : "");
}

void
weft_conn_reject(weft_conn_t *c, int status)
{
    if (status == 0 || c->gone) {
        weft_conn_close(c);
        return;
    }
    weft_conn_reject_write(c, status);
    weft_conn_close_lingering(c);
}

void
weft_conn_next_request(weft_conn_t *c)
{
    c->core = NULL;
    if (c->hijacked) {
        weft_conn_close(c);     /* no shutdown(): the plugin's fd lives on */
        return;
    }
    if (!c->keepalive || c->gone || c->eof) {
        if (!c->gone && !c->eof && c->in_end > c->in_pos)
            weft_conn_close_lingering(c);   /* unread input: don't reset */
        else
            weft_conn_close(c);
        return;
    }
    weft_conn_reuse(c);
    /* The answer said keep-alive (its head went out before the stop): the
     * client may reuse it at once, so it gets the stop grace, not a close. */
    if (weft_worker_stopping && c->deadline > weft_now() + STOP_GRACE_SECONDS)
        c->deadline = weft_now() + STOP_GRACE_SECONDS;
    if (c->in_end > c->in_pos) {
        /* A pipelined request is already here: parse it on the next loop
         * turn (not from here, which may be deep in a finished request). */
        c->deadline = weft_now() + weft_conf.socket_timeout;
        if (!c->rev_added)
            arm_read(c);
        event_active(&c->rev, EV_READ, 0);
        return;
    }
    arm_read(c);
}

void
weft_conn_offload(weft_conn_t *c)
{
    struct timeval tv = tv_of(weft_conf.socket_timeout);

    c->core = NULL;
    c->state = WEFT_CONN_DRAIN;
    event_add(&c->wev, &tv);
}

/* The queue is out (next request) or the client is gone (close). */
static void
on_drain_write(weft_conn_t *c, short what)
{
    int rc = (what & EV_TIMEOUT) ? WEFT_ERROR : weft_outq_drain(&c->outq, c->fd);

    weft_outq_release(&c->outq);
    if (rc == WEFT_AGAIN) {
        struct timeval tv = tv_of(weft_conf.socket_timeout);
        event_add(&c->wev, &tv);
        return;
    }
    if (rc == WEFT_ERROR) {
        weft_log(WEFT_LOG_INFO, "%s:%s: client %s with %zu bytes of its response still queued",
                 c->peer_addr, c->peer_port,
                 (what & EV_TIMEOUT) ? "stopped reading" : "went away", c->outq.bytes);
        weft_conn_close(c);
        return;
    }
    weft_conn_next_request(c);
}

/* Input while the response drains: keep it (a pipelined request).  A
 * client that only shut its side down still reads: drain on, then close;
 * one whose socket failed is gone. */
static void
on_drain_read(weft_conn_t *c, short what)
{
    ssize_t n;

    if (what & EV_TIMEOUT) {
        event_add(&c->rev, NULL);      /* the write side keeps the deadline */
        return;
    }
    n = weft_conn_fill(c, c->in_cap > weft_conn_head_limit(c) ? c->in_cap
                                                               : weft_conn_head_limit(c));
    if (n == WEFT_FILL_EOF) {
        c->eof = 1;
        pause_reading(c);
    } else if (n == WEFT_FILL_ERROR) {
        weft_log(WEFT_LOG_INFO, "%s:%s: client went away with %zu bytes of its response still queued",
                 c->peer_addr, c->peer_port, c->outq.bytes);
        weft_conn_close(c);
    } else if (n == WEFT_FILL_FULL) {
        pause_reading(c);
    }
}

static void
dispatch(weft_conn_t *c)
{
    weft_acore_t *core = weft_core_take();

    if (core == NULL) {
        c->state = WEFT_CONN_QUEUED;
        weft_worker_enqueue(c);
        return;
    }
    weft_core_start(core, c);
}

/* The head (or the body the loop buffers) can be read: read it. */
static void
on_head_event(weft_conn_t *c, short what)
{
    weft_input_t next;

    if (what & EV_TIMEOUT) {
        if (weft_now() + 0.001 < c->deadline) {
            arm_read(c);
            return;
        }
        next = weft_conn_read_timeout(c);
    } else {
        next = weft_conn_read(c);
    }
    switch (next) {
    case WEFT_INPUT_WAIT:
        arm_read(c);
        break;
    case WEFT_INPUT_READY:
        dispatch(c);
        break;
    case WEFT_INPUT_REJECT:
        weft_conn_reject(c, c->head_error);
        break;
    case WEFT_INPUT_CLOSE:
        weft_conn_close(c);
        break;
    }
}

/* Input while queued: keep it (it is the body or the next request), watch
 * for the client giving up. */
static void
on_queued_event(weft_conn_t *c, short what)
{
    ssize_t n;

    if (what & EV_TIMEOUT) {
        event_add(&c->rev, NULL);      /* waiting for a core has no deadline */
        return;
    }
    n = weft_conn_fill(c, c->in_cap);
    if (n == WEFT_FILL_EOF || n == WEFT_FILL_ERROR) {
        weft_log(WEFT_LOG_INFO, "%s:%s: client went away while its request waited for a core",
                 c->peer_addr, c->peer_port);
        weft_conn_close(c);
    } else if (n == WEFT_FILL_FULL) {
        pause_reading(c);
    }
}

static void
on_request_event(weft_conn_t *c, short what)
{
    weft_acore_t *core = c->core;
    ssize_t       n;

    if (what & EV_TIMEOUT) {
        event_add(&c->rev, NULL);      /* the core keeps its own deadlines */
        return;
    }
    if (core->io_wait & WEFT_READ) {
        weft_core_conn_event(core, WEFT_READ, 0);
        return;
    }
    n = weft_conn_fill(c, c->in_cap);
    if (n > 0 || n == WEFT_FILL_AGAIN)
        return;
    if (n == WEFT_FILL_FULL) {
        pause_reading(c);
        return;
    }
    /* EOF or error while the request runs: the client is gone. */
    c->eof = 1;
    pause_reading(c);
    weft_core_abort(core, "client went away");
}

static void
on_linger_event(weft_conn_t *c, short what)
{
    ssize_t n;

    if (what & EV_TIMEOUT) {
        weft_conn_close(c);
        return;
    }
    c->in_pos = c->in_end = 0;
    n = weft_conn_fill(c, c->in_cap);
    if (n > 0)
        c->body_read += (uint64_t) n;
    if (n == WEFT_FILL_EOF || n == WEFT_FILL_ERROR || c->body_read > WEFT_LINGER_MAX_BYTES)
        weft_conn_close(c);
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
    weft_conn_t *c = arg;

    WEFT_LOOP_LOCKED(conn_read_cb, fd, what, arg);

    switch (c->state) {
    case WEFT_CONN_HEAD:
    case WEFT_CONN_BODY:
        on_head_event(c, what);
        break;
    case WEFT_CONN_QUEUED:
        on_queued_event(c, what);
        break;
    case WEFT_CONN_REQUEST:
        on_request_event(c, what);
        break;
    case WEFT_CONN_LINGER:
        on_linger_event(c, what);
        break;
    case WEFT_CONN_DRAIN:
        on_drain_read(c, what);
        break;
    }
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
    weft_conn_t *c = arg;

    WEFT_LOOP_LOCKED(conn_write_cb, fd, what, arg);

    if (c->state == WEFT_CONN_DRAIN)
        on_drain_write(c, what);
    else if (c->core != NULL)
        weft_core_conn_event(c->core, WEFT_WRITE, (what & EV_TIMEOUT) != 0);
}

weft_conn_t *
weft_conn_new(int fd, weft_listener_t *ls, const struct sockaddr_storage *ss, int evented)
{
    weft_conn_t *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->in = no_input;               /* the first weft_conn_fill() allocates */
    c->fd = fd;
    c->ls = ls;
    weft_outq_init(&c->outq);
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const void *) ss;
        inet_ntop(AF_INET, &s4->sin_addr, c->peer_addr, sizeof(c->peer_addr));
        snprintf(c->peer_port, sizeof(c->peer_port), "%u", ntohs(s4->sin_port));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const void *) ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, c->peer_addr, sizeof(c->peer_addr));
        snprintf(c->peer_port, sizeof(c->peer_port), "%u", ntohs(s6->sin6_port));
    } else {
        strcpy(c->peer_addr, "unix");
        c->peer_port[0] = '\0';
    }
    weft_bodybuf_init(&c->body);
    if (evented) {
        event_assign(&c->rev, weft_base, fd, EV_READ | EV_PERSIST, conn_read_cb, c);
        event_assign(&c->wev, weft_base, fd, EV_WRITE, conn_write_cb, c);
        c->evented = 1;
    }
    weft_http_reset(c);
    c->state = WEFT_CONN_HEAD;
    c->keepalive = 1;
    weft_nconns++;
    live_link(c);
    return c;
}

int
weft_conn_accept_fd(weft_listener_t *ls, struct sockaddr_storage *ss)
{
    static WEFT_TLS double last_emfile;
    socklen_t     len = sizeof(*ss);
    int           fd, one = 1;

    for (;;) {
        fd = accept4(ls->fd, (struct sockaddr *) ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0)
            break;
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        int err = errno;

        if (err == EMFILE || err == ENFILE) {
            if (weft_clock() - last_emfile > 10) {
                weft_log(WEFT_LOG_ERROR, "cannot accept on %s: %s (raise the open files "
                         "limit, ulimit -n): backing off", ls->name, strerror(err));
                last_emfile = weft_clock();
            }
        } else if (err != EAGAIN) {
            weft_log(WEFT_LOG_WARN, "accept on %s: %s", ls->name, strerror(err));
        }
        errno = err;                    /* the caller backs off on EMFILE */
        return -1;
    }
    if (fd <= 2 && (fd = weft_app_guard_fd(fd)) < 0)
        return -1;                      /* an app closed a standard fd */
    if (!ls->is_unix)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

void
weft_conn_accept(weft_listener_t *ls)
{
    /* --threads: one at a time, so the next goes to a thread with a free
     * core (a thread whose cores are all busy stops accepting). */
    int i, most = weft_threads_on() ? 1 : 64;

    for (i = 0; i < most; i++) {
        struct sockaddr_storage ss;
        weft_conn_t            *c;
        int                     fd = weft_conn_accept_fd(ls, &ss);

        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE)
                weft_worker_accept_backoff();
            return;
        }
        c = weft_conn_new(fd, ls, &ss, 1);
        if (c == NULL) {
            weft_log(WEFT_LOG_ERROR, "out of memory accepting a connection");
            close(fd);
            return;
        }
        if (most == 1)
            weft_worker_accept_pause();     /* --threads: pause before the head */
        weft_conn_read_begin(c, 1);
        arm_read(c);
        if (!weft_worker_accepted())
            return;                     /* --max-conns */
    }
}
