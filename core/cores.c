/*
 * core/cores.c - async cores and the wait API.
 *
 * A core runs its request in one of two ways:
 *
 *  - With a suspend engine, the engine runs weft_core_main() on the core's
 *    own context.  Waiting (the app's, or the core's own I/O) switches back
 *    to the main loop, and the loop switches into the core when what it
 *    waits for happens.
 *
 *  - Without one, the language's request() runs on the main stack and
 *    returns WEFT_AGAIN to wait: the core is parked with its waits armed,
 *    and request() is called again when one fires.  Output that would block
 *    is queued and drained first.  A wait inside request() (suspend(), a
 *    body read) can only block the worker, and says so once.
 *
 * Either way the main loop finishes a request (next request on the
 * connection, core back to the pool) in core_complete(), never from inside
 * the core.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include "api.h"
#include "conf.h"
#include "conn.h"
#include "cores.h"
#include "log.h"
#include "proto.h"
#include "accesslog.h"
#include "registry.h"
#include "scoreboard.h"
#include "static.h"
#include "worker.h"

weft_acore_t *weft_current_core;
unsigned      weft_cores_busy;
unsigned      weft_ncores;

static weft_acore_t       *cores;
static weft_acore_t       *free_cores;
static struct event_base  *base;

static void core_step(weft_acore_t *c);
static void core_complete(weft_acore_t *c);

/* ------------------------------------------------------------ no language */

static int
no_language_request(weft_request_t *r)
{
    char body[96];
    int  n = snprintf(body, sizeof(body), "no application serves modifier1 %u\n",
                      r->modifier1);

    weft_log(WEFT_LOG_ERROR, "%.*s %.*s: no language plugin serves modifier1 %u",
             (int) r->method.len, r->method.data, (int) r->uri.len, r->uri.data,
             r->modifier1);
    weft_resp_set_status(r, "500 Internal Server Error", 25);
    weft_resp_add_header(r, "Content-Type", 12, "text/plain", 10);
    weft_resp_write(r, body, (size_t) n);
    return WEFT_OK;
}

static const weft_language_t no_language = {
    .size = sizeof(weft_language_t),
    .name = "none",
    .modifier1 = -1,
    .request = no_language_request,
};

/* ------------------------------------------------------------ pool */

