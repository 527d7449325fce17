/*
 * core/scoreboard.c - shared memory between the master and its workers.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <weft/status.h>
#include "log.h"
#include "scoreboard.h"
#include "threads.h"

int weft_scoreboard_mine = -1;

static weft_sb_worker_t *workers;
static weft_sb_core_t   *cores;
static unsigned          nslots;
static unsigned          ncores;

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
    workers = (weft_sb_worker_t *) p;
    cores = (weft_sb_core_t *) (p + wlen);
    return WEFT_OK;
}

unsigned
weft_scoreboard_slots(void)
{
    return nslots;
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

int
weft_scoreboard_claim(pid_t pid, unsigned worker_id)
{
    unsigned i;

    for (i = 0; i < nslots; i++) {
        if (workers[i].pid == 0) {
            memset(&workers[i], 0, sizeof(workers[i]));
            memset(weft_scoreboard_core(i, 0), 0, ncores * sizeof(weft_sb_core_t));
            workers[i].pid = pid;
            workers[i].worker_id = worker_id;
            return (int) i;
        }
    }
    return -1;
}

void
weft_scoreboard_release(unsigned slot)
{
    workers[slot].pid = 0;
}

void
weft_scoreboard_begin(unsigned core, const char *method, size_t mlen, const char *uri,
                      size_t ulen, double now)
{
    weft_sb_core_t *c;

    if (weft_scoreboard_mine < 0)
        return;
    c = weft_scoreboard_core((unsigned) weft_scoreboard_mine, core);
    snprintf(c->what, sizeof(c->what), "%.*s %.*s", (int) (mlen > 16 ? 16 : mlen), method,
             (int) (ulen > 100 ? 100 : ulen), uri);
    c->start = now;
    /* Atomic: --threads has several threads of this worker here. */
    __atomic_add_fetch(&workers[weft_scoreboard_mine].requests, 1, __ATOMIC_RELAXED);
}

void
weft_scoreboard_end(unsigned core)
{
    if (weft_scoreboard_mine >= 0)
        weft_scoreboard_core((unsigned) weft_scoreboard_mine, core)->start = 0;
}
