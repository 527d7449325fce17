/*
 * core/backoff.h - how long the master waits before starting again a
 * process that keeps dying at start-up (workers, attached daemons).
 */
#ifndef WEFT_CORE_BACKOFF_H
#define WEFT_CORE_BACKOFF_H

#define WEFT_BACKOFF_MAX_SECONDS 30.0

/* 1 s after the first death in a row, then 2, 4, 8 ... up to 30 s. */
static inline double
weft_backoff_delay(unsigned failures)
{
    double   delay = 1.0;
    unsigned k;

    for (k = 1; k < failures && delay < WEFT_BACKOFF_MAX_SECONDS; k++)
        delay *= 2;
    return delay > WEFT_BACKOFF_MAX_SECONDS ? WEFT_BACKOFF_MAX_SECONDS : delay;
}

#endif