int
weft_cores_init(struct event_base *b, unsigned n)
{
    unsigned i;

    base = b;
    cores = calloc(n, sizeof(*cores));
    if (cores == NULL) {
        weft_log(WEFT_LOG_ERROR, "out of memory for %u cores", n);
        return WEFT_ERROR;
    }
    for (i = n; i-- > 0;) {
        weft_acore_t *c = &cores[i];

        c->pub.id = i;
        c->req.core = c;
        c->req.pub.core = &c->pub;
        c->ready_fd = -1;
        if (base != NULL)
            evtimer_assign(&c->timer, base, NULL, NULL);
        c->next_free = free_cores;
        free_cores = c;
    }
    weft_ncores = n;
    if (weft_suspend_engine != NULL && weft_suspend_engine->prepare != NULL
        && weft_suspend_engine->prepare(n) != WEFT_OK) {
        weft_log(WEFT_LOG_ERROR, "the %s engine could not prepare %u cores",
                 weft_suspend_engine->name, n);
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

void
weft_cores_shrink(void)
{
    unsigned i;

    for (i = 0; i < weft_ncores; i++) {
        weft_acore_t *c = &cores[i];

        if (c->state != WEFT_CORE_FREE)
            continue;
        free(c->req.arena);
        free(c->req.vars);
        c->req.arena = NULL;
        c->req.vars = NULL;
        c->req.arena_cap = 0;
        c->req.vars_cap = 0;
        weft_buf_free(&c->req.headers);
        weft_buf_free(&c->req.head);
        weft_buf_free(&c->req.held);
        free(c->waits);
        c->waits = NULL;
        c->waits_cap = 0;
        if (weft_suspend_engine != NULL && weft_suspend_engine->shrink != NULL)
            weft_suspend_engine->shrink(&c->pub);
    }
}

weft_acore_t *
weft_core_take(void)
{
    weft_acore_t *c = free_cores;

    if (c == NULL)
        return NULL;
    free_cores = c->next_free;
    weft_cores_busy++;
    return c;
}

static void
core_release(weft_acore_t *c)
{
    c->pub.request = NULL;
    c->state = WEFT_CORE_FREE;
    c->started = c->finished = c->aborted = 0;
    c->req.conn = NULL;
    c->next_free = free_cores;
    free_cores = c;
    weft_cores_busy--;
}

/* ------------------------------------------------------------ waits */

static void wake(weft_acore_t *c, int fd, int timed_out);

static void
wait_cb(evutil_socket_t fd, short what, void *arg)
{
    wake(arg, (int) fd, 0);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
    weft_acore_t *c = arg;

    wake(c, -1, c->tick ? 0 : 1);
}

static void
set_deadline(weft_acore_t *c, double when)
{
    if (c->deadline == 0 || when < c->deadline)
        c->deadline = when;
}

static struct timeval
tv_until(double when)
{
    struct timeval tv;
    double         d = when - weft_now();

    if (d < 0)
        d = 0;
    tv.tv_sec = (time_t) d;
    tv.tv_usec = (suseconds_t) ((d - (double) tv.tv_sec) * 1e6);
    return tv;
}

/* Put the core's registered waits into the loop.  With nothing to wait
 * for, it waits for the next loop turn (after the loop has polled I/O). */
static void
arm_waits(weft_acore_t *c)
{
    unsigned i;

    for (i = 0; i < c->nwaits; i++) {
        weft_wait_t *w = &c->waits[i];
        event_assign(&w->ev, base, w->fd,
                     (short) ((w->events & WEFT_READ ? EV_READ : 0)
                              | (w->events & WEFT_WRITE ? EV_WRITE : 0)),
                     wait_cb, c);
        event_add(&w->ev, NULL);
    }
    event_assign(&c->timer, base, -1, 0, timer_cb, c);
    if (c->deadline > 0) {
        struct timeval tv = tv_until(c->deadline);
        c->tick = 0;
        evtimer_add(&c->timer, &tv);
    } else if (c->nwaits == 0 && c->io_wait == 0) {
        struct timeval zero = { 0, 0 };
        c->tick = 1;
        evtimer_add(&c->timer, &zero);
    }
}

static void
disarm_waits(weft_acore_t *c)
{
    unsigned i;

    for (i = 0; i < c->nwaits; i++)
        event_del(&c->waits[i].ev);
    c->nwaits = 0;
    evtimer_del(&c->timer);
    c->deadline = 0;
    c->tick = 0;
}

/* Switch away from a core to the main loop (suspend engine only). */
static void
yield(weft_acore_t *c)
{
    const weft_language_t *lang = c->req.lang;

    if (lang->on_suspend)
        lang->on_suspend(&c->pub);
    weft_suspend_engine->suspend(&c->pub);
    if (lang->on_resume)
        lang->on_resume(&c->pub);
}

/* No engine: park the core with its waits armed (request() is called
 * again when one fires).  With a suspend engine the caller then yields. */
static void
park(weft_acore_t *c)
{
    c->ready_fd = -1;
    c->timed_out = 0;
    arm_waits(c);
    c->state = WEFT_CORE_WAITING;
}

/* On the core's own context: wait for what it registered. */
static void loop_wait(weft_acore_t *c);

static void
wait_registered(weft_acore_t *c)
{
    if (weft_loop_engine != NULL) {
        loop_wait(c);
        return;
    }
    park(c);
    yield(c);
    c->state = WEFT_CORE_RUNNING;
}

/* On the main loop: run a core until it suspends or finishes. */
static void
run_slice(weft_acore_t *c, int start)
{
    c->state = WEFT_CORE_RUNNING;
    weft_current_core = c;
    if (start) {
        c->started = 1;
        if (weft_suspend_engine->start(&c->pub) != WEFT_OK) {
            weft_current_core = NULL;
            weft_log(WEFT_LOG_ERROR, "the %s engine could not start core %u",
                     weft_suspend_engine->name, c->pub.id);
            weft_resp_finish(&c->req, WEFT_ERROR);
            c->finished = 1;
        }
    } else {
        weft_suspend_engine->resume(&c->pub);
    }
    weft_current_core = NULL;
    if (c->finished)
        core_complete(c);
}

static void
wake(weft_acore_t *c, int fd, int timed_out)
{
    disarm_waits(c);
    if (c->io_wait & WEFT_WRITE)
        event_del(&c->req.conn->wev);
    c->ready_fd = fd;
    c->timed_out = timed_out;
    if (c->state != WEFT_CORE_WAITING)
        return;
    if (weft_suspend_engine != NULL)
        run_slice(c, 0);
    else
        core_step(c);
}

/* Block the worker until one of the core's waits fires (no engine). */
static void
block_for_waits(weft_acore_t *c)
{
    struct pollfd pfd[16];
    unsigned      i, n = c->nwaits < 16 ? c->nwaits : 16;
    int           timeout = -1, rc;

    c->ready_fd = -1;
    c->timed_out = 0;
    if (n == 0 && c->deadline == 0)
        return;                 /* nothing to wait for: just carry on */

    if (!c->req.warned_blocking) {
        weft_log(WEFT_LOG_WARN, "%.*s %.*s waits without a suspend engine: the whole worker waits with it (add a suspend engine: --ugreen, or --greenlet for Python)",
                 (int) c->req.pub.method.len, c->req.pub.method.data,
                 (int) c->req.pub.uri.len, c->req.pub.uri.data);
        c->req.warned_blocking = 1;
    }
    for (i = 0; i < n; i++) {
        pfd[i].fd = c->waits[i].fd;
        pfd[i].events = (short) ((c->waits[i].events & WEFT_READ ? POLLIN : 0)
                                 | (c->waits[i].events & WEFT_WRITE ? POLLOUT : 0));
        pfd[i].revents = 0;
    }
    if (c->deadline > 0) {
        double d = c->deadline - weft_now();
        timeout = d > 0 ? (int) (d * 1000 + 0.5) : 0;
    }
    do
        rc = poll(pfd, n, timeout);
    while (rc < 0 && errno == EINTR);
    if (rc == 0)
        c->timed_out = 1;
    for (i = 0; rc > 0 && i < n; i++)
        if (pfd[i].revents) {
            c->ready_fd = pfd[i].fd;
            break;
        }
    c->nwaits = 0;
    c->deadline = 0;
}

/*
 * Loop engine: wait for the core's registered fds, its timer, or (to
 * notice a client that leaves) its own connection, through the engine.
 * Bytes the client sends meanwhile (a pipelined request) are kept.
 */
static void
loop_wait(weft_acore_t *c)
{
    weft_conn_t *conn = c->req.conn;
    int          fds[17], events[17];
    unsigned     n = 0, i, ready, conn_slot = 17;

    for (i = 0; i < c->nwaits && n < 16; i++) {
        fds[n] = c->waits[i].fd;
        events[n++] = c->waits[i].events;
    }
    if (!conn->eof && !conn->gone && conn->in_end < conn->in_cap) {
        conn_slot = n;
        fds[n] = conn->fd;
        events[n++] = WEFT_READ;
    }
    c->ready_fd = -1;
    c->timed_out = 0;
    for (;;) {
        double timeout = c->deadline > 0 ? c->deadline - weft_clock()
                         : c->nwaits == 0 ? 0 : -1;
        int    rc;

        if (timeout < 0 && c->deadline > 0)
            timeout = 0;
        c->state = WEFT_CORE_WAITING;
        rc = weft_loop_engine->wait(fds, events, n, timeout, &ready);
        weft_current_core = c;
        c->state = WEFT_CORE_RUNNING;
        if (rc == WEFT_TIMEOUT) {
            c->timed_out = c->deadline > 0;
            break;
        }
        if (rc != WEFT_OK) {
            c->aborted = 1;
            break;
        }
        if (ready == conn_slot) {
            ssize_t got = weft_conn_fill(conn, conn->in_cap);
            if (got == 0 || got == -1) {
                conn->eof = 1;
                weft_core_abort(c, "client went away");
                break;
            }
            if (got == -3)
                n--;             /* the buffer is full: stop watching */
            continue;
        }
        c->ready_fd = fds[ready];
        break;
    }
    c->nwaits = 0;
    c->deadline = 0;
}

/* ------------------------------------------------------------ requests */

int
weft_core_begin(weft_acore_t *c, weft_conn_t *conn)
{
    weft_req_t *r = &c->req;

    conn->state = WEFT_CONN_REQUEST;
    conn->core = c;
    r->conn = conn;
    r->pub.ctx = NULL;
    r->pub.start_time = weft_clock();
    r->warned_blocking = 0;
    weft_resp_reset(r);
    c->nwaits = 0;
    c->deadline = 0;
    c->io_wait = 0;
    c->ready_fd = -1;
    c->timed_out = 0;

    if (weft_proto_build_request(conn, r) != WEFT_OK) {
        conn->core = NULL;
        core_release(c);
        return WEFT_ERROR;
    }
    if (weft_static_enabled() && weft_static_route(r) == WEFT_OK)
        r->lang = &weft_static_language;
    else if ((r->lang = weft_language_for(r->pub.modifier1)) == NULL)
        r->lang = &no_language;
    c->pub.request = &r->pub;
    weft_scoreboard_begin(c->pub.id, r->pub.method.data, r->pub.method.len, r->pub.uri.data,
                          r->pub.uri.len, r->pub.start_time);
    return WEFT_OK;
}

void
weft_core_start(weft_acore_t *c, weft_conn_t *conn)
{
    if (weft_core_begin(c, conn) != WEFT_OK) {
        weft_conn_reject(conn, conn->head_error);
        weft_worker_core_freed();
        return;
    }
    if (weft_suspend_engine != NULL && c->req.lang != &no_language)
        run_slice(c, 1);
    else
        core_step(c);
}

void
weft_core_main(weft_core_t *pub)
{
    weft_acore_t *c = (weft_acore_t *) pub;
    weft_req_t   *r = &c->req;
    int           rc;

    for (;;) {
        c->in_request = 1;
        rc = r->lang->request(&r->pub);
        c->in_request = 0;
        if (rc != WEFT_AGAIN || c->aborted || r->conn->gone)
            break;
        weft_resp_flush(r);
        wait_registered(c);
    }
    c->last_rc = rc == WEFT_AGAIN ? WEFT_ERROR : rc;
    weft_resp_finish(r, c->last_rc);
    if (r->lang->request_done)
        r->lang->request_done(&r->pub);
    c->finished = 1;
}

/* No engine: the request's output is out, the request is over. */
static void
finish_parked(weft_acore_t *c)
{
    if (c->req.lang->request_done)
        c->req.lang->request_done(&c->req.pub);
    c->finished = 1;
    core_complete(c);
}

/* No engine: queued output must drain before anything else happens. */
static int
must_drain(weft_acore_t *c)
{
    weft_conn_t *conn = c->req.conn;

    if (weft_outq_empty(&conn->outq) || conn->gone)
        return 0;
    {
        struct timeval tv = tv_until(weft_now() + weft_conf.socket_timeout);
        event_add(&conn->wev, &tv);
    }
    c->state = WEFT_CORE_DRAINING;
    return 1;
}

/* No engine: call request() once; park, drain or finish after it. */
static void
core_step(weft_acore_t *c)
{
    weft_req_t *r = &c->req;
    int         rc;

    c->state = WEFT_CORE_RUNNING;
    weft_current_core = c;
    c->in_request = 1;
    rc = r->lang->request(&r->pub);
    c->in_request = 0;
    weft_current_core = NULL;

    if (rc == WEFT_AGAIN && !c->aborted && !r->conn->gone) {
        weft_resp_flush(r);
        c->last_rc = rc;
        if (!must_drain(c))
            park(c);
        return;
    }
    c->last_rc = rc == WEFT_AGAIN ? WEFT_ERROR : rc;
    weft_resp_finish(r, c->last_rc);
    if (must_drain(c))
        return;
    finish_parked(c);
}

static void
drain(weft_acore_t *c, int timed_out)
{
    weft_conn_t *conn = c->req.conn;
    int          rc = timed_out ? WEFT_ERROR : weft_outq_drain(&conn->outq, conn->fd);

    if (rc == WEFT_AGAIN) {
        struct timeval tv = tv_until(weft_now() + weft_conf.socket_timeout);
        event_add(&conn->wev, &tv);
        return;
    }
    if (rc == WEFT_ERROR) {
        if (!conn->gone)
            weft_log(WEFT_LOG_INFO, "%s:%s: client %s during %.*s %.*s (core %u)",
                     conn->peer_addr, conn->peer_port,
                     timed_out ? "stopped reading the response" : "went away",
                     (int) c->req.pub.method.len, c->req.pub.method.data,
                     (int) c->req.pub.uri.len, c->req.pub.uri.data, c->pub.id);
        conn->gone = 1;
        c->aborted = 1;
        c->req.pub.flags |= WEFT_REQ_CLIENT_GONE;
        weft_outq_clear(&conn->outq);
    }
    if (c->last_rc != WEFT_AGAIN || conn->gone) {
        if (c->last_rc == WEFT_AGAIN) {
            /* Gone while the app was still producing: call it once more so
             * it sees its writes fail, then finish whatever it says. */
            core_step(c);
            return;
        }
        finish_parked(c);
        return;
    }
    park(c);
}

void
weft_core_conn_event(weft_acore_t *c, int events, int timed_out)
{
    if (c->state == WEFT_CORE_DRAINING && (events & WEFT_WRITE)) {
        drain(c, timed_out);
        return;
    }
    if (c->state == WEFT_CORE_WAITING && (c->io_wait & events))
        wake(c, c->req.conn->fd, timed_out);
}

void
weft_core_abort(weft_acore_t *c, const char *why)
{
    weft_conn_t *conn = c->req.conn;

    if (c->aborted)
        return;
    c->aborted = 1;
    c->req.pub.flags |= WEFT_REQ_CLIENT_GONE;
    if (!conn->gone)
        weft_log(WEFT_LOG_INFO, "%s:%s: %s during %.*s %.*s (core %u)", conn->peer_addr,
                 conn->peer_port, why, (int) c->req.pub.method.len,
                 c->req.pub.method.data, (int) c->req.pub.uri.len, c->req.pub.uri.data,
                 c->pub.id);
    conn->gone = 1;
    weft_outq_clear(&conn->outq);
    if (weft_loop_engine != NULL)
        return;              /* the core's own wait notices */
    if (c->state == WEFT_CORE_WAITING)
        wake(c, -1, 0);
    else if (c->state == WEFT_CORE_DRAINING)
        drain(c, 0);
}

void
weft_core_end(weft_acore_t *c)
{
    weft_conn_t *conn = c->req.conn;

    if (base != NULL)
        disarm_waits(c);
    c->io_wait = 0;
    if (c->aborted || conn->gone || c->req.close_after)
        conn->keepalive = 0;
    if (conn->keepalive && weft_body_discard(conn) != WEFT_OK)
        conn->keepalive = 0;
    weft_scoreboard_end(c->pub.id);
    weft_accesslog(&c->req);
    weft_vars_reset(&c->req);
    core_release(c);
    weft_worker_request_done();
}

/* The main loop's end of a request. */
static void
core_complete(weft_acore_t *c)
{
    weft_conn_t *conn = c->req.conn;

    weft_core_end(c);
    weft_conn_next_request(conn);
    weft_worker_core_freed();
}

int
weft_core_can_suspend(void)
{
    return (weft_suspend_engine != NULL || weft_loop_engine != NULL)
           && weft_current_core != NULL;
}

int
weft_core_wait_conn(weft_acore_t *c, int events, double timeout)
{
    weft_conn_t *conn = c->req.conn;

    if (c->aborted || conn->gone)
        return WEFT_ERROR;
    if (weft_loop_engine != NULL && weft_current_core == c) {
        int      fd = conn->fd, ev = events, rc;
        unsigned ready;

        rc = weft_loop_engine->wait(&fd, &ev, 1, timeout, &ready);
        weft_current_core = c;
        if (rc == WEFT_ERROR)
            c->aborted = 1;
        return rc == WEFT_OK ? WEFT_OK : rc == WEFT_TIMEOUT ? WEFT_TIMEOUT : WEFT_ERROR;
    }
    if (!weft_core_can_suspend()) {
        struct pollfd pfd = { conn->fd, (short) ((events & WEFT_READ ? POLLIN : 0)
                                                 | (events & WEFT_WRITE ? POLLOUT : 0)), 0 };
        int           rc;

        do
            rc = poll(&pfd, 1, (int) (timeout * 1000));
        while (rc < 0 && errno == EINTR);
        return rc > 0 ? WEFT_OK : rc == 0 ? WEFT_TIMEOUT : WEFT_ERROR;
    }

    c->io_wait = events;
    if (events & WEFT_WRITE) {
        struct timeval tv = tv_until(weft_now() + timeout);
        event_add(&conn->wev, &tv);
    }
    if (events & WEFT_READ)
        weft_conn_resume_reading(conn);
    /* The app's own registrations wait for its next suspend. */
    {
        unsigned saved = c->nwaits;
        double   saved_deadline = c->deadline;

        c->nwaits = 0;
        c->deadline = (events & WEFT_READ) ? weft_now() + timeout : 0;
        park(c);
        yield(c);
        c->state = WEFT_CORE_RUNNING;
        c->nwaits = saved;
        c->deadline = saved_deadline;
    }
    c->io_wait = 0;
    if (c->aborted || conn->gone)
        return WEFT_ERROR;
    return c->timed_out ? WEFT_TIMEOUT : WEFT_OK;
}

/* ------------------------------------------------------------ the API */

static weft_acore_t *
core_of(weft_request_t *r)
{
    return (weft_acore_t *) r->core;
}

int
weft_api_watch_fd(weft_request_t *r, int fd, int events, double timeout)
{
    weft_acore_t *c = core_of(r);

    if (fd < 0 || (events & (WEFT_READ | WEFT_WRITE)) == 0)
        return WEFT_ERROR;
    if (c->nwaits == c->waits_cap) {
        unsigned     cap = c->waits_cap ? c->waits_cap * 2 : 4;
        weft_wait_t *w = realloc(c->waits, cap * sizeof(*w));
        if (w == NULL)
            return WEFT_ERROR;
        c->waits = w;
        c->waits_cap = cap;
    }
    c->waits[c->nwaits].fd = fd;
    c->waits[c->nwaits].events = (short) events;
    c->waits[c->nwaits].core = c;
    c->nwaits++;
    if (timeout > 0)
        set_deadline(c, weft_now() + timeout);
    return WEFT_OK;
}

int
weft_api_watch_timer(weft_request_t *r, double seconds)
{
    set_deadline(core_of(r), weft_now() + (seconds > 0 ? seconds : 0));
    return WEFT_OK;
}

int
weft_api_suspend(weft_request_t *r)
{
    weft_acore_t *c = core_of(r);

    if (c != weft_current_core) {
        weft_log(WEFT_LOG_ERROR, "suspend() called for core %u from outside it", c->pub.id);
        return WEFT_ERROR;
    }
    if (c->aborted) {
        c->nwaits = 0;
        c->deadline = 0;
        return WEFT_ERROR;
    }
    if (!weft_core_can_suspend()) {
        block_for_waits(c);
        return WEFT_OK;
    }
    weft_resp_flush(&c->req);
    wait_registered(c);
    return c->aborted ? WEFT_ERROR : WEFT_OK;
}

int
weft_api_ready_fd(weft_request_t *r)
{
    return core_of(r)->ready_fd;
}

int
weft_api_timed_out(weft_request_t *r)
{
    return core_of(r)->timed_out;
}

int
weft_api_wait_fd(weft_request_t *r, int fd, int events, double timeout)
{
    weft_acore_t *c = core_of(r);

    if (weft_api_watch_fd(r, fd, events, timeout) != WEFT_OK)
        return WEFT_ERROR;
    if (weft_api_suspend(r) != WEFT_OK)
        return WEFT_ERROR;
    if (c->ready_fd == fd)
        return WEFT_OK;
    return c->timed_out ? WEFT_TIMEOUT : WEFT_OK;
}

int
weft_api_sleep(weft_request_t *r, double seconds)
{
    weft_api_watch_timer(r, seconds);
    return weft_api_suspend(r);
}

weft_request_t *
weft_api_current_request(void)
{
    return weft_current_core ? &weft_current_core->req.pub : NULL;
}
