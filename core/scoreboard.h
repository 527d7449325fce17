/*
 * core/scoreboard.h - what every worker is doing, in memory the master
 * shares with its workers.
 *
 * Each worker process owns one slot; in it, one entry per async core holds
 * when the core's current request started and what it is.  The master reads
 * the entries once a second: a core whose request has run longer than
 * --harakiri gets its worker killed, even while the worker's other cores keep
 * serving (a per-worker timer would be reset by their traffic).
 */
#ifndef WEFT_CORE_SCOREBOARD_H
#define WEFT_CORE_SCOREBOARD_H

#include <stdint.h>
#include <sys/types.h>

typedef struct {
    double   start;             /* when its request started, on weft_clock()
                                   (monotonic, as the master's); 0: idle */
    char     what[120];         /* "GET /uri" (truncated) */
} weft_sb_core_t;

typedef struct {
    pid_t    pid;               /* 0: the slot is free */
    unsigned worker_id;         /* 1..N */
    int      ready;             /* the worker got as far as serving */
    int      recycling;         /* the worker is draining to be replaced */
    uint64_t requests;          /* served so far */
    double   started;           /* when the worker was forked (weft_clock()) */
} weft_sb_worker_t;

/* Create the board for `workers` processes of `cores` cores each (before
 * any fork).  WEFT_ERROR when shared memory cannot be had. */
int weft_scoreboard_create(unsigned workers, unsigned cores);

/* Slots and cores. */
unsigned          weft_scoreboard_slots(void);
weft_sb_worker_t *weft_scoreboard_worker(unsigned slot);
weft_sb_core_t   *weft_scoreboard_core(unsigned slot, unsigned core);

/* A free slot (or -1), claimed for pid. */
int  weft_scoreboard_claim(pid_t pid, unsigned worker_id);
void weft_scoreboard_release(unsigned slot);

/* In a worker: the slot it writes to (-1 without a board). */
extern int weft_scoreboard_mine;

/* In a worker: mark core `core` busy with a request, or idle. */
void weft_scoreboard_begin(unsigned core, const char *method, size_t mlen, const char *uri,
                           size_t ulen, double now);
void weft_scoreboard_end(unsigned core);

#endif
