/*
 * core/worker.c - a worker's event loop: accepting, the FIFO of requests
 * waiting for a core, signals, and stopping.
 *
 * While any request waits for a core, the worker takes its listeners out of
 * the loop: new connections wait in the kernel's backlog instead of being
 * accepted only to wait here, and the loop never spins on a readable listen
 * socket it will not serve.  The same holds while the worker has
 * --max-conns connections, and for a while after accept() ran out of file
 * descriptors.
 */
#include "config.h"

#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <weft/status.h>
#include "accesslog.h"
#include "api.h"
#include "app_guard.h"
#include "conf.h"
#include "cores.h"
#include "log.h"
#include "loop_lock.h"
#include "registry.h"
#include "scoreboard.h"
#include "sd_notify.h"
#include "worker.h"

#define TRIM_AFTER_REQUESTS 256
#define ACCEPT_BACKOFF_USEC 250000   /* after EMFILE: let connections close */
#define LIMIT_LOG_SECONDS   10.0     /* one --max-conns line per episode, at most this often */

struct event_base *weft_base;
int                weft_worker_stopping;
int                weft_worker_reload;

static uint64_t      served;
static uint64_t      served_at_trim;
static struct event  trim_ev;       /* hand memory back once a burst is over */
static int           trim_armed;
static weft_conn_t  *fifo_head;
static weft_conn_t **fifo_tail = &fifo_head;
static unsigned      fifo_len;
static int           accepting;
static int           backing_off;   /* accept() ran out of fds: wait */
static struct event  backoff_ev;
static double        limit_logged = -1e9;
static struct event  sig_events[5];
static struct event  dispatch_ev;   /* give waiting requests to free cores */
static struct event  notify_ev;     /* without a master: STATUS=, WATCHDOG=1 */

static void
accept_cb(evutil_socket_t fd, short what, void *arg)
{
    WEFT_LOOP_LOCKED(accept_cb, fd, what, arg);
    weft_conn_accept(arg);
}

void
weft_worker_pause_accept(void)
{
    unsigned i;

    if (!accepting)
        return;
    for (i = 0; i < weft_nlisteners; i++)
        event_del(&weft_listeners[i].ev);
    accepting = 0;
}

/* The listeners belong in the loop: not stopping, no request waiting for
 * a core, under --max-conns, not backing off from EMFILE. */
static int
accept_allowed(void)
{
    return !weft_worker_stopping && fifo_len == 0 && !backing_off
           && (weft_conf.max_conns <= 0 || weft_nconns < (unsigned long) weft_conf.max_conns);
}

void
weft_worker_resume_accept(void)
{
    unsigned i;

    if (accepting || weft_base == NULL || weft_loop_engine != NULL || !accept_allowed())
        return;
    for (i = 0; i < weft_nlisteners; i++)
        event_add(&weft_listeners[i].ev, NULL);
    accepting = 1;
}

int
weft_worker_accepted(void)
{
    if (weft_conf.max_conns <= 0 || weft_nconns < (unsigned long) weft_conf.max_conns)
        return 1;
    weft_worker_pause_accept();
    if (weft_clock() - limit_logged >= LIMIT_LOG_SECONDS) {
        weft_log(WEFT_LOG_WARN, "worker %u holds %u connections (--max-conns): not accepting "
                 "until one closes, new clients wait in the listen queue",
                 weft_worker_id, weft_nconns);
        limit_logged = weft_clock();
    }
    return 0;
}

static void
backoff_cb(evutil_socket_t fd, short what, void *arg)
{
    WEFT_LOOP_LOCKED(backoff_cb, fd, what, arg);
    backing_off = 0;
    weft_worker_resume_accept();
}

void
weft_worker_accept_backoff(void)
{
    struct timeval tv = { 0, ACCEPT_BACKOFF_USEC };

    if (backing_off || weft_base == NULL)
        return;
    weft_worker_pause_accept();
    backing_off = 1;
    evtimer_add(&backoff_ev, &tv);
}

void
weft_worker_enqueue(weft_conn_t *c)
{
    c->next = NULL;
    c->queued = 1;
    *fifo_tail = c;
    fifo_tail = &c->next;
    if (fifo_len++ == 0)
        weft_worker_pause_accept();
}

void
weft_worker_unqueue(weft_conn_t *c)
{
    weft_conn_t **pp;

    for (pp = &fifo_head; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            if (fifo_tail == &c->next)
                fifo_tail = pp;
            c->queued = 0;
            if (--fifo_len == 0)
                weft_worker_resume_accept();
            return;
        }
    }
}

static void
maybe_finish_stop(void)
{
    if (weft_worker_stopping && weft_cores_busy == 0 && fifo_len == 0
        && weft_conns_pending() == 0)
        event_base_loopbreak(weft_base);
}

void
weft_worker_check_stop(void)
{
    if (weft_loop_engine == NULL && weft_base != NULL)
        maybe_finish_stop();
}

