/*
 * core/wait.h - between the cores (cores.c) and their waits (wait.c).
 */
#ifndef WEFT_CORE_WAIT_H
#define WEFT_CORE_WAIT_H

#include <sys/time.h>

#include "cores.h"

/* The loop the waits go into (NULL under a loop engine). */
void weft_waits_init(struct event_base *base);

/* Put a core's registered waits into the loop (nothing registered: the
 * next loop turn, after the loop has polled), or take them out. */
void weft_wait_arm(weft_acore_t *c);
void weft_wait_disarm(weft_acore_t *c);

/* No engine: arm the waits and mark the core waiting; request() is called
 * again when one fires. */
void weft_wait_park(weft_acore_t *c);

/* On the core's own context (suspend or loop engine): wait for what it
 * registered; ready_fd and timed_out say what ended the wait. */
void weft_wait_registered(weft_acore_t *c);

/* No engine, inside request(): block the worker in poll(2) for the
 * registered waits (logged once per request). */
void weft_wait_block(weft_acore_t *c);

/* A timeval for the time left until `when` (never negative). */
struct timeval weft_tv_until(double when);

/* cores.c: switch a core to the main loop and back (suspend engine), and
 * resume a core whose wait fired. */
void weft_core_yield(weft_acore_t *c);
void weft_core_wake(weft_acore_t *c, int fd, int timed_out);

#endif
