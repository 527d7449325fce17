/*
 * core/conn.h - a client connection.
 *
 * A connection holds no core while it reads a request head or sits idle
 * between keep-alive requests: only its buffer and a timer.  It gets a core
 * when a complete head has arrived, and gives it back when the response is
 * out.
 */
#ifndef WEFT_CORE_CONN_H
#define WEFT_CORE_CONN_H

#include <stdint.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <http_parser.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "bodybuf.h"
#include "listen.h"
#include "outq.h"
#include "threads.h"

typedef struct weft_conn_s  weft_conn_t;
typedef struct weft_acore_s weft_acore_t;

/* Where a connection is in its life. */
#define WEFT_CONN_HEAD     1   /* reading a request head (or idle) */
#define WEFT_CONN_QUEUED   2   /* head complete, waiting for a free core */
#define WEFT_CONN_REQUEST  3   /* a core serves its request */
#define WEFT_CONN_LINGER   4   /* response sent, draining input before close */
#define WEFT_CONN_BODY     5   /* head complete, the loop buffers the body */
#define WEFT_CONN_DRAIN    6   /* the app is done, its core freed: the loop
                                  writes the queued rest of the response */

/* After an error answer: how long, and how much, a closing connection
 * still reads (and drops) so the client sees the answer, not a reset. */
#define WEFT_LINGER_SECONDS    2.0
#define WEFT_LINGER_MAX_BYTES  (1024 * 1024)

/* One header field of a request head, as offsets into conn->in. */
typedef struct {
    uint32_t name_off, name_len;
    uint32_t value_off, value_len;
} weft_hdr_t;

struct weft_conn_s {
    int              fd;
    int              state;          /* WEFT_CONN_* */
    weft_listener_t *ls;
    struct event     rev;            /* readable (persistent) */
    struct event     wev;            /* writable (when output must wait) */
    unsigned         rev_added:1;    /* rev is pending in the loop */
    unsigned         rev_paused:1;   /* rev taken out: the input buffer is full */
    unsigned         eof:1;          /* the client closed its side */
    unsigned         gone:1;         /* the client is gone: reads and writes fail */
    unsigned         keepalive:1;    /* may serve another request */
    unsigned         http10:1;       /* HTTP/1.0 client */
    unsigned         head_seen:1;    /* the first byte of the current head is in */
    unsigned         queued:1;       /* in the worker's FIFO */
    unsigned         evented:1;      /* rev and wev are libevent events */
    unsigned         hijacked:1;     /* handed to the plugin (api->hijack):
                                        never read, written or reused */

    /* Input: [in_pos, in_end) is read but not yet consumed. */
    char            *in;
    size_t           in_cap;
    size_t           in_pos;
    size_t           in_end;
    double           deadline;       /* for the head (or idle) */

    /* HTTP/1.1 parsing (http_parser keeps pointers into `in` only within
     * a callback; everything is kept as offsets). */
    http_parser      parser;
    weft_hdr_t      *hdrs;
    unsigned         nhdrs;
    unsigned         hdrs_cap;
    uint32_t         url_off, url_len;
    int              last_was_value;
    int              head_error;     /* HTTP status to answer a bad head with */
    const char      *head_why;       /* its cause for the log line (a literal naming
                                        the limit), or NULL */
    unsigned         head_done:1;
    unsigned         upgrade:1;

    /* uwsgi protocol */
    uint8_t          modifier1, modifier2;
    uint32_t         packet_len;

    /* The request body. */
    int64_t          body_left;      /* identity: bytes still to read; -1: chunked */
    int64_t          body_expect;    /* the body's length, -1: chunked */
    uint64_t         body_read;      /* decoded bytes taken from the input */
    const char      *body_ptr;       /* decoded bytes not yet kept */
    size_t           body_len;
    weft_bodybuf_t   body;           /* the decoded body, kept for re-reading */
    uint64_t         body_pos;       /* the app's read position in it */
    size_t           head_end;       /* while the loop buffers the body: the
                                        head is [0, head_end) of `in` */
    int              body_error;     /* 400, 408, 413 when the body went wrong */
    unsigned         body_done:1;
    unsigned         expect_continue:1;
    unsigned         continue_sent:1;

    weft_outq_t      outq;           /* output that waits for the socket */
    weft_acore_t    *core;           /* the core serving it, if any */
    weft_conn_t     *next;           /* FIFO of conns waiting for a core */
    weft_conn_t     *live_prev;      /* every connection of the worker */
    weft_conn_t     *live_next;
    unsigned         nrequests;

    char             peer_addr[INET6_ADDRSTRLEN];
    char             peer_port[8];
};

/* Accept every pending connection on a listener (libevent loop). */
void weft_conn_accept(weft_listener_t *ls);

/* Accept one connection: a non-blocking fd with TCP_NODELAY, or -1 when
 * there is none for now (errors other than EAGAIN are logged). */
int  weft_conn_accept_fd(weft_listener_t *ls, struct sockaddr_storage *ss);

