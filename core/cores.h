/*
 * core/cores.h - async cores: a fixed pool per worker, each serving one
 * request at a time, and the wait API that lets a core stop while the
 * others run.
 */
#ifndef WEFT_CORE_CORES_H
#define WEFT_CORE_CORES_H

#include <event2/event.h>
#include <event2/event_struct.h>

#include <weft/request.h>

#include "request.h"
#include "threads.h"

/* One registered wait: a fd (with its event) or nothing. */
typedef struct {
    struct event  ev;
    int           fd;
    short         events;
    weft_acore_t *core;
} weft_wait_t;

/* What a core is doing. */
#define WEFT_CORE_FREE      0
#define WEFT_CORE_RUNNING   1   /* its code is on the CPU */
#define WEFT_CORE_WAITING   2   /* suspended (or, without an engine, parked
                                   until its waits fire) */
#define WEFT_CORE_DRAINING  3   /* no engine: queued output must drain
                                   (before the app is called again, or below
                                   --offload-buffer-size once it is done) */

struct weft_acore_s {
    weft_core_t     pub;         /* id, request: what plugins see */
    weft_req_t      req;
    int             state;
    unsigned        started:1;   /* its context exists (engine) */
    unsigned        finished:1;  /* core_main returned; complete on main */
    unsigned        aborted:1;   /* the request is being torn down */
    unsigned        in_request:1;/* inside the language's request() */
    int             last_rc;     /* request()'s last return */

    /* The wait API. */
    weft_wait_t    *waits;
    unsigned        nwaits;
    unsigned        waits_cap;
    struct event    timer;       /* watch_timer, wait timeouts, next tick */
    double          deadline;    /* 0: no timer registered */
    unsigned        tick:1;      /* the timer is a "next loop turn" tick */
    int             io_wait;     /* WEFT_READ/WRITE: waiting on its own conn */
    int             ready_fd;
    int             timed_out;
    void           *co;          /* loop engine: the coroutine running it */

    weft_acore_t   *next_free;
};

/* Allocate n cores for this thread of the worker, on `base`, with ids
 * first_id .. first_id + n - 1 (their scoreboard entries). */
int  weft_cores_init(struct event_base *base, unsigned n, unsigned first_id);

/* Give back the buffers idle cores kept from earlier requests (after a
 * burst, when the worker has gone quiet). */
void weft_cores_shrink(void);

/* A free core, or NULL when all are busy. */
weft_acore_t *weft_core_take(void);

/* Serve the request whose head conn has just completed, on core c. */
void weft_core_start(weft_acore_t *c, weft_conn_t *conn);

/*
 * The two ends of a request, for callers that run weft_core_main() on their
 * own coroutine (loop engines).  begin binds conn's complete head to c and
 * chooses what serves it; WEFT_ERROR when the head is unusable (c is free
 * again; reject conn with conn->head_error).  end accounts for the request,
 * decides keep-alive and frees c; output still queued on conn (conn->outq)
 * stays there for the caller to drain before conn's next request.
 */
int  weft_core_begin(weft_acore_t *c, weft_conn_t *conn);
void weft_core_end(weft_acore_t *c);

/* Tear down c's request (client gone): wake it so it unwinds. */
void weft_core_abort(weft_acore_t *c, const char *why);

/* A conn event a core may be waiting for fired (READ or WRITE). */
void weft_core_conn_event(weft_acore_t *c, int events, int timed_out);

/*
 * From core I/O (body reads, response writes): wait until the core's own
 * connection is readable/writable.  WEFT_OK, WEFT_TIMEOUT, or WEFT_ERROR
 * when aborted.  Without a suspend engine this blocks in poll(2).
 */
int  weft_core_wait_conn(weft_acore_t *c, int events, double timeout);

/* Whether the caller runs on a core's own context (so it may suspend). */
int  weft_core_can_suspend(void);

/*
 * The core whose code is running, or NULL on the main context (or on a
 * coroutine of the app's own).  Under a loop engine it is the core bound to
 * the engine's current coroutine, however the engine switched to it; the
 * main loop records it otherwise (current.c).
 */
weft_acore_t *weft_core_current(void);
void weft_core_set_current(weft_acore_t *c);

/* Loop engine: room for ncores bindings (a no-op without a loop engine),
 * and c bound to (unbound from) the calling coroutine while it serves. */
int  weft_current_init(unsigned ncores);
int  weft_core_bind(weft_acore_t *c);
void weft_core_unbind(weft_acore_t *c);

/* Busy cores (for logs and graceful stop). */
extern WEFT_TLS unsigned weft_cores_busy;   /* this thread's */
extern WEFT_TLS unsigned weft_ncores;

/* The API's wait functions. */
int  weft_api_watch_fd(weft_request_t *r, int fd, int events, double timeout);
int  weft_api_watch_timer(weft_request_t *r, double seconds);
int  weft_api_suspend(weft_request_t *r);
int  weft_api_ready_fd(weft_request_t *r);
int  weft_api_timed_out(weft_request_t *r);
int  weft_api_wait_fd(weft_request_t *r, int fd, int events, double timeout);
int  weft_api_sleep(weft_request_t *r, double seconds);
weft_request_t *weft_api_current_request(void);
void weft_core_main(weft_core_t *core);

#endif
