/*
 * core/worker.h - one worker process: its event loop, accepting, the FIFO
 * of requests waiting for a core, and stopping.
 */
#ifndef WEFT_CORE_WORKER_H
#define WEFT_CORE_WORKER_H

#include <event2/event.h>

#include "clock.h"
#include "conn.h"
#include "threads.h"

extern WEFT_TLS struct event_base *weft_base;   /* this thread's */

/* Serve on the listeners until stopped.  WEFT_OK on a clean stop. */
int  weft_worker_run(unsigned id);

/*
 * The signals a worker acts on (SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGHUP)
 * are held, blocked, from start-up until its loop handles them: one that
 * arrives while the app loads is acted on once the worker runs, instead of
 * killing it with the default action.  hold blocks them (and unblocks every
 * other one); weft_worker_run() releases them.
 */
void weft_worker_hold_signals(void);

/* Stop accepting; graceful: finish in-flight requests first.  Under
 * --threads, every serving thread of the worker stops. */
void weft_worker_stop(int graceful);

/* The same for this thread only (threads.c, told by another thread). */
void weft_worker_stop_here(int graceful);

/* --threads: serve on serving thread 1 .. N until stopped. */
int  weft_worker_thread_main(unsigned thread);

/* This thread's cores are all busy (--threads: stop accepting). */
void weft_worker_cores_full(void);

/* --threads: this thread accepted a connection (it pauses accepting). */
void weft_worker_accept_pause(void);

/* api->has_master and api->recycle_worker (core/worker_recycle.c). */
int  weft_worker_has_master(void);
int  weft_worker_recycle(const char *why);
extern WEFT_TLS int weft_worker_stopping;    /* this thread's */

/* Set when SIGHUP asked a masterless weft to restart in place. */
extern int weft_worker_reload;

/* While stopping: leave the loop if nothing is left to serve. */
void weft_worker_check_stop(void);

/* A request is over: count it for --max-requests. */
void weft_worker_request_done(void);

/* A conn with a complete head and no free core waits here (the worker
 * stops accepting while anything waits). */
void         weft_worker_enqueue(weft_conn_t *c);
void         weft_worker_unqueue(weft_conn_t *c);

/* A core became free: give it the oldest waiting request, if any. */
void         weft_worker_core_freed(void);

/* Take listeners out of / back into the loop.  resume puts them back
 * only when nothing holds them out: a request waiting for a core,
 * stopping, --max-conns, an EMFILE back-off (call it whenever one of those
 * may have ended: a connection closed). */
void         weft_worker_pause_accept(void);
void         weft_worker_resume_accept(void);

/* A connection was accepted: 1 to go on accepting, 0 when the worker now
 * holds --max-conns connections (the listeners are out of the loop until
 * one closes; logged at most once every 10 s). */
int          weft_worker_accepted(void);

/* accept() failed with EMFILE or ENFILE: take the listeners out of the loop
 * for a quarter of a second instead of spinning on them. */
void         weft_worker_accept_backoff(void);

/* weft_clock() (clock.h): monotonic seconds, for every timeout and
 * deadline; weft_now() is the same clock under the loop code's name. */
#define      weft_now() weft_clock()

#endif
