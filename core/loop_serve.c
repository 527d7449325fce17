/*
 * core/loop_serve.c - serving connections under a loop engine (gevent,
 * Coro::AnyEvent).
 *
 * The engine runs one coroutine per connection and calls
 * weft_loop_serve_connection() on it.  This file reads request heads with
 * the same parsers as the libevent path, waits for a free core (parked,
 * first come first served: a connection holds no core while it is idle or
 * still sending its head), runs the request with weft_core_main() on the
 * same coroutine, and keeps the connection alive.  Every wait is the
 * engine's, so the engine's loop never blocks.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <weft/status.h>
#include "conf.h"
#include "conn.h"
#include "cores.h"
#include "listen.h"
#include "log.h"
#include "loop_serve.h"
#include "proto.h"
#include "registry.h"
#include "worker.h"

#define IDLE_SLICE     1.0      /* idle waits wake this often to see a stop */

/* Coroutines waiting for a free core, oldest first. */
static void   **waiters;
static unsigned waiters_head, waiters_len, waiters_cap;

static int
push_waiter(void *co)
{
    if (waiters_len == waiters_cap) {
        unsigned cap = waiters_cap ? waiters_cap * 2 : 64, i;
        void   **w = malloc(cap * sizeof(*w));
        if (w == NULL)
            return WEFT_ERROR;
        for (i = 0; i < waiters_len; i++)
            w[i] = waiters[(waiters_head + i) % waiters_cap];
        free(waiters);
        waiters = w;
        waiters_cap = cap;
        waiters_head = 0;
    }
    waiters[(waiters_head + waiters_len++) % waiters_cap] = co;
    return WEFT_OK;
}

void
weft_loop_core_freed(void)
{
    if (waiters_len > 0) {
        void *co = waiters[waiters_head];
        waiters_head = (waiters_head + 1) % waiters_cap;
        waiters_len--;
        weft_loop_engine->wake(co);
    }
}

static weft_acore_t *
acquire_core(void)
{
    weft_acore_t *c;

    while ((c = weft_core_take()) == NULL) {
        if (push_waiter(weft_loop_engine->current()) != WEFT_OK)
            return NULL;
        weft_loop_engine->park();
    }
    return c;
}

/*
 * Wait for fd until deadline, in slices so a graceful stop is seen within a
 * second.  On a stop, an idle keep-alive connection (keep == 0) gives up at
 * once; a fresh one (keep == 1) still gets a moment to send its request.
 */
static int
wait_fd(int fd, int events, double deadline, int keep)
{
    int clamped = 0;

    for (;;) {
        double   left = deadline - weft_clock();
        unsigned ready;
        int      rc;

        if (weft_worker_stopping && keep >= 0) {
            if (keep == 0)
                return WEFT_ERROR;
            if (!clamped && left > 2.0) {
                deadline = weft_clock() + 2.0;
                left = 2.0;
            }
            clamped = 1;
        }
        if (left <= 0)
            return WEFT_TIMEOUT;
        if (keep >= 0 && left > IDLE_SLICE)
            left = IDLE_SLICE;
        rc = weft_loop_engine->wait(&fd, &events, 1, left, &ready);
        if (rc != WEFT_TIMEOUT)
            return rc;
    }
}

/* Answer a bad head, then read (and drop) what the client still sends for
 * a moment, so it reads the answer instead of a reset. */
static void
reject(weft_conn_t *c, int status)
{
    char     buf[4096];
    double   until = weft_clock() + WEFT_LINGER_SECONDS;
    size_t   dropped = 0;

    if (status != 0 && !c->gone) {
        weft_conn_reject_write(c, status);
        weft_bodybuf_free(&c->body);
        if (shutdown(c->fd, SHUT_WR) == 0) {
            while (dropped < WEFT_LINGER_MAX_BYTES
                   && wait_fd(c->fd, WEFT_READ, until, -1) == WEFT_OK) {
                ssize_t n = read(c->fd, buf, sizeof(buf));
                if (n <= 0 && !(n < 0 && errno == EINTR))
                    break;
                if (n > 0)
                    dropped += (size_t) n;
            }
        }
    }
    weft_conn_close(c);
}

/* Read a request (its head, and its body when the loop buffers it) with
 * the one reader, waiting through the engine.  WEFT_OK, or WEFT_DONE when
 * the connection is over (closed, timed out, rejected). */
