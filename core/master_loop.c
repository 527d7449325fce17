/*
 * core/master_loop.c - the master waits for its signals and serves the stats
 * and metrics listeners in one libevent base (poll backend: a forked child
 * shares no kernel event state with it).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <event2/event.h>

#include <weft/status.h>
#include "log.h"
#include "master_loop.h"
#include "stats_server.h"

static struct event_base *base;
static struct event      *sig_ev;
static struct event      *tick_ev;
static int                sig_fd = -1;
static int                got;          /* the signal read, 0: none yet */
static int                ticked;

static void
on_signal(evutil_socket_t fd, short what, void *arg)
{
    struct signalfd_siginfo si;
    ssize_t                 n;

    (void) what;
    (void) arg;
    if (got != 0)
        return;             /* one per wait; the rest stay pending */
    n = read(fd, &si, sizeof(si));
    if (n == (ssize_t) sizeof(si))
        got = (int) si.ssi_signo;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
    ticked = 1;
}

int
weft_master_loop_init(const sigset_t *signals)
{
    struct event_config *cfg;

    if (base != NULL)
        return WEFT_OK;
    sig_fd = signalfd(-1, signals, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sig_fd < 0) {
        weft_log(WEFT_LOG_ERROR, "master: cannot make a signalfd: %m");
        return WEFT_ERROR;
    }
    cfg = event_config_new();
    if (cfg != NULL) {
        event_config_avoid_method(cfg, "epoll");
        base = event_base_new_with_config(cfg);
        event_config_free(cfg);
    }
    if (base == NULL)
        base = event_base_new();
    if (base == NULL) {
        weft_log(WEFT_LOG_ERROR, "master: cannot make an event base");
        return WEFT_ERROR;
    }
    sig_ev = event_new(base, sig_fd, EV_READ | EV_PERSIST, on_signal, NULL);
    tick_ev = evtimer_new(base, on_tick, NULL);
    if (sig_ev == NULL || tick_ev == NULL || event_add(sig_ev, NULL) != 0) {
        weft_log(WEFT_LOG_ERROR, "master: cannot watch its signals");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

struct event_base *
weft_master_loop_base(void)
{
    return base;
}

int
weft_master_wait(double timeout)
{
    struct timeval tv;

    if (timeout < 0)
        timeout = 0;
    tv.tv_sec = (time_t) timeout;
    tv.tv_usec = (suseconds_t) ((timeout - (double) tv.tv_sec) * 1e6);
    got = 0;
    ticked = 0;
    evtimer_add(tick_ev, &tv);
    while (got == 0 && !ticked)
        if (event_base_loop(base, EVLOOP_ONCE) < 0)
            break;
    evtimer_del(tick_ev);
    return got != 0 ? got : -1;
}

void
weft_master_loop_forked(void)
{
    if (sig_fd >= 0)
        close(sig_fd);
    sig_fd = -1;
    weft_stats_server_forked();
}
