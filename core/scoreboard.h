/*
 * core/scoreboard.h - what every worker is doing, in memory the master
 * shares with its workers.
 *
 * Each worker process owns one slot; in it, one entry per async core holds
 * when the core's current request started and what it is.  The master reads
 * the entries once a second: a core whose request has run longer than
 * --harakiri gets its worker killed, even while the worker's other cores keep
 * serving (a per-worker timer would be reset by their traffic).
 *
 * The slots also count (requests, bytes, status classes, a latency
 * histogram, each core's state and switches): workers write them with
 * relaxed atomic stores, the master only reads them, so the stats server
 * and the metrics (core/stats_doc.c, core/metrics.c) answer even while every
 * worker is stuck.  When a worker process dies, the master folds its slot's
 * counters into its worker id's history, so totals never go back.
 */
#ifndef WEFT_CORE_SCOREBOARD_H
#define WEFT_CORE_SCOREBOARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The latency histogram's upper bounds (seconds); one more bucket: +Inf. */
#define WEFT_SB_BUCKETS 11
extern const double weft_sb_bucket_bounds[WEFT_SB_BUCKETS];

/* A core's state (weft_sb_core_t.state). */
#define WEFT_SB_IDLE      0
#define WEFT_SB_RUNNING   1
#define WEFT_SB_SUSPENDED 2

typedef struct {
    double   start;             /* when its request started, on weft_clock()
                                   (monotonic, as the master's); 0: idle */
    char     what[120];         /* "GET /uri" (truncated) */
    double   start_wall;        /* the same instant, on the wall clock */
    int      state;             /* WEFT_SB_* */
    char     waits[24];         /* suspended: what for ("fd", "timer", ...) */
    uint64_t requests;          /* served so far by this core */
    uint64_t static_requests;   /* of them, static files */
    uint64_t routed_requests;   /* of them, answered by a route */
    uint64_t switches;          /* times it was suspended */
    uint64_t write_errors;      /* requests whose client went away */
} weft_sb_core_t;

/* What a worker (or a worker id's history) has counted. */
typedef struct {
    uint64_t requests;          /* finished */
    uint64_t exceptions;        /* the app failed (500 from the core) */
    uint64_t tx;                /* response body bytes */
    uint64_t rx;                /* bytes read from clients */
    uint64_t status[6];         /* [1..5]: 1xx..5xx, [0]: any other */
    uint64_t buckets[WEFT_SB_BUCKETS + 1];   /* latencies, not cumulative */
    uint64_t latency_us;        /* the sum of the latencies (microseconds) */
    uint64_t switches;
} weft_sb_counts_t;

typedef struct {
    pid_t    pid;               /* 0: the slot is free */
    unsigned worker_id;         /* 1..N */
    int      ready;             /* the worker got as far as serving */
    int      recycling;         /* the worker is draining to be replaced */
    uint64_t requests;          /* started so far */
    double   started;           /* when the worker was forked (weft_clock()) */
    weft_sb_counts_t counts;
} weft_sb_worker_t;

/* A worker id's past: its dead processes' counts, harakiri and respawns
 * (the master's own memory: it alone writes and reads it). */
typedef struct {
    weft_sb_counts_t counts;
    unsigned         spawns;
    unsigned         harakiri;
    double           last_spawn;   /* wall clock */
} weft_sb_history_t;

/* Create the board for `workers` processes of `cores` cores each (before
 * any fork).  WEFT_ERROR when shared memory cannot be had. */
int weft_scoreboard_create(unsigned workers, unsigned cores);

/* Slots and cores. */
unsigned          weft_scoreboard_slots(void);
unsigned          weft_scoreboard_cores(void);
weft_sb_worker_t *weft_scoreboard_worker(unsigned slot);
weft_sb_core_t   *weft_scoreboard_core(unsigned slot, unsigned core);

/* A free slot (or -1), claimed for pid; counts a spawn of worker_id. */
int  weft_scoreboard_claim(pid_t pid, unsigned worker_id);
/* The slot's process is gone: its counts join its worker id's history. */
void weft_scoreboard_release(unsigned slot);

/* The master: worker ids 1..weft_scoreboard_ids(), their history (NULL
 * past the end); the master killed slot's worker for harakiri. */
unsigned           weft_scoreboard_ids(void);
weft_sb_history_t *weft_scoreboard_history(unsigned worker_id);
void               weft_scoreboard_harakiri(unsigned slot);

/* The master: the slot of worker_id's newest live process (-1: none); its
 * counts so far, its past processes' and its live ones' together. */
int  weft_scoreboard_live(unsigned worker_id);
void weft_scoreboard_totals(unsigned worker_id, weft_sb_counts_t *out);

/* In a worker: the slot it writes to (-1 without a board). */
extern int weft_scoreboard_mine;
/* In a worker: its slot (NULL without a board). */
extern weft_sb_worker_t *weft_scoreboard_self;

/* In a worker: mark core `core` busy with a request (now: weft_clock(),
 * wall: weft_wall_clock()), or idle. */
void weft_scoreboard_begin(unsigned core, const char *method, size_t mlen, const char *uri,
                           size_t ulen, double now, double wall);

/* How a request ended, for weft_scoreboard_end. */
typedef struct {
    int      status;            /* HTTP status */
    uint64_t tx;                /* body bytes sent */
    double   took;              /* seconds */
    int      failed;            /* the app failed */
    int      client_gone;       /* the client went away */
    int      is_static;
    int      is_routed;
} weft_sb_outcome_t;

void weft_scoreboard_end(unsigned core, const weft_sb_outcome_t *how);

/* In a worker: core `core` is suspended, waiting for `what` (a short
 * static string), or runs again. */
void weft_scoreboard_suspended(unsigned core, const char *what);
void weft_scoreboard_running(unsigned core);

/* In a worker: n bytes were read from a client. */
static inline void
weft_scoreboard_rx(size_t n)
{
    if (weft_scoreboard_self != NULL)
        __atomic_fetch_add(&weft_scoreboard_self->counts.rx, (uint64_t) n, __ATOMIC_RELAXED);
}

#endif
