/*
 * core/cores.c - async cores: the pool, and running a request on a core.
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
 *
 * Output the socket did not take waits in the connection's queue (outq.c,
 * capped by --offload-buffer-size for copies).  While a core with an
 * engine waits for something else, the loop drains that queue in the
 * background.  Once the app is done, the core is freed at once (accounted,
 * access-logged, request_done called) and the connection, holding no core,
 * drains the rest before its next request: a slow reader holds no core.
 *
 * (Under a loop engine, loop_serve.c runs weft_core_main() on the engine's
 * coroutine between weft_core_begin() and weft_core_end(), and drains on
 * that coroutine after.)  How a core waits is in wait.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include "api.h"
#include "app_guard.h"
#include "conf.h"
#include "conn.h"
#include "cores.h"
#include "log.h"
#include "proto.h"
#include "accesslog.h"
#include "registry.h"
#include "health.h"
#include "route.h"
#include "scoreboard.h"
#include "static.h"
#include "wait.h"
#include "worker.h"

/* This thread's pool (--threads: each serving thread has its own). */
WEFT_TLS unsigned      weft_cores_busy;
WEFT_TLS unsigned      weft_ncores;

static WEFT_TLS weft_acore_t       *cores;
static WEFT_TLS weft_acore_t       *free_cores;
static WEFT_TLS struct event_base  *base;

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
weft_cores_init(struct event_base *b, unsigned n, unsigned first_id)
{
    unsigned i;

    base = b;
    weft_waits_init(b);
    cores = calloc(n, sizeof(*cores));
    if (cores == NULL) {
        weft_log(WEFT_LOG_ERROR, "out of memory for %u cores", n);
        return WEFT_ERROR;
    }
    for (i = n; i-- > 0;) {
        weft_acore_t *c = &cores[i];

        c->pub.id = first_id + i;
        c->req.core = c;
        c->req.pub.core = &c->pub;
        c->ready_fd = -1;
        if (base != NULL)
            evtimer_assign(&c->timer, base, NULL, NULL);
        c->next_free = free_cores;
        free_cores = c;
    }
    weft_ncores = n;
    if (weft_current_init(n) != WEFT_OK)
        return WEFT_ERROR;
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
        free(c->req.route);
        c->req.route = NULL;
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
    if (free_cores == NULL)
        weft_worker_cores_full();
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

/* Switch away from a core to the main loop (suspend engine only). */
void
weft_core_yield(weft_acore_t *c)
{
    const weft_language_t *lang = c->req.lang;
    weft_conn_t           *conn = c->req.conn;

    /* Queued output drains from the loop while the core waits. */
    if (!weft_outq_empty(&conn->outq) && !conn->gone && !(c->io_wait & WEFT_WRITE)) {
        struct timeval tv = weft_tv_until(weft_now() + weft_conf.socket_timeout);
        event_add(&conn->wev, &tv);
    }
    weft_app_guard_exit(&c->req);       /* a forked child never runs the loop */
    if (lang->on_suspend)
        lang->on_suspend(&c->pub);
    weft_suspend_engine->suspend(&c->pub);
    if (lang->on_resume)
        lang->on_resume(&c->pub);
}

/* On the main loop: run a core until it suspends or finishes. */
static void
run_slice(weft_acore_t *c, int start)
{
    c->state = WEFT_CORE_RUNNING;
    weft_core_set_current(c);
    if (start) {
        c->started = 1;
        if (weft_suspend_engine->start(&c->pub) != WEFT_OK) {
            weft_core_set_current(NULL);
            weft_log(WEFT_LOG_ERROR, "the %s engine could not start core %u",
                     weft_suspend_engine->name, c->pub.id);
            weft_resp_finish(&c->req, WEFT_ERROR);
            c->finished = 1;
        }
    } else {
        weft_suspend_engine->resume(&c->pub);
    }
    weft_core_set_current(NULL);
    if (c->finished)
        core_complete(c);
}

void
weft_core_wake(weft_acore_t *c, int fd, int timed_out)
{
    weft_wait_disarm(c);
    if (c->io_wait & WEFT_WRITE)
        event_del(&c->req.conn->wev);
    c->ready_fd = fd;
    c->timed_out = timed_out;
    if (c->state != WEFT_CORE_WAITING)
        return;
    weft_scoreboard_running(c->pub.id);
    if (weft_suspend_engine != NULL)
        run_slice(c, 0);
    else
        core_step(c);
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
    r->pub.start_time = weft_wall_clock();
    r->start_mono = weft_clock();
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
    r->pub.flags |= weft_body_flags(conn);
    if (weft_conf.health_path != NULL && weft_health_route(r) == WEFT_OK)   /* health.c */
        r->lang = &weft_health_language;
    else if (weft_routes_active && weft_route_request(r) != WEFT_OK)      /* routes (route.c) */
        r->lang = &weft_route_language;
    else if (weft_static_enabled() && weft_static_route(r) == WEFT_OK)
        r->lang = &weft_static_language;
    else if ((r->lang = weft_language_for(r->pub.modifier1)) == NULL)
        r->lang = &no_language;
    c->pub.request = &r->pub;
    weft_scoreboard_begin(c->pub.id, r->pub.method.data, r->pub.method.len, r->pub.uri.data,
                          r->pub.uri.len, r->start_mono, r->pub.start_time);
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
    if (weft_suspend_engine != NULL && c->req.lang != &no_language
        && c->req.lang != &weft_route_language && c->req.lang != &weft_health_language)
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
        weft_app_guard_check(r);        /* a fork, a closed stdout */
        weft_outq_release(&r->conn->outq);
        if (rc != WEFT_AGAIN || c->aborted || r->conn->gone)
            break;
        weft_resp_flush(r);
        weft_wait_registered(c);
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

/* More copied output is queued than a connection may keep without a core. */
static int
over_cap(const weft_conn_t *conn)
{
    return conn->outq.copied > weft_conf.offload_buffer_size;
}

/* No engine: queued output must drain before the app is called again, and
 * once the app is done, until what is left fits under the cap (then the
 * connection keeps it and the core is freed). */
static int
must_drain(weft_acore_t *c)
{
    weft_conn_t *conn = c->req.conn;

    if (weft_outq_empty(&conn->outq) || conn->gone)
        return 0;
    if (c->last_rc != WEFT_AGAIN && !over_cap(conn))
        return 0;
    {
        struct timeval tv = weft_tv_until(weft_now() + weft_conf.socket_timeout);
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
    weft_core_set_current(c);
    c->in_request = 1;
    rc = r->lang->request(&r->pub);
    c->in_request = 0;
    weft_app_guard_check(r);            /* a fork, a closed stdout */
    weft_core_set_current(NULL);
    weft_outq_release(&r->conn->outq);

    if (rc == WEFT_AGAIN && !c->aborted && !r->conn->gone) {
        weft_resp_flush(r);
        c->last_rc = rc;
        if (!must_drain(c))
            weft_wait_park(c);
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

    weft_outq_release(&conn->outq);
    if (rc == WEFT_AGAIN && (c->last_rc == WEFT_AGAIN || over_cap(conn))) {
        struct timeval tv = weft_tv_until(weft_now() + weft_conf.socket_timeout);
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
        weft_outq_release(&conn->outq);
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
    weft_wait_park(c);
}

/* A core with an engine waits for something else: drain its queued output
 * meanwhile (a client that stops reading, or leaves, aborts the request). */
static void
drain_behind(weft_acore_t *c, int timed_out)
{
    weft_conn_t *conn = c->req.conn;
    int          rc = timed_out ? WEFT_ERROR : weft_outq_drain(&conn->outq, conn->fd);

    weft_outq_release(&conn->outq);
    if (rc == WEFT_AGAIN) {
        struct timeval tv = weft_tv_until(weft_now() + weft_conf.socket_timeout);
        event_add(&conn->wev, &tv);
    } else if (rc == WEFT_ERROR) {
        weft_core_abort(c, timed_out ? "client stopped reading the response"
                                     : "client went away");
    }
}

void
weft_core_conn_event(weft_acore_t *c, int events, int timed_out)
{
    if (c->state == WEFT_CORE_DRAINING && (events & WEFT_WRITE)) {
        drain(c, timed_out);
        return;
    }
    if (c->state == WEFT_CORE_WAITING && (c->io_wait & events)) {
        weft_core_wake(c, c->req.conn->fd, timed_out);
        return;
    }
    if (c->state == WEFT_CORE_WAITING && (events & WEFT_WRITE)
        && !weft_outq_empty(&c->req.conn->outq))
        drain_behind(c, timed_out);
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
    weft_outq_release(&conn->outq);
    if (c->state == WEFT_CORE_WAITING)
        weft_core_wake(c, -1, 0);
    else if (c->state == WEFT_CORE_DRAINING)
        drain(c, 0);
}

/*
 * The request is over for its core: what is still queued on the connection
 * (if anything) is the connection's now, drained after the core is freed.
 * So the access line and the request count are made here, when the app is
 * done and its whole response is out or queued: the line's bytes count what
 * the app produced, and its duration stops when the core is freed.  A client
 * that then leaves before the queue is out gets an INFO line of its own.
 */
void
weft_core_end(weft_acore_t *c)
{
    weft_conn_t *conn = c->req.conn;

    weft_outq_release(&conn->outq);
    if (base != NULL)
        weft_wait_disarm(c);
    c->io_wait = 0;
    if (c->aborted || conn->gone || c->req.close_after)
        conn->keepalive = 0;
    if (conn->keepalive && weft_body_discard(conn) != WEFT_OK)
        conn->keepalive = 0;
    {
        weft_sb_outcome_t how = {
            .status = c->req.pub.status,
            .tx = c->req.pub.bytes_sent,
            .took = weft_clock() - c->req.start_mono,
            .failed = c->last_rc == WEFT_ERROR,
            .client_gone = c->aborted || conn->gone,
            .is_static = c->req.lang == &weft_static_language,
            .is_routed = c->req.lang == &weft_route_language,
        };
        weft_scoreboard_end(c->pub.id, &how);
    }
    if (!c->req.no_log)                 /* a route's donotlog: */
        weft_accesslog(&c->req);
    weft_vars_reset(&c->req);
    core_release(c);
    weft_worker_request_done();
}

/* The main loop's end of a request: the connection drains what is queued
 * (holding no core), then goes on to its next request. */
static void
core_complete(weft_acore_t *c)
{
    weft_conn_t *conn = c->req.conn;

    weft_core_end(c);
    if (!weft_outq_empty(&conn->outq) && !conn->gone)
        weft_conn_offload(conn);
    else
        weft_conn_next_request(conn);
    weft_worker_core_freed();
}