/* A connection for an accepted fd; evented: driven by the libevent loop
 * (otherwise a loop engine's coroutine drives it).  NULL when out of memory. */
weft_conn_t *weft_conn_new(int fd, weft_listener_t *ls, const struct sockaddr_storage *ss,
                           int evented);

/* Begin (or resume after a response) reading the next request head. */
void weft_conn_next_request(weft_conn_t *c);

/* The core is freed but output is still queued: drain it from the loop
 * (within --socket-timeout of each stall), then go on as
 * weft_conn_next_request().  A client that leaves meanwhile is closed. */
void weft_conn_offload(weft_conn_t *c);

/* Close now, or after draining what the client is still sending (so it
 * reads an error response instead of a reset). */
void weft_conn_close(weft_conn_t *c);
void weft_conn_close_lingering(weft_conn_t *c);

/* Answer a bad request head with `status` and a short body, then close
 * (status 0: just close). */
void weft_conn_reject(weft_conn_t *c, int status);

/* Only the answer (and its log line), for callers that close themselves. */
void weft_conn_reject_write(weft_conn_t *c, int status);

/* weft_conn_fill()'s results besides a count of bytes read. */
#define WEFT_FILL_EOF     0    /* the client closed its side */
#define WEFT_FILL_ERROR (-1)   /* a read error (or out of memory) */
#define WEFT_FILL_AGAIN (-2)   /* nothing to read now (EAGAIN) */
#define WEFT_FILL_FULL  (-3)   /* the buffer is full and at `limit` */

/* Read what the socket has into the input buffer (growing it up to
 * `limit`).  Returns bytes read, or a WEFT_FILL_* code. */
ssize_t weft_conn_fill(weft_conn_t *c, size_t limit);

/* Move unconsumed input to the front of the buffer. */
void weft_conn_compact(weft_conn_t *c);

/* Move unconsumed input to offset `keep`, leaving [0, keep) alone. */
void weft_conn_compact_from(weft_conn_t *c, size_t keep);

/*
 * The one request reader, for the libevent loop and loop engines alike.
 * weft_conn_read_begin() starts on a new head (first: a fresh connection,
 * else an idle keep-alive one) and sets c->deadline.  weft_conn_read()
 * then reads what the socket has and parses it: the head, then (with
 * --body-buffering) the body into c->body, with no core attached.  Call it
 * again each time the socket is readable; weft_conn_read_timeout() when
 * c->deadline passes first.  The head's limits and log lines live here.
 */
typedef enum {
    WEFT_INPUT_WAIT,     /* wait until readable, or until c->deadline */
    WEFT_INPUT_READY,    /* a request is ready for a core */
    WEFT_INPUT_REJECT,   /* answer c->head_error (0: just close), close */
    WEFT_INPUT_CLOSE     /* the client closed, failed or idled out: close */
} weft_input_t;

void         weft_conn_read_begin(weft_conn_t *c, int first);

/* The most a request head may take of the input buffer (--buffer-size,
 * and the uwsgi packet's own header). */
size_t       weft_conn_head_limit(const weft_conn_t *c);
weft_input_t weft_conn_read(weft_conn_t *c);
weft_input_t weft_conn_read_timeout(weft_conn_t *c);

/* After a request: ready c for its next head on the same connection. */
void         weft_conn_reuse(weft_conn_t *c);

/* The connection still reads a request (its head, or its body before a
 * core takes it). */
#define weft_conn_reading(c)  ((c)->state == WEFT_CONN_HEAD || (c)->state == WEFT_CONN_BODY)

/* While its request waits: give the input buffer back when it holds
 * nothing unconsumed (the next weft_conn_fill() takes a new one), so a
 * thousand suspended requests do not keep a thousand empty buffers. */
void weft_conn_release_input(weft_conn_t *c);

/* The input buffer has room for another read (or is released). */
#define weft_conn_has_room(c)  ((c)->in_cap == 0 || (c)->in_end < (c)->in_cap)

/* Re-arm the read event after the buffer had filled. */
void weft_conn_resume_reading(weft_conn_t *c);

/* The reason phrase for a status code ("Not Found"), or "Unknown". */
const char *weft_http_reason(int status);

/* Live connections in this worker (for logs and limits). */
extern WEFT_TLS unsigned weft_nconns;   /* this thread's */

/*
 * Graceful stop: give every connection that has no request in progress
 * (freshly accepted, or idle between keep-alive requests: a request may be
 * on its way) a short grace, and let the ones that are sending a head
 * finish it.  A request that arrives is served, its answer saying
 * "Connection: close".  Returns how many connections the worker still
 * waits for.
 */
unsigned weft_conns_stop(void);

/* In a fork()ed child of the worker: close(2) every connection's fd, and
 * nothing else (app_guard.c). */
void weft_conns_close_fds(void);

/* How many connections a stopping worker still waits for (0: none). */
unsigned weft_conns_pending(void);

#endif
