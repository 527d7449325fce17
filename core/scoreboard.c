/*
 * core/scoreboard.c - shared memory between the master and its workers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <weft/status.h>
#include "clock.h"
#include "log.h"
#include "scoreboard.h"
#include "threads.h"

int               weft_scoreboard_mine = -1;
weft_sb_worker_t *weft_scoreboard_self;

const double weft_sb_bucket_bounds[WEFT_SB_BUCKETS] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

static weft_sb_worker_t  *workers;
static weft_sb_core_t    *cores;
static unsigned           nslots;
static unsigned           ncores;
static weft_sb_history_t *history;        /* [worker id - 1], the master's */
static unsigned           nids;

/* One writer per field: a relaxed add keeps the reader from a torn value. */
#define SB_ADD(field, n) __atomic_fetch_add(&(field), (n), __ATOMIC_RELAXED)

int
weft_scoreboard_create(unsigned nworkers, unsigned cores_per_worker)
{
    size_t wlen, clen;
    char  *p;

    /* Twice the workers: a draining worker and its replacement overlap. */
    nslots = nworkers * 2 + 1;
    ncores = cores_per_worker;
    wlen = nslots * sizeof(weft_sb_worker_t);
    clen = (size_t) nslots * ncores * sizeof(weft_sb_core_t);
    p = mmap(NULL, wlen + clen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        weft_log(WEFT_LOG_ERROR, "cannot map the scoreboard (%zu bytes): %m", wlen + clen);
        return WEFT_ERROR;
    }
    history = calloc(nworkers, sizeof(*history));
    if (history == NULL) {
        munmap(p, wlen + clen);
        weft_log(WEFT_LOG_ERROR, "out of memory for the scoreboard");
        return WEFT_ERROR;
    }
    nids = nworkers;
    workers = (weft_sb_worker_t *) p;
    cores = (weft_sb_core_t *) (p + wlen);
    return WEFT_OK;
}

unsigned
weft_scoreboard_slots(void)
{
    return nslots;
}

unsigned
weft_scoreboard_cores(void)
{
    return ncores;
}

weft_sb_worker_t *
weft_scoreboard_worker(unsigned slot)
{
    return &workers[slot];
}

weft_sb_core_t *
weft_scoreboard_core(unsigned slot, unsigned core)
{
    return &cores[(size_t) slot * ncores + core];
}

unsigned
weft_scoreboard_ids(void)
{
    return nids;
}

weft_sb_history_t *
weft_scoreboard_history(unsigned worker_id)
{
    return worker_id >= 1 && worker_id <= nids ? &history[worker_id - 1] : NULL;
}

int
weft_scoreboard_claim(pid_t pid, unsigned worker_id)
{
    unsigned           i;
    weft_sb_history_t *h = weft_scoreboard_history(worker_id);

    for (i = 0; i < nslots; i++) {
        if (workers[i].pid == 0) {
            memset(&workers[i], 0, sizeof(workers[i]));
            memset(weft_scoreboard_core(i, 0), 0, ncores * sizeof(weft_sb_core_t));
            workers[i].pid = pid;
            workers[i].worker_id = worker_id;
            if (h != NULL) {
                h->spawns++;
                h->last_spawn = weft_wall_clock();
            }
            return (int) i;
        }
    }
    return -1;
}

static void
fold(weft_sb_counts_t *into, const weft_sb_counts_t *from)
{
    unsigned i;

    into->requests += from->requests;
    into->exceptions += from->exceptions;
    into->tx += from->tx;
    into->rx += from->rx;
    for (i = 0; i < 6; i++)
        into->status[i] += from->status[i];
    for (i = 0; i <= WEFT_SB_BUCKETS; i++)
        into->buckets[i] += from->buckets[i];
    into->latency_us += from->latency_us;
    into->switches += from->switches;
}

void
weft_scoreboard_release(unsigned slot)
{
    weft_sb_history_t *h = weft_scoreboard_history(workers[slot].worker_id);

    if (h != NULL && workers[slot].pid != 0)
        fold(&h->counts, &workers[slot].counts);
    workers[slot].pid = 0;
}

