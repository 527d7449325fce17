/*
 * core/loop_lock.h - the worker's event loop, with the interpreter locks
 * of languages such as Ruby released while it waits (loop_lock.c).
 */
#ifndef WEFT_LOOP_LOCK_H
#define WEFT_LOOP_LOCK_H

#include <event2/event.h>

/*
 * Run the worker's loop until it is broken or exited; returns as
 * event_base_dispatch() does.  Without a language that has an interpreter
 * lock (weft_language_t.has_threads), it is event_base_dispatch().
 */
int weft_loop_run(struct event_base *base);

/* Nonzero while a turn of the loop runs with the languages' locks
 * released: WEFT_LOOP_LOCKED() reads it. */
extern __thread int weft_loop_unlocked;   /* this thread's loop (WEFT_TLS) */

/* Run cb(fd, what, arg) with the locks this turn released taken back. */
void weft_loop_relock(event_callback_fn cb, evutil_socket_t fd, short what, void *arg);

/*
 * The first statement of every event callback of the core that may reach
 * a language (start or resume a request, release a buffer it lent...):
 * during an unlocked turn, run the callback again under the languages'
 * locks, and return.  Costs a test of one int otherwise.
 */
#define WEFT_LOOP_LOCKED(cb, fd, what, arg)                                   \
    do {                                                                      \
        if (weft_loop_unlocked) {                                             \
            weft_loop_relock((cb), (fd), (what), (arg));                      \
            return;                                                           \
        }                                                                     \
    } while (0)

#endif
