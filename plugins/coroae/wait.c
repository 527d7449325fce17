/*
 * plugins/coroae/wait.c - the loop engine's wait(), on EV's default loop
 * (AnyEvent's, with its EV backend), and the hard stop.
 *
 * A wait starts an io watcher per fd and, for a timeout, a timer; then the
 * calling Coro leaves the CPU (Coro's schedule) until the first of them
 * fires: its callback, on whichever Coro runs EV's loop, records what fired
 * and readies the waiting Coro.  That is what Coro::EV does for
 * Coro::AnyEvent::readable and ::sleep, on the same loop and the same ready
 * queue, so weft's waits and an app's interleave fairly.  Everything a wait
 * needs lives on the waiting Coro's own C stack (Coro keeps the stack of a
 * Coro that switches from inside C), so any Coro may wait, also one the app
 * made (a writer's write() from it waits on that Coro).
 *
 * A timer that fires together with an fd gives way to the fd.  The loop's
 * clock is brought up to date before a timer starts: a Coro may have run a
 * while since the loop last polled, and a sleep must not end early.
 */
#include <stdlib.h>

#include "coroae.h"

#define SMALL_WAIT 17               /* fds in a wait without an allocation */

typedef struct wait_s wait_t;

typedef struct {
    ev_io     io;
    wait_t   *wait;
    unsigned  index;
} wait_io_t;

struct wait_s {
    HV        *coro;                /* the waiting Coro (a reference) */
    int        done;
    int        result;              /* WEFT_OK, WEFT_TIMEOUT, WEFT_ERROR */
    unsigned   ready;
    wait_io_t *ios;
    unsigned   nios;
    ev_timer   timer;
    int        timing;
    wait_t    *prev, *next;         /* every wait in progress */
};

int      weft_cae_aborting;
unsigned weft_cae_naborted;

static wait_t *waits;

void
weft_cae_wait_bind(void)
{
    WEFT_CAE_BIND_APIS();
}

/* Record the outcome and ready the waiting Coro (once). */
static void
finish(wait_t *w, int result, unsigned ready)
{
    dTHX;

    if (w->done)
        return;
    w->done = 1;
    w->result = result;
    w->ready = ready;
    CORO_READY((SV *) w->coro);
}

static void
on_io(struct ev_loop *loop, ev_io *io, int revents)
{
    wait_io_t *wi = (wait_io_t *) io;

    (void) loop;
    (void) revents;
    finish(wi->wait, WEFT_OK, wi->index);
}

static void
on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    wait_t  *w = (wait_t *) ((char *) t - offsetof(wait_t, timer));
    unsigned i;

    (void) loop;
    (void) revents;
    for (i = 0; i < w->nios; i++)
        if (ev_is_pending(&w->ios[i].io)) {
            finish(w, WEFT_OK, i);
            return;
        }
    finish(w, WEFT_TIMEOUT, 0);
}

static void
disarm(wait_t *w)
{
    unsigned i;

    for (i = 0; i < w->nios; i++)
        ev_io_stop(EV_DEFAULT_UC, &w->ios[i].io);
    if (w->timing)
        ev_timer_stop(EV_DEFAULT_UC, &w->timer);
}

int
weft_cae_wait(const int *fds, const int *events, unsigned n, double timeout, unsigned *ready)
{
    dTHX;
    wait_io_t small[SMALL_WAIT];
    wait_t    w;
    unsigned  i;

    if (weft_cae_aborting || GCoroAPI == NULL)
        return WEFT_ERROR;
    memset(&w, 0, sizeof(w));
    w.ios = n <= SMALL_WAIT ? small : malloc(n * sizeof(*w.ios));
    if (w.ios == NULL) {
        weft_cae_api->log(WEFT_LOG_ERROR, "coroae: out of memory to wait for %u fds", n);
        return WEFT_ERROR;
    }
    w.coro = (HV *) SvREFCNT_inc_NN(CORO_CURRENT);
    for (i = 0; i < n; i++) {
        int ev = (events[i] & WEFT_READ ? EV_READ : 0) | (events[i] & WEFT_WRITE ? EV_WRITE : 0);

        w.ios[i].wait = &w;
        w.ios[i].index = i;
        ev_io_init(&w.ios[i].io, on_io, fds[i], ev);
        ev_io_start(EV_DEFAULT_UC, &w.ios[i].io);
    }
    w.nios = n;
    if (timeout >= 0) {
        /* timeout 0 with no fd: just let the others (and the loop) have a
         * turn; with fds: poll them once. */
        ev_now_update(EV_DEFAULT_UC);
        ev_timer_init(&w.timer, on_timer, timeout, 0.);
        ev_timer_start(EV_DEFAULT_UC, &w.timer);
        w.timing = 1;
    }
    w.next = waits;
    if (waits != NULL)
        waits->prev = &w;
    waits = &w;

    /* Only our own callbacks end the wait: a stray ready() goes back. */
    while (!w.done)
        CORO_SCHEDULE;

    if (w.prev != NULL)
        w.prev->next = w.next;
    else
        waits = w.next;
    if (w.next != NULL)
        w.next->prev = w.prev;
    disarm(&w);
    SvREFCNT_dec((SV *) w.coro);
    if (w.ios != small)
        free(w.ios);
    if (w.result == WEFT_ERROR && weft_cae_naborted > 0) {
        weft_cae_naborted--;
        weft_cae_maybe_finish();
    }
    *ready = w.ready;
    return w.result;
}

void
weft_cae_abort_waits(void)
{
    wait_t *w;

    weft_cae_aborting = 1;
    for (w = waits; w != NULL; w = w->next)
        if (!w->done) {
            weft_cae_naborted++;
            finish(w, WEFT_ERROR, 0);
        }
}