void
weft_scoreboard_harakiri(unsigned slot)
{
    weft_sb_history_t *h = weft_scoreboard_history(workers[slot].worker_id);

    if (h != NULL)
        h->harakiri++;
}

void
weft_scoreboard_begin(unsigned core, const char *method, size_t mlen, const char *uri,
                      size_t ulen, double now, double wall)
{
    weft_sb_core_t *c;

    if (weft_scoreboard_mine < 0)
        return;
    c = weft_scoreboard_core((unsigned) weft_scoreboard_mine, core);
    snprintf(c->what, sizeof(c->what), "%.*s %.*s", (int) (mlen > 16 ? 16 : mlen), method,
             (int) (ulen > 100 ? 100 : ulen), uri);
    c->start_wall = wall;
    c->state = WEFT_SB_RUNNING;
    c->start = now;
    /* Atomic: --threads has several threads of this worker here. */
    __atomic_add_fetch(&workers[weft_scoreboard_mine].requests, 1, __ATOMIC_RELAXED);
}

static unsigned
bucket_of(double took)
{
    unsigned i;

    for (i = 0; i < WEFT_SB_BUCKETS; i++)
        if (took <= weft_sb_bucket_bounds[i])
            return i;
    return WEFT_SB_BUCKETS;
}

void
weft_scoreboard_end(unsigned core, const weft_sb_outcome_t *how)
{
    weft_sb_core_t   *c;
    weft_sb_counts_t *n;
    int               cls = how->status / 100;

    if (weft_scoreboard_mine < 0)
        return;
    c = weft_scoreboard_core((unsigned) weft_scoreboard_mine, core);
    c->start = 0;
    c->state = WEFT_SB_IDLE;
    c->waits[0] = '\0';
    SB_ADD(c->requests, 1);
    if (how->is_static)
        SB_ADD(c->static_requests, 1);
    if (how->is_routed)
        SB_ADD(c->routed_requests, 1);
    if (how->client_gone)
        SB_ADD(c->write_errors, 1);
    n = &weft_scoreboard_self->counts;
    SB_ADD(n->requests, 1);
    if (how->failed)
        SB_ADD(n->exceptions, 1);
    SB_ADD(n->tx, how->tx);
    SB_ADD(n->status[cls >= 1 && cls <= 5 ? cls : 0], 1);
    SB_ADD(n->buckets[bucket_of(how->took)], 1);
    SB_ADD(n->latency_us, (uint64_t) (how->took > 0 ? how->took * 1e6 : 0));
}

void
weft_scoreboard_suspended(unsigned core, const char *what)
{
    weft_sb_core_t *c;

    if (weft_scoreboard_mine < 0)
        return;
    c = weft_scoreboard_core((unsigned) weft_scoreboard_mine, core);
    snprintf(c->waits, sizeof(c->waits), "%s", what);
    c->state = WEFT_SB_SUSPENDED;
    SB_ADD(c->switches, 1);
    SB_ADD(weft_scoreboard_self->counts.switches, 1);
}

void
weft_scoreboard_running(unsigned core)
{
    weft_sb_core_t *c;

    if (weft_scoreboard_mine < 0)
        return;
    c = weft_scoreboard_core((unsigned) weft_scoreboard_mine, core);
    if (c->state == WEFT_SB_SUSPENDED)
        c->state = WEFT_SB_RUNNING;
}

int
weft_scoreboard_live(unsigned worker_id)
{
    unsigned i;
    int      best = -1;

    for (i = 0; i < nslots; i++)
        if (workers[i].pid > 0 && workers[i].worker_id == worker_id
            && (best < 0 || workers[i].started > workers[best].started))
            best = (int) i;
    return best;
}

void
weft_scoreboard_totals(unsigned worker_id, weft_sb_counts_t *out)
{
    weft_sb_history_t *h = weft_scoreboard_history(worker_id);
    unsigned           i;

    memset(out, 0, sizeof(*out));
    if (h != NULL)
        fold(out, &h->counts);
    for (i = 0; i < nslots; i++)
        if (workers[i].pid > 0 && workers[i].worker_id == worker_id)
            fold(out, &workers[i].counts);
}
