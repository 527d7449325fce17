/*
 * core/cheaper_algo.h - what cheaper.c hands its algorithms on each master
 * tick (spare in cheaper.c, busyness in cheaper_busyness.c).  Private to
 * those two files.
 */
#ifndef WEFT_CORE_CHEAPER_ALGO_H
#define WEFT_CORE_CHEAPER_ALGO_H

#include <stddef.h>

/* The workers at one tick, read from the scoreboard. */
typedef struct {
    unsigned      max;      /* worker ids 1..max (--processes) */
    unsigned      running;  /* ids cheaper has not stopped */
    unsigned      serving;  /* of those, the ones that serve (not starting) */
    unsigned      busy;     /* serving with every core busy */
    unsigned      idle;     /* serving with no core busy */
    unsigned      victim;   /* the highest idle id (0: none) */
    const double *load;     /* load[id - 1]: busy cores / cores, -1 when the
                               id does not serve */
    long          queue;    /* connections in the listen queues, -1 unknown */
} weft_cheaper_tick_t;

/* The verdict, as weft_cheaper_decide() returns it: > 0 start that many,
 * -1 stop *stop_id, 0 nothing; why gets the reason. */
int weft_cheaper_busyness_decide(double now, const weft_cheaper_tick_t *t, unsigned *stop_id,
                                 char *why, size_t len);

/* The busyness settings, for the start-up line. */
void weft_cheaper_busyness_describe(char *buf, size_t len);

#endif
