/*
 * core/loop_lock.c - the worker's event loop when a language keeps an
 * interpreter lock while C code runs (Ruby's GVL): the loop waits with that
 * lock released, so the app's own threads run while the worker is idle or
 * its requests are parked, and takes it back for each callback.
 *
 * libevent 2.1 (Debian 12's) has no hook around its backend's wait (the
 * prepare/check watchers came in 2.2), so the whole turn of the loop runs
 * unlocked and the lock comes back inside the callbacks instead:
 *
 *  - before each turn, the languages that have such a lock are asked
 *    whether other threads of theirs are alive (has_threads());
 *  - none: the turn is event_base_loop(EVLOOP_ONCE) holding the lock, as
 *    event_base_dispatch() would run it, and costs nothing more;
 *  - some: the turn runs inside their without_lock(), and every callback of
 *    the core that may reach a language starts with WEFT_LOOP_LOCKED(),
 *    which runs it again inside their with_lock().  Only the wait in
 *    epoll_wait() and libevent's own bookkeeping run unlocked.
 *
 * A language wants its thread back (Thread#raise, the VM stopping) through
 * wake(): a write to an eventfd the loop watches, which ends the turn.
 *
 * Without such a language the worker runs event_base_dispatch() as it
 * always did (worker.c), so Python, Perl and cgi pay nothing for this.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include <weft/status.h>
#include "log.h"
#include "loop_lock.h"
#include "registry.h"
#include "threads.h"

#define MAX_LOCKING 8

/* Each serving thread's loop (--threads) has its own of all these. */
WEFT_TLS int weft_loop_unlocked;

static WEFT_TLS const weft_language_t *locking[MAX_LOCKING];
static WEFT_TLS unsigned               nlocking = (unsigned) -1;   /* not counted yet */
static WEFT_TLS const weft_language_t *released[MAX_LOCKING];      /* this turn's */
static WEFT_TLS unsigned               nreleased;

static WEFT_TLS struct event_base *loop_base;
static WEFT_TLS struct event       wake_ev;
static WEFT_TLS int                wake_fd = -1;
static WEFT_TLS int                turn_rc;

/* The languages that have an interpreter lock, counted once. */
static void
count_locking(void)
{
    unsigned i, n = weft_language_count();

    nlocking = 0;
    for (i = 0; i < n; i++) {
        const weft_language_t *l = weft_language_at(i);

        /* The registry's copy is whole: a 1.2 plugin's slots read NULL. */
        if (l == NULL || l->has_threads == NULL || l->without_lock == NULL
            || l->with_lock == NULL)
            continue;
        if (nlocking == MAX_LOCKING) {
            weft_log(WEFT_LOG_WARN, "more than %d languages with an interpreter lock: "
                     "%s keeps its lock while the loop waits", MAX_LOCKING, l->name);
            continue;
        }
        locking[nlocking++] = l;
    }
}

/* wake(), handed to without_lock(): from any thread or a signal handler. */
static void
wake(void *arg)
{
    uint64_t one = 1;
    ssize_t  n;

    (void) arg;
    n = write(wake_fd, &one, sizeof(one));
    (void) n;
}

/* The wake eventfd's callback: it only ends the turn. */
static void
woken_cb(evutil_socket_t fd, short what, void *arg)
{
    uint64_t v;
    ssize_t  n = read(fd, &v, sizeof(v));

    (void) n;
    (void) what;
    (void) arg;
}

/* Release the locks of released[i..], innermost last, then run the turn. */
static void
release_from(void *arg)
{
    unsigned i = (unsigned) (uintptr_t) arg;

    if (i < nreleased) {
        released[i]->without_lock(release_from, (void *) (uintptr_t) (i + 1), wake, NULL);
        return;
    }
    weft_loop_unlocked = 1;
    turn_rc = event_base_loop(loop_base, EVLOOP_ONCE);
    weft_loop_unlocked = 0;
}

typedef struct {
    event_callback_fn cb;
    evutil_socket_t   fd;
    short             what;
    void             *arg;
    unsigned          level;        /* locks still to take back */
} relock_t;

/* Take back the locks innermost first, then run the callback holding all. */
static void
relock_from(void *p)
{
    relock_t *r = p;

    if (r->level > 0) {
        r->level--;
        released[r->level]->with_lock(relock_from, r);
        return;
    }
    weft_loop_unlocked = 0;
    r->cb(r->fd, r->what, r->arg);
    weft_loop_unlocked = 1;
}

void
weft_loop_relock(event_callback_fn cb, evutil_socket_t fd, short what, void *arg)
{
    relock_t r = { cb, fd, what, arg, nreleased };

    relock_from(&r);
}

/* The wake eventfd, made once per worker. */
static int
wake_init(struct event_base *base)
{
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) {
        weft_log(WEFT_LOG_ERROR, "cannot make the loop's wake-up eventfd: %s", strerror(errno));
        return WEFT_ERROR;
    }
    event_assign(&wake_ev, base, wake_fd, EV_READ | EV_PERSIST, woken_cb, NULL);
    if (event_add(&wake_ev, NULL) != 0) {
        weft_log(WEFT_LOG_ERROR, "cannot watch the loop's wake-up eventfd");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

int
weft_loop_run(struct event_base *base)
{
    if (nlocking == (unsigned) -1)
        count_locking();
    if (nlocking == 0)
        return event_base_dispatch(base);
    loop_base = base;
    if (wake_fd < 0 && wake_init(base) != WEFT_OK)
        return -1;
    for (;;) {
        unsigned i;
        int      rc;

        nreleased = 0;
        for (i = 0; i < nlocking; i++)
            if (locking[i]->has_threads())
                released[nreleased++] = locking[i];
        if (nreleased > 0) {
            turn_rc = 0;
            release_from((void *) (uintptr_t) 0);
            rc = turn_rc;
        } else {
            rc = event_base_loop(base, EVLOOP_ONCE);
        }
        if (rc != 0)
            return rc;              /* -1: failed; 1: no events left */
        if (event_base_got_break(base) || event_base_got_exit(base))
            return 0;
    }
}
