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
 *
 * Under --threads (threads.c) each serving thread runs all of this on its
 * own: every variable here but weft_worker_reload is thread-local, and a
 * thread also stops accepting while its cores are all busy, so another
 * thread takes the next connection.
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
#include "threads.h"
#include "worker.h"

#define TRIM_AFTER_REQUESTS 256
#define ACCEPT_BACKOFF_USEC 250000   /* after EMFILE: let connections close */
#define LIMIT_LOG_SECONDS   10.0     /* one --max-conns line per episode, at most this often */

/*
 * --threads: a thread that has just accepted a connection stops accepting
 * until that connection's request has taken its core (it then stays out
 * until the core is free again), or for this long (microseconds) when the
 * head is slow to come: the next connection goes to another thread,
 * instead of waiting here behind the first.
 */
#define ACCEPT_PAUSE_US 50000

WEFT_TLS struct event_base *weft_base;
WEFT_TLS int                weft_worker_stopping;
int                         weft_worker_reload;     /* thread 0's */

static WEFT_TLS uint64_t      served;         /* this thread's requests */
static WEFT_TLS uint64_t      served_at_trim;
static WEFT_TLS struct event  trim_ev;        /* hand memory back once a burst is over */
static WEFT_TLS int           trim_armed;
static WEFT_TLS weft_conn_t  *fifo_head;
static WEFT_TLS weft_conn_t **fifo_tail;      /* &fifo_head once the loop is set up */
static WEFT_TLS unsigned      fifo_len;
static WEFT_TLS int           accepting;
static WEFT_TLS int           backing_off;    /* accept() ran out of fds: wait */
static WEFT_TLS struct event  backoff_ev;
static WEFT_TLS double        limit_logged = -1e9;
static WEFT_TLS struct event *listen_evs;     /* one per listener, on this thread's base */
static WEFT_TLS struct event  dispatch_ev;    /* give waiting requests to free cores */
static WEFT_TLS struct event  accept_ev;      /* --threads: accept again after a pause */
static struct event           sig_events[5];  /* thread 0 */
static struct event           notify_ev;      /* thread 0, without a master: STATUS=, WATCHDOG=1 */

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
        event_del(&listen_evs[i]);
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

    if (accepting || listen_evs == NULL || weft_loop_engine != NULL || !accept_allowed())
        return;
    if (weft_threads_on() && weft_cores_busy >= weft_ncores)
        return;                     /* --threads: busy; another thread accepts */
    for (i = 0; i < weft_nlisteners; i++)
        event_add(&listen_evs[i], NULL);
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

/* Thread 0 leaves its loop last: worker_exit() never runs beside another
 * thread's request. */
static void
maybe_finish_stop(void)
{
    if (weft_worker_stopping && weft_cores_busy == 0 && fifo_len == 0
        && weft_conns_pending() == 0
        && (weft_thread_index != 0 || weft_threads_running() == 0))
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
    else if (weft_worker_stopping)
        maybe_finish_stop();
    else if (!accepting && weft_threads_on())
        weft_worker_resume_accept();
}

/* --threads: a pause after an accept is over. */
static void
accept_again_cb(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
    if (fifo_head == NULL)
        weft_worker_resume_accept();
}

void
weft_worker_accept_pause(void)
{
    struct timeval tv = { 0, ACCEPT_PAUSE_US };

    weft_worker_pause_accept();
    evtimer_add(&accept_ev, &tv);
}

void
weft_worker_cores_full(void)
{
    if (weft_threads_on())
        weft_worker_pause_accept();
}

void
weft_worker_stop(int graceful)
{
    if (weft_threads_on())
        weft_threads_stop_others(graceful);
    weft_worker_stop_here(graceful);
}

