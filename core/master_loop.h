/*
 * core/master_loop.h - the master's wait: its signals through a signalfd,
 * the stats and metrics listeners (core/stats_server.c) and its tick, in one
 * small libevent base.
 */
#ifndef WEFT_CORE_MASTER_LOOP_H
#define WEFT_CORE_MASTER_LOOP_H

#include <signal.h>

struct event_base;

/* Make the base and a signalfd for `signals` (already blocked).  WEFT_OK,
 * or WEFT_ERROR logged. */
int weft_master_loop_init(const sigset_t *signals);

/* The master's base (NULL before weft_master_loop_init). */
struct event_base *weft_master_loop_base(void);

/*
 * Serve the listeners until one of the signals arrives (its number is
 * returned) or `timeout` seconds pass (-1), as sigtimedwait() would.
 */
int weft_master_wait(double timeout);

/* In a child of the master: close what the master's loop holds. */
void weft_master_loop_forked(void);

#endif
