/*
 * core/conn_read.c - the one request reader: a request head, and (with
 * --body-buffering) its body, read and parsed by the loop with no core
 * attached.  The libevent loop (conn.c) and loop engines (loop_serve.c)
 * both drive it; each only waits its own way and answers rejects its own
 * way.  A slow client then costs a buffer and a timer, never a core, be it
 * slow with its head or with its body.
 */
#include "config.h"

#include <stdint.h>

#include <weft/status.h>
#include "conf.h"
#include "conn.h"
#include "log.h"
#include "proto.h"
#include "request.h"
#include "route.h"
#include "worker.h"

/* Input room past the head while the loop reads a body. */
#define BODY_INPUT_ROOM 16384

size_t
weft_conn_head_limit(const weft_conn_t *c)
{
    return weft_conf.buffer_size + (c->ls->proto == WEFT_PROTO_UWSGI ? 4 : 0);
}

/* Whether the loop reads this body before a core takes the request. */
static int
buffer_body(const weft_conn_t *c)
{
    if (c->body_done && c->body_len == 0)
        return 0;                               /* no body */
    if (weft_conf.body_buffering == 0)
        return 0;                               /* --body-buffering off */
    return c->body_expect < 0 || (uint64_t) c->body_expect <= weft_conf.body_buffering;
}

void
weft_conn_read_begin(weft_conn_t *c, int first)
{
    c->state = WEFT_CONN_HEAD;
    c->head_seen = 0;
    c->deadline = weft_now() + (first ? weft_conf.socket_timeout : weft_conf.keepalive_timeout);
}

/* The head is in: decide what comes next. */
static weft_input_t
head_complete(weft_conn_t *c)
{
    /* The head is [0, head_end): the buffer is compacted between requests,
     * and the body's bytes may follow it already. */
    c->head_end = c->body_len > 0 ? (size_t) (c->body_ptr - c->in) : c->in_pos;
    if (!buffer_body(c))
        return WEFT_INPUT_READY;
    if (weft_routes_active && weft_route_answers_early(c))   /* route.c */
        return WEFT_INPUT_READY;                /* e.g. break:413: no body read */
    c->state = WEFT_CONN_BODY;
    c->deadline = weft_now() + weft_conf.socket_timeout;
    weft_body_send_continue(c);
    return WEFT_INPUT_WAIT;                     /* the caller calls again */
}

/* Keep what input holds of the body: READY when complete (or, chunked,
 * past the --body-buffering threshold: the rest streams), WAIT for more. */
static weft_input_t
body_step(weft_conn_t *c)
{
    int rc = weft_body_take_input(c);

    if (rc == WEFT_ERROR) {
        c->head_error = c->body_error ? c->body_error : 400;
        c->head_why = c->head_error == 413 ? "the body grew over --limit-post"
                      : c->head_error == 500 ? "no room to buffer the body"
                      : c->head_error == 408 ? "timed out waiting for the request body"
                      : "a malformed body";
        return WEFT_INPUT_REJECT;
    }
    if (rc == WEFT_OK || c->body.len > weft_conf.body_buffering)
        return WEFT_INPUT_READY;
    weft_conn_compact_from(c, c->head_end);
    return WEFT_INPUT_WAIT;
}

weft_input_t
weft_conn_read(weft_conn_t *c)
{
    for (;;) {
        ssize_t n;
        size_t  limit = weft_conn_head_limit(c);

        if (c->state == WEFT_CONN_HEAD) {
            int rc;

            if (!c->head_seen && c->in_end > c->in_pos) {
                c->head_seen = 1;
                c->deadline = weft_now() + weft_conf.socket_timeout;
            }
            rc = weft_proto_parse_head(c);
            if (rc == WEFT_ERROR)
                return WEFT_INPUT_REJECT;
            if (rc == WEFT_OK) {
                if (head_complete(c) == WEFT_INPUT_READY)
                    return WEFT_INPUT_READY;
                continue;
            }
            /* The head starts at 0, so a full buffer is a head over the
             * limit. */
            if (c->in_end >= limit) {
                if (c->ls->proto == WEFT_PROTO_UWSGI) {
                    weft_log(WEFT_LOG_WARN, "uwsgi packet from %s is over --buffer-size: closing",
                             c->peer_addr);
                    c->head_error = 0;
                } else {
                    c->head_error = 431;
                    c->head_why = "the request head is over --buffer-size";
                }
                return WEFT_INPUT_REJECT;
            }
        } else {
            weft_input_t next = body_step(c);

            if (next != WEFT_INPUT_WAIT)
                return next;
            limit = c->head_end + BODY_INPUT_ROOM;
        }
        n = weft_conn_fill(c, limit);
        if (n > 0) {
            if (c->state == WEFT_CONN_BODY)
                c->deadline = weft_now() + weft_conf.socket_timeout;
            continue;
        }
        if (n == WEFT_FILL_AGAIN)
            return WEFT_INPUT_WAIT;
        if (n == WEFT_FILL_FULL && c->state == WEFT_CONN_HEAD)
            continue;                   /* the limit check above decides */
        if (n == WEFT_FILL_FULL) {      /* body input that decodes to nothing */
            c->head_error = 400;
            return WEFT_INPUT_REJECT;
        }
        if (c->state == WEFT_CONN_BODY)
            weft_log(WEFT_LOG_INFO, "%s:%s: the client closed before sending the whole body",
                     c->peer_addr, c->peer_port);
        c->eof = n == WEFT_FILL_EOF;
        return WEFT_INPUT_CLOSE;
    }
}

weft_input_t
weft_conn_read_timeout(weft_conn_t *c)
{
    if (c->state == WEFT_CONN_BODY) {
        c->head_error = 408;
        c->head_why = "timed out waiting for the request body (--socket-timeout)";
        return WEFT_INPUT_REJECT;
    }
    /* A head begun and not finished in time is a slow or stuck client
     * (slowloris): worth a line.  An idle keep-alive connection, or one
     * that never sent a byte (a browser's preconnect), is routine. */
    if (c->head_seen)
        weft_log(WEFT_LOG_INFO, "%s:%s: request head not complete within --socket-timeout "
                 "(%g s): closing", c->peer_addr, c->peer_port, weft_conf.socket_timeout);
    else
        weft_log(WEFT_LOG_DEBUG, "%s:%s: idle for --%s-timeout (%g s): closing",
                 c->peer_addr, c->peer_port, c->nrequests ? "keepalive" : "socket",
                 c->nrequests ? weft_conf.keepalive_timeout : weft_conf.socket_timeout);
    return WEFT_INPUT_CLOSE;
}

void
weft_conn_reuse(weft_conn_t *c)
{
    c->core = NULL;
    c->nrequests++;
    weft_http_reset(c);
    weft_conn_compact(c);
    weft_conn_read_begin(c, 0);
}
