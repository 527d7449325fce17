/*
 * core/clock.c - the monotonic clock for time that passes, the wall clock
 * for dates (clock.h says which use takes which).
 */
#include "config.h"

#include <time.h>

#include "clock.h"

static double
seconds(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

double
weft_clock(void)
{
    return seconds(CLOCK_MONOTONIC);
}

double
weft_wall_clock(void)
{
    return seconds(CLOCK_REALTIME);
}
