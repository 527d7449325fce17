/*
 * core/loop_blocking.c - the worker's event loop when a language must
 * release its interpreter's lock while the loop waits
 * (weft_language_t.blocking: Ruby's GVL).
 *
 * libevent 2.1 (Debian 12's) has no hook around its backend's wait (the
 * prepare/check watchers arrived in 2.2), so the loop is cut in two:
 *
 *  - a pass, event_base_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK), runs every
 *    callback that is ready now, with the interpreter's lock held (those
 *    callbacks run requests);
 *  - a wait, ppoll(2) on the fds of every event in the base (libevent's own
 *    signal pipe among them) until the earliest timer, and on the core's
 *    wake eventfd, inside the languages' blocking() hooks.  The wait only
 *    polls: what it finds ready runs in the next pass.
 *
 * Without such a language the worker runs event_base_dispatch() as it
 * always did (worker.c), so Python and cgi pay nothing for this.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include <weft/status.h>
#include "log.h"
#include "registry.h"
#include "worker.h"

#define MAX_HOOKED 8
#define MAX_WAIT_SEC 1     /* a wall-clock jump delays a timer at most this */

static const weft_language_t *hooked[MAX_HOOKED];
static unsigned               nhooked = (unsigned) -1;   /* not counted yet */

static struct pollfd *fds;
static size_t         nfds, capfds;
static int            wake_fd = -1;

static struct timeval next_timer;
static int            have_timer;
static int            nothing_waits;   /* an event is active: do not sleep */
static struct timespec wait_ts;
static int            poll_rc, poll_errno;
static int            out_of_memory;

/* The languages that have a blocking() hook, counted once. */
static void
count_hooked(void)
{
    unsigned i, n = weft_language_count();

    nhooked = 0;
    for (i = 0; i < n && nhooked < MAX_HOOKED; i++) {
        const weft_language_t *l = weft_language_at(i);

        if (l != NULL && l->blocking != NULL)
            hooked[nhooked++] = l;
    }
}

int
weft_loop_blocking_wanted(void)
{
    if (nhooked == (unsigned) -1)
        count_hooked();
    return nhooked > 0;
}

/* Append fd to the poll set. */
static void
add_fd(int fd, short events)
{
    if (nfds == capfds) {
        size_t         cap = capfds ? capfds * 2 : 64;
        struct pollfd *p = realloc(fds, cap * sizeof(*p));

        if (p == NULL) {
            out_of_memory = 1;
            return;
        }
        fds = p;
        capfds = cap;
    }
    fds[nfds].fd = fd;
    fds[nfds].events = events;
    fds[nfds].revents = 0;
    nfds++;
}

/* For each event of the base: its fd into the poll set, its timeout into
 * the earliest one. */
static int
collect_cb(const struct event_base *b, const struct event *ev, void *arg)
{
    short          what = event_get_events(ev);
    struct timeval tv;

    (void) b;
    (void) arg;
    if (!(what & EV_SIGNAL) && event_get_fd(ev) >= 0) {
        short pending = (short) event_pending(ev, EV_READ | EV_WRITE, NULL);
        short events = (short) ((pending & EV_READ ? POLLIN : 0)
                                | (pending & EV_WRITE ? POLLOUT : 0));

        if (events != 0)
            add_fd(event_get_fd(ev), events);
    }
    if (event_pending(ev, EV_TIMEOUT, &tv) & EV_TIMEOUT) {
        if (!have_timer || evutil_timercmp(&tv, &next_timer, <))
            next_timer = tv;
        have_timer = 1;
    }
    return 0;
}

/* Build the poll set and the wait's timeout from the base's events.
 * libevent reports a timer's expiry in wall-clock time. */
static int
collect(struct event_base *base)
{
    struct timeval now, left;

    nfds = 0;
    have_timer = 0;
    out_of_memory = 0;
    add_fd(wake_fd, POLLIN);
    event_base_foreach_event(base, collect_cb, NULL);
    if (out_of_memory) {
        weft_log(WEFT_LOG_ERROR, "out of memory for the loop's poll set");
        return WEFT_ERROR;
    }
    nothing_waits = event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE) > 0;
    wait_ts.tv_sec = MAX_WAIT_SEC;
    wait_ts.tv_nsec = 0;
    if (nothing_waits) {
        wait_ts.tv_sec = 0;
    } else if (have_timer) {
        evutil_gettimeofday(&now, NULL);
        if (!evutil_timercmp(&next_timer, &now, >)) {
            wait_ts.tv_sec = 0;
        } else {
            evutil_timersub(&next_timer, &now, &left);
            if (left.tv_sec < MAX_WAIT_SEC) {
                wait_ts.tv_sec = left.tv_sec;
                wait_ts.tv_nsec = left.tv_usec * 1000L;
            }
        }
    }
    return WEFT_OK;
}

/* The wait itself: no language runs in it, no lock is needed. */
static void
do_poll(void)
{
    poll_rc = ppoll(fds, (nfds_t) nfds, &wait_ts, NULL);
    poll_errno = errno;
}

/* The wake() handed to the hooks: any thread, or a signal handler. */
static void
wake(void *arg)
{
    uint64_t one = 1;
    ssize_t  n;

    (void) arg;
    n = write(wake_fd, &one, sizeof(one));
    (void) n;
}

/* Hook i runs the rest of the chain as its wait; the last one polls. */
static void
chain(void *arg)
{
    unsigned i = (unsigned) (uintptr_t) arg;

    if (i >= nhooked)
        do_poll();
    else
        hooked[i]->blocking(chain, wake, (void *) (uintptr_t) (i + 1));
}

int
weft_loop_run_blocking(struct event_base *base)
{
    if (!weft_loop_blocking_wanted())
        return event_base_dispatch(base);
    if (wake_fd < 0) {
        wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (wake_fd < 0) {
            weft_log(WEFT_LOG_ERROR, "cannot make the loop's wake-up eventfd: %s",
                     strerror(errno));
            return -1;
        }
    }
    for (;;) {
        int rc = event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);

        if (rc < 0)
            return -1;
        if (rc == 1)
            return 1;               /* no events left: as dispatch */
        if (event_base_got_break(base) || event_base_got_exit(base))
            return 0;
        if (collect(base) != WEFT_OK)
            return -1;
        poll_rc = 0;
        chain((void *) (uintptr_t) 0);
        if (poll_rc < 0 && poll_errno != EINTR) {
            weft_log(WEFT_LOG_ERROR, "the loop's poll failed: %s", strerror(poll_errno));
            return -1;
        }
        if (poll_rc > 0 && (fds[0].revents & POLLIN)) {
            uint64_t v;
            ssize_t  n = read(wake_fd, &v, sizeof(v));

            (void) n;
        }
    }
}
