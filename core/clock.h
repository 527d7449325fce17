/*
 * core/clock.h - the two clocks, and which one each use takes.
 */
#ifndef WEFT_CORE_CLOCK_H
#define WEFT_CORE_CLOCK_H

/*
 * Seconds on CLOCK_MONOTONIC, now.  Every timeout, deadline, sleep,
 * harakiri limit and duration is measured on it (the master's too: the
 * clock is the same in every process), so stepping the wall clock (NTP, an
 * operator) neither fires nor stalls any of them.  Its zero is arbitrary:
 * never print it, send it, or mix it with the wall clock.  The loops'
 * timers are on the same kind of clock: libevent's with
 * EVENT_BASE_FLAG_PRECISE_TIMER (CLOCK_MONOTONIC), libev's under gevent.
 */
double weft_clock(void);

/*
 * Seconds since the epoch on the wall clock, now: only for what people
 * read as a date -- the Date header, log and access-log lines, and
 * r->start_time (epoch seconds in the SDK).  Never for a deadline.
 */
double weft_wall_clock(void);

#endif