/* Start waiting requests on free cores.  Runs from its own event, never
 * from inside a finishing request, so a long queue never nests. */
static void
dispatch_cb(evutil_socket_t fd, short what, void *arg)
{
    WEFT_LOOP_LOCKED(dispatch_cb, fd, what, arg);
    while (fifo_head != NULL) {
        weft_conn_t  *c = fifo_head;
        weft_acore_t *core;

        core = weft_core_take();
        if (core == NULL)
            return;
        weft_worker_unqueue(c);
        weft_core_start(core, c);
    }
    maybe_finish_stop();
}

void
weft_worker_core_freed(void)
{
    if (fifo_head != NULL)
        event_active(&dispatch_ev, EV_TIMEOUT, 0);
    else
        maybe_finish_stop();
}

void
weft_worker_stop(int graceful)
{
    if (weft_loop_engine != NULL) {
        if (!weft_worker_stopping || !graceful)
            weft_log(WEFT_LOG_INFO, "worker %u stopping%s: %u requests in flight",
                     weft_worker_id, graceful ? "" : " now", weft_cores_busy);
        weft_worker_stopping = 1;
        weft_loop_engine->stop(graceful);
        return;
    }
    if (!graceful) {
        event_base_loopbreak(weft_base);
        return;
    }
    if (!weft_worker_stopping) {
        weft_log(WEFT_LOG_INFO, "worker %u stopping: %u requests in flight, %u waiting",
                 weft_worker_id, weft_cores_busy, fifo_len);
        if (weft_scoreboard_mine < 0 && !weft_worker_reload)
            weft_sd_notify("STOPPING=1");
    }
    weft_worker_stopping = 1;
    weft_worker_pause_accept();
    weft_conns_stop();
    maybe_finish_stop();
}

/*
 * A quiet second after a burst: free what idle cores kept and return the
 * heap's free pages to the system, so a worker's resident memory follows
 * its load instead of its peak.
 */
static void
trim_cb(evutil_socket_t fd, short what, void *arg)
{
    WEFT_LOOP_LOCKED(trim_cb, fd, what, arg);
    trim_armed = 0;
    if (weft_cores_busy != 0)
        return;
    weft_cores_shrink();
    malloc_trim(0);
    served_at_trim = served;
}

void
weft_worker_request_done(void)
{
    served++;
    if (weft_cores_busy == 0 && served - served_at_trim >= TRIM_AFTER_REQUESTS
        && weft_base != NULL && !trim_armed) {
        struct timeval tv = { 1, 0 };
        evtimer_add(&trim_ev, &tv);
        trim_armed = 1;
    }
    if (weft_conf.max_requests > 0 && served == (uint64_t) weft_conf.max_requests
        && !weft_worker_stopping) {
        weft_log(WEFT_LOG_INFO, "worker %u served %llu requests (--max-requests): recycling",
                 weft_worker_id, (unsigned long long) served);
        if (weft_scoreboard_mine >= 0) {
            weft_scoreboard_worker((unsigned) weft_scoreboard_mine)->recycling = 1;
            kill(getppid(), SIGUSR2);
        }
        weft_worker_stop(1);
    }
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
    WEFT_LOOP_LOCKED(signal_cb, sig, what, arg);
    switch (sig) {
    case SIGHUP:                   /* only without a master: drain, re-exec */
        weft_log(WEFT_LOG_INFO, "graceful reload: draining, then restarting in place");
        weft_sd_reloading();        /* the new image says READY=1 */
        weft_worker_reload = 1;
        weft_worker_stop(1);
        break;
    case SIGUSR1:
        weft_log_reopen();
        break;
    default:
        weft_worker_stop(sig != SIGQUIT);
    }
}

/* Without a master, this process is the one systemd watches: STATUS=
 * and WATCHDOG=1 (sd_notify.c); with one, the master speaks. */
static void
notify_cb(evutil_socket_t fd, short what, void *arg)
{
    double         every;
    struct timeval tv;

    weft_sd_status("serving: %llu requests, %u of %u cores busy",
                   (unsigned long long) served, weft_cores_busy, weft_ncores);
    every = weft_sd_tick(weft_clock());
    if (every <= 0 || every > 1)
        every = 1;
    tv.tv_sec = (time_t) every;
    tv.tv_usec = (suseconds_t) ((every - (double) tv.tv_sec) * 1e6);
    evtimer_add(&notify_ev, &tv);
}

static const int worker_signals[5] = { SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGHUP };

static void
signals_mask(int how)
{
    sigset_t set;
    unsigned i;

    sigemptyset(&set);
    for (i = 0; i < 5; i++)
        sigaddset(&set, worker_signals[i]);
    sigprocmask(how, &set, NULL);
}