static int
read_request(weft_conn_t *c, int first)
{
    weft_conn_read_begin(c, first);
    for (;;) {
        switch (weft_conn_read(c)) {
        case WEFT_INPUT_READY:
            return WEFT_OK;
        case WEFT_INPUT_REJECT:
            reject(c, c->head_error);
            return WEFT_DONE;
        case WEFT_INPUT_CLOSE:
            weft_conn_close(c);
            return WEFT_DONE;
        case WEFT_INPUT_WAIT:
            break;
        }
        /* An idle keep-alive connection gives way to a stop; one that is
         * fresh or mid-head gets a moment to finish; a body being buffered
         * finishes (as in the libevent loop). */
        switch (wait_fd(c->fd, WEFT_READ, c->deadline,
                        c->state == WEFT_CONN_BODY ? -1 : (first || c->head_seen) ? 1 : 0)) {
        case WEFT_OK:
            break;
        case WEFT_TIMEOUT:
            if (weft_conn_read_timeout(c) == WEFT_INPUT_REJECT) {
                reject(c, c->head_error);
                return WEFT_DONE;
            }
            weft_conn_close(c);
            return WEFT_DONE;
        default:
            weft_conn_close(c);
            return WEFT_DONE;
        }
    }
}

/*
 * The core is given back; write what the response left queued, on this
 * coroutine (the core serves others meanwhile).  WEFT_OK when it is out,
 * WEFT_ERROR when the client left or stalled for --socket-timeout.  A
 * graceful stop lets it finish.
 */
static int
drain_rest(weft_conn_t *c)
{
    for (;;) {
        int rc = weft_outq_drain(&c->outq, c->fd);

        weft_outq_release(&c->outq);
        if (rc == WEFT_OK)
            return WEFT_OK;
        if (rc == WEFT_AGAIN) {
            rc = wait_fd(c->fd, WEFT_WRITE, weft_clock() + weft_conf.socket_timeout, -1);
            if (rc == WEFT_OK)
                continue;
        }
        weft_log(WEFT_LOG_INFO, "%s:%s: client %s with %zu bytes of its response still queued",
                 c->peer_addr, c->peer_port, rc == WEFT_TIMEOUT ? "stopped reading" : "went away",
                 c->outq.bytes);
        c->gone = 1;
        return WEFT_ERROR;
    }
}

void
weft_loop_serve_connection(int fd, unsigned li)
{
    struct sockaddr_storage ss;
    socklen_t               len = sizeof(ss);
    weft_conn_t            *c;
    int                     first = 1;

    if (li >= weft_nlisteners || getpeername(fd, (struct sockaddr *) &ss, &len) != 0) {
        close(fd);
        return;
    }
    c = weft_conn_new(fd, &weft_listeners[li], &ss, 0);
    if (c == NULL) {
        close(fd);
        return;
    }
    for (;;) {
        weft_acore_t *core;

        if (read_request(c, first) != WEFT_OK)
            return;
        first = 0;
        core = acquire_core();
        if (core == NULL) {
            reject(c, 503);
            return;
        }
        if (weft_core_begin(core, c) != WEFT_OK) {
            weft_loop_core_freed();
            reject(c, c->head_error);
            return;
        }
        if (weft_core_bind(core) == WEFT_OK) {
            weft_core_main(&core->pub);
            weft_core_unbind(core);
        } else {
            weft_resp_finish(&core->req, WEFT_ERROR);
        }
        weft_core_end(core);
        weft_loop_core_freed();

        c->core = NULL;
        if (!weft_outq_empty(&c->outq) && !c->gone) {
            c->state = WEFT_CONN_DRAIN;
            drain_rest(c);
        }
        if (!c->keepalive || c->gone || c->eof || weft_worker_stopping) {
            weft_conn_close(c);
            return;
        }
        weft_conn_reuse(c);
    }
}

int
weft_loop_accept(unsigned li)
{
    struct sockaddr_storage ss;

    if (li >= weft_nlisteners || weft_worker_stopping)
        return -1;
    return weft_conn_accept_fd(&weft_listeners[li], &ss);
}

unsigned
weft_loop_listener_count(void)
{
    return weft_nlisteners;
}

int
weft_loop_listener_fd(unsigned i)
{
    return i < weft_nlisteners ? weft_listeners[i].fd : -1;
}