void
weft_worker_stop_here(int graceful)
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
        if (weft_threads_on() && weft_thread_index == 0)
            weft_log(WEFT_LOG_INFO, "worker %u stopping: %u threads serving",
                     weft_worker_id, weft_threads_running());
        else if (weft_threads_on())
            weft_log(WEFT_LOG_DEBUG, "worker %u thread %u stopping: %u requests in flight, %u waiting",
                     weft_worker_id, weft_thread_index, weft_cores_busy, fifo_len);
        else
            weft_log(WEFT_LOG_INFO, "worker %u stopping: %u requests in flight, %u waiting",
                     weft_worker_id, weft_cores_busy, fifo_len);
        if (weft_scoreboard_mine < 0 && !weft_worker_reload && weft_thread_index == 0)
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
    uint64_t total;

    served++;
    /* Across the worker's threads: one atomic add (threads.c). */
    total = weft_threads_on() ? weft_threads_count_request() : served;
    if (weft_cores_busy == 0 && served - served_at_trim >= TRIM_AFTER_REQUESTS
        && weft_base != NULL && !trim_armed) {
        struct timeval tv = { 1, 0 };
        evtimer_add(&trim_ev, &tv);
        trim_armed = 1;
    }
    if (weft_conf.max_requests > 0 && total == (uint64_t) weft_conf.max_requests
        && !weft_worker_stopping) {
        weft_log(WEFT_LOG_INFO, "worker %u served %llu requests (--max-requests): recycling",
                 weft_worker_id, (unsigned long long) total);
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

    fifo_tail = &fifo_head;
    if (weft_cores_init(NULL, n, 0) != WEFT_OK)
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

/*
 * This thread's loop: its event base, its cores, its FIFO and its
 * listeners' events.  Under --threads, thread 0 serves nothing (it has no
 * cores and never accepts: it handles the signals, at once, whatever the
 * others are doing), and serving thread t (1 .. N) has the core ids from
 * (t - 1) * per-thread cores.
 */
static int
loop_setup(unsigned thread)
{
    struct event_config *cfg;
    unsigned             i, n = weft_conf_thread_cores();
    unsigned             first = 0;

    if (weft_threads_on()) {
        first = thread > 0 ? (thread - 1) * n : 0;
        if (thread == 0)
            n = 0;
    }

    fifo_tail = &fifo_head;
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
    if (weft_cores_init(weft_base, n, first) != WEFT_OK)
        return WEFT_ERROR;
    event_assign(&dispatch_ev, weft_base, -1, 0, dispatch_cb, NULL);
    evtimer_assign(&trim_ev, weft_base, trim_cb, NULL);
    evtimer_assign(&accept_ev, weft_base, accept_again_cb, NULL);
    evtimer_assign(&backoff_ev, weft_base, backoff_cb, NULL);
    listen_evs = calloc(weft_nlisteners ? weft_nlisteners : 1, sizeof(*listen_evs));
    if (listen_evs == NULL) {
        weft_log(WEFT_LOG_ERROR, "out of memory for the listeners' events");
        return WEFT_ERROR;
    }
    for (i = 0; i < weft_nlisteners; i++)
        event_assign(&listen_evs[i], weft_base, weft_listeners[i].fd,
                     EV_READ | EV_PERSIST, accept_cb, &weft_listeners[i]);
    return WEFT_OK;
}

/* Serving thread 1 .. N of --threads (threads.c): its languages'
 * thread_init(), its loop until stopped, thread_exit(). */
int
weft_worker_thread_main(unsigned thread)
{
    unsigned i, ninit = 0;
    int      rc = WEFT_OK;

    if (loop_setup(thread) != WEFT_OK || weft_threads_watch() != WEFT_OK) {
        weft_threads_ready(0);
        return WEFT_ERROR;
    }
    for (i = 0; i < weft_language_count(); i++, ninit++) {
        const weft_language_t *lang = weft_language_at(i);

        if (lang->thread_init != NULL && lang->thread_init(thread) != WEFT_OK) {
            weft_log(WEFT_LOG_ERROR, "the %s plugin could not start worker %u's thread %u",
                     lang->name, weft_worker_id, thread);
            rc = WEFT_ERROR;
            break;
        }
    }
    weft_threads_ready(rc == WEFT_OK);
    if (rc == WEFT_OK) {
        weft_worker_resume_accept();
        if (weft_loop_run(weft_base) < 0) {
            weft_log(WEFT_LOG_ERROR, "thread %u's event loop failed", thread);
            rc = WEFT_ERROR;
        }
    }
    for (i = 0; i < ninit; i++) {
        const weft_language_t *lang = weft_language_at(i);

        if (lang->thread_exit != NULL)
            lang->thread_exit();
    }
    weft_accesslog_flush();
    return rc;
}

int
weft_worker_run(unsigned id)
{
    const int              *sigs = worker_signals;
    unsigned                nsigs = weft_scoreboard_mine >= 0 ? 4 : 5;  /* the master has HUP */
    unsigned                i;
    int                     rc = WEFT_OK;

    weft_worker_id = id;
    signal(SIGPIPE, SIG_IGN);
    weft_app_guard_init();                  /* app_guard.c: stdio, fork */

    if (weft_loop_engine != NULL)
        return run_loop_engine(id);

    if (loop_setup(0) != WEFT_OK)
        return WEFT_ERROR;
    for (i = 0; i < nsigs; i++) {
        evsignal_assign(&sig_events[i], weft_base, sigs[i], signal_cb, NULL);
        evsignal_add(&sig_events[i], NULL);
    }
    /* The other threads start with the worker's signals still held. */
    if (weft_threads_start() != WEFT_OK) {
        weft_threads_wait();
        return WEFT_ERROR;
    }
    signals_mask(SIG_UNBLOCK);              /* held since start-up */
    if (!weft_threads_on())
        weft_worker_resume_accept();
    if (weft_scoreboard_mine >= 0)
        weft_scoreboard_worker((unsigned) weft_scoreboard_mine)->ready = 1;

    if (weft_threads_on())
        weft_log(WEFT_LOG_INFO, "worker %u ready (pid %ld, %u threads)", id, (long) getpid(),
                 weft_conf_threads());
    else
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
        weft_threads_stop_others(0);
    }
    switch (weft_threads_wait()) {
    case WEFT_OK:
        break;
    case WEFT_AGAIN:
        /* A hard stop, and a request that does not return: its thread is
         * inside the app, so nothing may be torn down under it. */
        weft_log(WEFT_LOG_WARN, "worker %u: %u threads still inside a request after a hard stop: leaving them",
                 id, weft_threads_running());
        weft_accesslog_flush();
        _exit(0);
    default:
        rc = WEFT_ERROR;
    }
    weft_accesslog_flush();
    weft_log(WEFT_LOG_INFO, "worker %u stopped", id);
    return rc;
}