void
weft_worker_hold_signals(void)
{
    sigset_t set;
    unsigned i;

    /* One SIG_SETMASK: a signal pending since a fork never finds itself
     * unblocked on the way. */
    sigemptyset(&set);
    for (i = 0; i < 5; i++)
        sigaddset(&set, worker_signals[i]);
    sigprocmask(SIG_SETMASK, &set, NULL);
}

/* A loop engine runs the loop; the core serves through it. */
static int
run_loop_engine(unsigned id)
{
    unsigned n = weft_conf_cores();
    int      rc;

    if (weft_cores_init(NULL, n) != WEFT_OK)
        return WEFT_ERROR;
    if (weft_conf.max_conns > 0)
        weft_log(WEFT_LOG_WARN, "--max-conns is not honoured under the %s loop engine "
                 "(it accepts through its own loop)", weft_loop_engine->name);
    if (weft_loop_engine->prepare != NULL && weft_loop_engine->prepare(n) != WEFT_OK) {
        weft_log(WEFT_LOG_ERROR, "the %s engine could not prepare %u cores",
                 weft_loop_engine->name, n);
        return WEFT_ERROR;
    }
    if (weft_scoreboard_mine >= 0)
        weft_scoreboard_worker((unsigned) weft_scoreboard_mine)->ready = 1;
    weft_log(WEFT_LOG_INFO, "worker %u ready (pid %ld, %u core%s, loop engine %s)", id,
             (long) getpid(), n, n == 1 ? "" : "s", weft_loop_engine->name);
    /* The engine's run() installs its own handlers first thing: one held
     * until now reaches the default action only in that instant. */
    signals_mask(SIG_UNBLOCK);
    rc = weft_loop_engine->run();
    weft_accesslog_flush();
    weft_log(WEFT_LOG_INFO, "worker %u stopped", id);
    return rc;
}

int
weft_worker_run(unsigned id)
{
    const int              *sigs = worker_signals;
    unsigned                nsigs = weft_scoreboard_mine >= 0 ? 4 : 5;  /* the master has HUP */
    struct event_config    *cfg;
    unsigned                i;
    int                     rc = WEFT_OK;

    weft_worker_id = id;
    signal(SIGPIPE, SIG_IGN);
    weft_app_guard_init();                  /* app_guard.c: stdio, fork */

    if (weft_loop_engine != NULL)
        return run_loop_engine(id);

    cfg = event_config_new();
    /* PRECISE_TIMER: CLOCK_MONOTONIC instead of the coarse clock, whose
     * 4 ms ticks would let async_sleep() return before its time. */
    event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK | EVENT_BASE_FLAG_PRECISE_TIMER);
    weft_base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    if (weft_base == NULL) {
        weft_log(WEFT_LOG_ERROR, "cannot create the event loop");
        return WEFT_ERROR;
    }

    if (weft_cores_init(weft_base, weft_conf_cores()) != WEFT_OK)
        return WEFT_ERROR;

    event_assign(&dispatch_ev, weft_base, -1, 0, dispatch_cb, NULL);
    evtimer_assign(&trim_ev, weft_base, trim_cb, NULL);
    evtimer_assign(&backoff_ev, weft_base, backoff_cb, NULL);
    for (i = 0; i < nsigs; i++) {
        evsignal_assign(&sig_events[i], weft_base, sigs[i], signal_cb, NULL);
        evsignal_add(&sig_events[i], NULL);
    }
    signals_mask(SIG_UNBLOCK);              /* held since start-up */
    for (i = 0; i < weft_nlisteners; i++)
        event_assign(&weft_listeners[i].ev, weft_base, weft_listeners[i].fd,
                     EV_READ | EV_PERSIST, accept_cb, &weft_listeners[i]);
    weft_worker_resume_accept();
    if (weft_scoreboard_mine >= 0)
        weft_scoreboard_worker((unsigned) weft_scoreboard_mine)->ready = 1;

    weft_log(WEFT_LOG_INFO, "worker %u ready (pid %ld, %u core%s%s%s)", id, (long) getpid(),
             weft_ncores, weft_ncores == 1 ? "" : "s",
             weft_engine_name() ? ", engine " : "",
             weft_engine_name() ? weft_engine_name() : "");
    if (weft_scoreboard_mine < 0 && weft_sd_init()) {
        weft_sd_notify("READY=1\nMAINPID=%ld", (long) getpid());
        evtimer_assign(&notify_ev, weft_base, notify_cb, NULL);
        notify_cb(-1, 0, NULL);
    }

    /* A language with an interpreter lock (Ruby's GVL) has the loop wait
     * with it released (loop_lock.c); otherwise event_base_dispatch(). */
    if (weft_loop_run(weft_base) < 0) {
        weft_log(WEFT_LOG_ERROR, "the event loop failed");
        rc = WEFT_ERROR;
    }
    weft_accesslog_flush();
    weft_log(WEFT_LOG_INFO, "worker %u stopped", id);
    return rc;
}
