/*
 * core/wait.c - the wait API: what a core registers (fds, a timer), and how
 * it waits for them in each of the three ways a core runs:
 *
 *  - with a suspend engine, the waits go into the libevent loop and the
 *    core switches away (weft_core_yield) until one fires;
 *  - without an engine, they go into the loop and the core is parked:
 *    request() is called again when one fires (a wait inside request()
 *    can only block the worker in poll(2), and says so once);
 *  - under a loop engine, the engine's wait() does it all.
 *
 * When a wait fires, weft_core_wake() (cores.c) resumes the core.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include "conf.h"
#include "conn.h"
#include "cores.h"
#include "log.h"
#include "loop_lock.h"
#include "registry.h"
#include "scoreboard.h"
#include "wait.h"
#include "worker.h"
#include "threads.h"

static WEFT_TLS struct event_base *base;    /* this thread's */

static void loop_wait(weft_acore_t *c);

void
weft_waits_init(struct event_base *b)
{
    base = b;
}

static void
wait_cb(evutil_socket_t fd, short what, void *arg)
{
    WEFT_LOOP_LOCKED(wait_cb, fd, what, arg);
    weft_core_wake(arg, (int) fd, 0);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
    weft_acore_t *c = arg;

    WEFT_LOOP_LOCKED(timer_cb, fd, what, arg);

    weft_core_wake(c, -1, c->tick ? 0 : 1);
}

static void
set_deadline(weft_acore_t *c, double when)
{
    if (c->deadline == 0 || when < c->deadline)
        c->deadline = when;
}

struct timeval
weft_tv_until(double when)
{
    struct timeval tv;
    double         d;

    /* libevent adds tv to its own (cached) monotonic now: refresh it, so
     * both count from this instant and a timer never fires early. */
    if (base != NULL)
        event_base_update_cache_time(base);
    d = when - weft_now();

    if (d < 0)
        d = 0;
    tv.tv_sec = (time_t) d;
    tv.tv_usec = (suseconds_t) ((d - (double) tv.tv_sec) * 1e6);
    return tv;
}

/* Put the core's registered waits into the loop.  With nothing to wait
 * for, it waits for the next loop turn (after the loop has polled I/O). */
void
weft_wait_arm(weft_acore_t *c)
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
        struct timeval tv = weft_tv_until(c->deadline);
        c->tick = 0;
        evtimer_add(&c->timer, &tv);
    } else if (c->nwaits == 0 && c->io_wait == 0) {
        struct timeval zero = { 0, 0 };
        c->tick = 1;
        evtimer_add(&c->timer, &zero);
    }
}

void
weft_wait_disarm(weft_acore_t *c)
{
    unsigned i;

    for (i = 0; i < c->nwaits; i++)
        event_del(&c->waits[i].ev);
    c->nwaits = 0;
    evtimer_del(&c->timer);
    c->deadline = 0;
    c->tick = 0;
}

/* What a suspended core waits for, for the scoreboard. */
static const char *
waits_for(const weft_acore_t *c)
{
    if (c->io_wait & WEFT_READ)
        return "client read";
    if (c->io_wait & WEFT_WRITE)
        return "client write";
    if (c->nwaits > 0)
        return c->deadline > 0 ? "fd or timer" : "fd";
    if (c->deadline > 0)
        return "timer";
    return "next loop turn";
}

/* No engine: park the core with its waits armed (request() is called
 * again when one fires).  With a suspend engine the caller then yields. */
void
weft_wait_park(weft_acore_t *c)
{
    c->ready_fd = -1;
    c->timed_out = 0;
    weft_wait_arm(c);
    c->state = WEFT_CORE_WAITING;
    weft_scoreboard_suspended(c->pub.id, waits_for(c));
}

/* Suspend engine, on the core's own context: arm its waits and switch
 * away until one fires. */
static void
park_and_yield(weft_acore_t *c)
{
    weft_wait_park(c);
    weft_core_yield(c);
    c->state = WEFT_CORE_RUNNING;
}

/* On the core's own context: wait for what it registered. */
void
weft_wait_registered(weft_acore_t *c)
{
    weft_conn_release_input(c->req.conn);
    weft_resp_release_idle(&c->req);
    if (weft_loop_engine != NULL) {
        loop_wait(c);
        return;
    }
    park_and_yield(c);
}

typedef struct {
    struct pollfd *pfd;
    nfds_t         n;
    int            timeout;
    int            rc;
} poll_call_t;

static void
poll_call(void *arg)
{
    poll_call_t *p = arg;

    do
        p->rc = poll(p->pfd, p->n, p->timeout);
    while (p->rc < 0 && errno == EINTR);
}

static void
no_wake(void *arg)
{
    (void) arg;
}

/*
 * poll() for a wait that blocks this thread inside request() (no engine).
 * Under --threads it runs inside the language's without_lock(), so the
 * other threads run the interpreter meanwhile (Python: the GIL released).
 */
static int
blocking_poll(weft_acore_t *c, struct pollfd *pfd, nfds_t n, int timeout)
{
    poll_call_t            p = { pfd, n, timeout, 0 };
    const weft_language_t *l = c->req.lang;

    if (weft_threads_on() && l != NULL && l->without_lock != NULL)
        l->without_lock(poll_call, &p, no_wake, NULL);
    else
        poll_call(&p);
    return p.rc;
}

/* Block the worker (--threads: this thread) until one of the core's waits
 * fires (no engine).  Every registered fd is polled, however many. */
void
weft_wait_block(weft_acore_t *c)
{
    static WEFT_TLS struct pollfd *pfd;      /* one blocked wait per thread */
    static WEFT_TLS unsigned       pfd_cap;
    unsigned              i, n = c->nwaits;
    int                   timeout = -1, rc;

    c->ready_fd = -1;
    c->timed_out = 0;
    if (n == 0 && c->deadline == 0)
        return;                 /* nothing to wait for: just carry on */

    if (!c->req.warned_blocking && !weft_threads_on()) {
        weft_log(WEFT_LOG_WARN, "%.*s %.*s waits without a suspend engine: the whole worker waits with it (add a suspend engine: --ugreen, or --greenlet for Python)",
                 (int) c->req.pub.method.len, c->req.pub.method.data,
                 (int) c->req.pub.uri.len, c->req.pub.uri.data);
        c->req.warned_blocking = 1;
    }
    if (n > pfd_cap) {
        struct pollfd *p = realloc(pfd, n * sizeof(*p));
        if (p == NULL) {
            weft_log(WEFT_LOG_ERROR, "out of memory to wait for %u fds: the wait ends at once", n);
            c->nwaits = 0;
            c->deadline = 0;
            c->timed_out = 1;
            return;
        }
        pfd = p;
        pfd_cap = n;
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
    rc = blocking_poll(c, pfd, n, timeout);
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
    int          fds_s[17], events_s[17], *fds = fds_s, *events = events_s, on_conn = 0;
    unsigned     n = 0, i, ready, conn_slot = UINT_MAX;

    if (c->nwaits + 1 > 17) {       /* every fd is waited for, however many */
        fds = malloc((c->nwaits + 1) * 2 * sizeof(int));
        if (fds == NULL) {
            weft_log(WEFT_LOG_ERROR, "out of memory to wait for %u fds: the wait ends at once",
                     c->nwaits);
            c->nwaits = 0;
            c->deadline = 0;
            c->timed_out = 1;
            return;
        }
        events = fds + c->nwaits + 1;
    }
    for (i = 0; i < c->nwaits; i++) {
        fds[n] = c->waits[i].fd;
        events[n++] = c->waits[i].events;
    }
    if (!conn->eof && !conn->gone && weft_conn_has_room(conn))
        on_conn |= WEFT_READ;
    if (!conn->gone && !weft_outq_empty(&conn->outq))
        on_conn |= WEFT_WRITE;   /* drain queued output meanwhile */
    if (on_conn) {
        conn_slot = n;
        fds[n] = conn->fd;
        events[n++] = on_conn;
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
        weft_scoreboard_suspended(c->pub.id, waits_for(c));
        rc = weft_loop_engine->wait(fds, events, n, timeout, &ready);
        c->state = WEFT_CORE_RUNNING;
        weft_scoreboard_running(c->pub.id);
        if (rc == WEFT_TIMEOUT) {
            c->timed_out = c->deadline > 0;
            break;
        }
        if (rc != WEFT_OK) {
            c->aborted = 1;
            break;
        }
        if (ready == conn_slot) {
            if (events[conn_slot] & WEFT_WRITE) {
                int drained = weft_outq_drain(&conn->outq, conn->fd);
                if (drained == WEFT_ERROR) {
                    weft_core_abort(c, "client went away");
                    break;
                }
                if (drained == WEFT_OK)
                    events[conn_slot] &= ~WEFT_WRITE;
            }
            if (events[conn_slot] & WEFT_READ) {
                ssize_t got = weft_conn_fill(conn, conn->in_cap);
                if (got == WEFT_FILL_EOF || got == WEFT_FILL_ERROR) {
                    conn->eof = 1;
                    weft_core_abort(c, "client went away");
                    break;
                }
                if (got == WEFT_FILL_FULL)
                    events[conn_slot] &= ~WEFT_READ;  /* the buffer is full */
            }
            if (events[conn_slot] == 0)
                n--;             /* nothing left to watch on it */
            continue;
        }
        c->ready_fd = fds[ready];
        break;
    }
    if (fds != fds_s)
        free(fds);
    c->nwaits = 0;
    c->deadline = 0;
}

int
weft_core_can_suspend(void)
{
    return (weft_suspend_engine != NULL || weft_loop_engine != NULL)
           && weft_core_current() != NULL;
}

int
weft_core_wait_conn(weft_acore_t *c, int events, double timeout)
{
    weft_conn_t *conn = c->req.conn;

    if (c->aborted || conn->gone)
        return WEFT_ERROR;
    if (weft_loop_engine != NULL) {
        /* On whichever coroutine calls: the engine suspends that one. */
        int      fd = conn->fd, ev = events, rc;
        unsigned ready;

        rc = weft_loop_engine->wait(&fd, &ev, 1, timeout, &ready);
        if (rc == WEFT_ERROR)
            c->aborted = 1;
        return rc == WEFT_OK ? WEFT_OK : rc == WEFT_TIMEOUT ? WEFT_TIMEOUT : WEFT_ERROR;
    }
    if (!weft_core_can_suspend()) {
        struct pollfd pfd = { conn->fd, (short) ((events & WEFT_READ ? POLLIN : 0)
                                                 | (events & WEFT_WRITE ? POLLOUT : 0)), 0 };
        int           rc = blocking_poll(c, &pfd, 1, (int) (timeout * 1000));

        return rc > 0 ? WEFT_OK : rc == 0 ? WEFT_TIMEOUT : WEFT_ERROR;
    }

    c->io_wait = events;
    if (events & WEFT_WRITE) {
        struct timeval tv = weft_tv_until(weft_now() + timeout);
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
        park_and_yield(c);
        c->nwaits = saved;
        c->deadline = saved_deadline;
    }
    c->io_wait = 0;
    if (c->aborted || conn->gone)
        return WEFT_ERROR;
    return c->timed_out ? WEFT_TIMEOUT : WEFT_OK;
}

/* ------------------------------------------------------------ the API */

/* The time now, not when the loop last polled: a timeout the app asks for
 * is measured from its call, so a sleep never ends early.  Refreshing the
 * loop's cache keeps weft_tv_until() and libevent on the same instant. */
static double
call_time(void)
{
    if (base != NULL)
        event_base_update_cache_time(base);
    return weft_now();
}

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
        set_deadline(c, call_time() + timeout);
    return WEFT_OK;
}

int
weft_api_watch_timer(weft_request_t *r, double seconds)
{
    set_deadline(core_of(r), call_time() + (seconds > 0 ? seconds : 0));
    return WEFT_OK;
}

int
weft_api_suspend(weft_request_t *r)
{
    weft_acore_t *c = core_of(r);

    if (c != weft_core_current()) {
        weft_log(WEFT_LOG_ERROR, "suspend() called for core %u from outside it", c->pub.id);
        return WEFT_ERROR;
    }
    if (c->aborted) {
        c->nwaits = 0;
        c->deadline = 0;
        return WEFT_ERROR;
    }
    if (!weft_core_can_suspend()) {
        weft_wait_block(c);
        return WEFT_OK;
    }
    weft_resp_flush(&c->req);
    weft_wait_registered(c);
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
    weft_acore_t *c = weft_core_current();

    return c != NULL ? &c->req.pub : NULL;
}
