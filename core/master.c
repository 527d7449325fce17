/*
 * core/master.c - the master process: forks the workers, respawns the ones
 * that die (with backoff when they die at start-up), enforces harakiri per
 * core and memory limits, and handles signals:
 *
 *   SIGHUP           graceful reload: the workers stop accepting and drain
 *                    (within --worker-reload-mercy) while the master re-executes
 *                    itself, reloads its configuration and apps, and starts a
 *                    new generation of workers on the same listen sockets at
 *                    once.  Same pid; no connection refused.
 *   SIGTERM, SIGINT  graceful shutdown: drain, then exit.
 *   SIGQUIT          immediate stop.
 *   SIGUSR1          reopen the log file (--logto).
 *   SIGUSR2          (from a worker) look at the scoreboard: it is recycling.
 *
 * The master waits for signals (a signalfd, master_loop.c) with a one second
 * timeout, which is also its clock for harakiri and backoff; meanwhile it
 * answers the stats and metrics listeners (stats_server.c), from the
 * scoreboard alone, so a stuck worker cannot hold them up.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <weft/status.h>
#include "api.h"
#include "backoff.h"
#include "clock.h"
#include "conf.h"
#include "cron.h"
#include "daemons.h"
#include "hooks.h"
#include "log.h"
#include "master.h"
#include "master_loop.h"
#include "opts.h"
#include "procmem.h"
#include "reexec.h"
#include "scoreboard.h"
#include "sd_notify.h"
#include "stats_server.h"
#include "touch.h"
#include "server.h"
#include "worker.h"

/* What the master knows of each worker id. */
typedef struct {
    pid_t    pid;             /* the current process for this id, 0: none */
    double   spawned;
    double   respawn_at;      /* when to fork it again, 0: now/never */
    unsigned failures;        /* consecutive deaths at start-up */
} worker_t;

/* A process of an older generation (or recycling) that is draining. */
typedef struct {
    pid_t    pid;
    unsigned worker_id;
    double   deadline;        /* SIGKILL after this */
} draining_t;

static worker_t   *workers;
static unsigned    nworkers;
static draining_t *draining;
static unsigned    ndraining;
static unsigned    draining_cap;
static int         shutting_down;
static double      shutdown_deadline;
static sigset_t    master_signals;
static int         told_ready;      /* READY=1 sent to the service manager */

static const char *
signame(int sig)
{
    const char *s = sigabbrev_np(sig);
    return s ? s : "?";
}

static void
add_draining(pid_t pid, unsigned id, double deadline)
{
    if (ndraining == draining_cap) {
        unsigned    cap = draining_cap ? draining_cap * 2 : 8;
        draining_t *d = realloc(draining, cap * sizeof(*d));
        if (d == NULL) {
            kill(pid, SIGKILL);       /* cannot track it: do not let it linger */
            return;
        }
        draining = d;
        draining_cap = cap;
    }
    draining[ndraining].pid = pid;
    draining[ndraining].worker_id = id;
    draining[ndraining].deadline = deadline;
    ndraining++;
}

/* ------------------------------------------------------------ workers */

static void
worker_process(unsigned id, int slot)
{
    /* The worker handles its own signals; it dies with the master. */
    signal(SIGHUP, SIG_IGN);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_IGN);
    signal(SIGCHLD, SIG_DFL);
    weft_worker_hold_signals();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1)
        _exit(0);
    weft_master_loop_forked();
    weft_scoreboard_mine = slot;
    weft_scoreboard_self = weft_scoreboard_worker((unsigned) slot);
    weft_scoreboard_worker((unsigned) slot)->started = weft_clock();
    if (weft_hooks_run(WEFT_HOOK_ACCEPTING) != WEFT_OK)          /* hooks */
        _exit(1);
    _exit(weft_server_worker(id) == WEFT_OK ? 0 : 1);
}

static void
spawn(unsigned id)
{
    worker_t *w = &workers[id - 1];
    pid_t     pid;
    int       slot;

    slot = weft_scoreboard_claim(-1, id);
    if (slot < 0) {
        weft_log(WEFT_LOG_ERROR, "no scoreboard slot for worker %u: retrying in 1 s", id);
        w->respawn_at = weft_clock() + 1;
        return;
    }
    pid = fork();
    if (pid < 0) {
        weft_log(WEFT_LOG_ERROR, "cannot fork worker %u: %m (retrying in 1 s)", id);
        weft_scoreboard_release((unsigned) slot);
        w->respawn_at = weft_clock() + 1;
        return;
    }
    if (pid == 0)
        worker_process(id, slot);
    weft_scoreboard_worker((unsigned) slot)->pid = pid;
    w->pid = pid;
    w->spawned = weft_clock();
    w->respawn_at = 0;
    weft_log(WEFT_LOG_INFO, "worker %u started (pid %ld)", id, (long) pid);
}

static int
slot_of(pid_t pid)
{
    unsigned i;

    for (i = 0; i < weft_scoreboard_slots(); i++)
        if (weft_scoreboard_worker(i)->pid == pid)
            return (int) i;
    return -1;
}

/* Ask a worker to drain and leave; a replacement is started at once. */
static void
retire(worker_t *w, unsigned id, const char *why, double mercy)
{
    if (w->pid == 0)
        return;
    weft_log(WEFT_LOG_INFO, "worker %u (pid %ld) %s: draining it (up to %.0f s) and starting a new one",
             id, (long) w->pid, why, mercy);
    kill(w->pid, SIGTERM);
    add_draining(w->pid, id, weft_clock() + mercy);
    w->pid = 0;
    w->failures = 0;
    if (!shutting_down)
        spawn(id);
}

static void
describe_exit(char *buf, size_t len, int status)
{
    if (WIFSIGNALED(status))
        snprintf(buf, len, "was killed by SIG%s", signame(WTERMSIG(status)));
    else
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
}

static void
reap(void)
{
    for (;;) {
        int      status, slot;
        pid_t    pid = waitpid(-1, &status, WNOHANG);
        unsigned i;
        char     how[64];

        if (pid <= 0)
            return;
        int      was_ready = 0, recycled = 0;

        /* daemons, cron: their own children */
        if (weft_daemons_reaped(pid, status) || weft_cron_reaped(pid, status))
            continue;
        describe_exit(how, sizeof(how), status);
        slot = slot_of(pid);
        if (slot >= 0) {
            was_ready = weft_scoreboard_worker((unsigned) slot)->ready;
            recycled = weft_scoreboard_worker((unsigned) slot)->recycling != 0;
            weft_scoreboard_release((unsigned) slot);
        }

        for (i = 0; i < ndraining; i++) {
            if (draining[i].pid == pid) {
                weft_log(WEFT_LOG_INFO, "worker %u (pid %ld) finished draining and %s",
                         draining[i].worker_id, (long) pid, how);
                draining[i] = draining[--ndraining];
                pid = 0;
                break;
            }
        }
        if (pid == 0)
            continue;

        for (i = 0; i < nworkers; i++) {
            worker_t *w = &workers[i];
            double    lived;

            if (w->pid != pid)
                continue;
            w->pid = 0;
            lived = weft_clock() - w->spawned;
            if (shutting_down) {
                weft_log(WEFT_LOG_INFO, "worker %u (pid %ld) %s", i + 1, (long) pid, how);
                break;
            }
            if (recycled && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                /* --max-requests, and it drained before we looked. */
                weft_log(WEFT_LOG_INFO, "worker %u (pid %ld) reached --max-requests and finished draining: starting a new one",
                         i + 1, (long) pid);
                w->failures = 0;
                spawn(i + 1);
                break;
            }
            if (!was_ready) {
                double delay = weft_backoff_delay(++w->failures);

                weft_log(WEFT_LOG_ERROR, "worker %u (pid %ld) %s %.1f s after starting (%u time%s in a row): respawning in %.0f s",
                         i + 1, (long) pid, how, lived, w->failures,
                         w->failures == 1 ? "" : "s", delay);
                w->respawn_at = weft_clock() + delay;
            } else {
                w->failures = 0;
                weft_log(WEFT_LOG_ERROR, "worker %u (pid %ld) %s: respawning it", i + 1,
                         (long) pid, how);
                w->respawn_at = 0;
                spawn(i + 1);
            }
            break;
        }
    }
}

/* ------------------------------------------------------------ checks */

static void
check_harakiri(double t)
{
    unsigned slot, core;

    if (weft_conf.harakiri <= 0)
        return;
    for (slot = 0; slot < weft_scoreboard_slots(); slot++) {
        weft_sb_worker_t *sw = weft_scoreboard_worker(slot);

        if (sw->pid <= 0)
            continue;
        for (core = 0; core < weft_conf_cores(); core++) {
            weft_sb_core_t *c = weft_scoreboard_core(slot, core);
            double          start = c->start;

            if (start > 0 && t - start >= (double) weft_conf.harakiri) {
                weft_log(WEFT_LOG_ERROR, "HARAKIRI: worker %u (pid %ld) core %u has served \"%.*s\" for %.0f s (--harakiri %ld): killing the worker",
                         sw->worker_id, (long) sw->pid, core, (int) sizeof(c->what), c->what,
                         t - start, weft_conf.harakiri);
                c->start = 0;
                weft_scoreboard_harakiri(slot);
                weft_harakiri_verbose(sw->pid);
                kill(sw->pid, SIGKILL);
                break;
            }
        }
    }
}

/* pid's resident set in KiB (procmem.c). */
static long
rss_kib(pid_t pid)
{
    uint64_t rss = 0;

    weft_proc_memory(pid, &rss, NULL);
    return (long) (rss / 1024);
}

static void
check_workers(double t)
{
    unsigned i, slot;

    /* Workers that said they are recycling (--max-requests). */
    for (slot = 0; slot < weft_scoreboard_slots(); slot++) {
        weft_sb_worker_t *sw = weft_scoreboard_worker(slot);
        if (sw->pid > 0 && sw->recycling == 1) {
            sw->recycling = 2;
            for (i = 0; i < nworkers; i++)
                if (workers[i].pid == sw->pid)
                    retire(&workers[i], i + 1, "reached --max-requests",
                           weft_conf.reload_mercy);
        }
    }
    for (i = 0; i < nworkers; i++) {
        worker_t *w = &workers[i];

        if (w->pid == 0 && !shutting_down && w->respawn_at > 0 && t >= w->respawn_at)
            spawn(i + 1);
        if (w->pid > 0 && weft_conf.reload_on_rss > 0) {
            long kib = rss_kib(w->pid);
            if (kib > weft_conf.reload_on_rss * 1024) {
                char why[96];
                snprintf(why, sizeof(why), "uses %.1f MiB, over --reload-on-rss %ld",
                         (double) kib / 1024, weft_conf.reload_on_rss);
                retire(w, i + 1, why, weft_conf.reload_mercy);
            }
        }
        if (w->pid > 0) {
            char why[128];
            if (weft_recycle_reason(w->pid, w->spawned, t, why, sizeof(why)))
                retire(w, i + 1, why, weft_conf.reload_mercy);
        }
    }
    for (i = 0; i < ndraining; i++) {
        if (t >= draining[i].deadline) {
            weft_log(WEFT_LOG_WARN, "worker %u (pid %ld) did not drain in time: killing it",
                     draining[i].worker_id, (long) draining[i].pid);
            kill(draining[i].pid, SIGKILL);
            draining[i].deadline = t + 3600;
        }
    }
}

/* ------------------------------------------------------------ signals */

static void
begin_shutdown(int graceful)
{
    unsigned i;
    int      sig = graceful ? SIGTERM : SIGKILL;

    if (shutting_down && graceful)
        return;
    shutting_down = 1;
    weft_sd_notify("STOPPING=1\nSTATUS=%s", graceful ? "draining the workers" : "stopping now");
    shutdown_deadline = weft_clock() + (graceful ? weft_conf.reload_mercy : 0);
    weft_log(WEFT_LOG_INFO, "master: %s", graceful ? "graceful shutdown: draining the workers"
                                                   : "immediate stop");
    for (i = 0; i < nworkers; i++)
        if (workers[i].pid > 0)
            kill(workers[i].pid, sig);
    for (i = 0; i < ndraining; i++)
        kill(draining[i].pid, sig);
    weft_daemons_stop(graceful);                                 /* daemons, cron */
    weft_cron_stop(graceful);
}

/* mercy: how long the workers may drain (0: a brutal reload). */
static void
reload(double mercy)
{
    unsigned i;
    double   deadline = weft_clock() + mercy;

    weft_sd_reloading();            /* the new image says READY=1 */
    if (mercy > 0)
        weft_log(WEFT_LOG_INFO, "master: graceful reload: the workers drain (up to %.0f s) while a new generation starts",
                 mercy);
    else
        weft_log(WEFT_LOG_INFO, "master: brutal reload: the workers are killed while a new generation starts");
    for (i = 0; i < nworkers; i++) {
        if (workers[i].pid > 0) {
            kill(workers[i].pid, SIGTERM);
            add_draining(workers[i].pid, i + 1, deadline);
        }
    }
    /* Same pid, fresh image: the draining workers stay our children. */
    {
        pid_t    *pids = calloc(ndraining + 1, sizeof(*pids));
        unsigned *ids = calloc(ndraining + 1, sizeof(*ids));
        double   *deadlines = calloc(ndraining + 1, sizeof(*deadlines));

        if (pids != NULL && ids != NULL && deadlines != NULL) {
            for (i = 0; i < ndraining; i++) {
                pids[i] = draining[i].pid;
                ids[i] = draining[i].worker_id;
                deadlines[i] = draining[i].deadline;
            }
            weft_stats_note_reload();                            /* stats_server.c */
            weft_daemons_handover();                             /* daemons, cron */
            weft_cron_handover();
            weft_reexec(pids, ids, deadlines, ndraining);
        }
        free(pids);
        free(ids);
        free(deadlines);
    }
    weft_log(WEFT_LOG_ERROR, "master: reload failed (see above): carrying on without it");
    for (i = 0; i < nworkers; i++) {
        workers[i].pid = 0;
        spawn(i + 1);
    }
}

/*
 * The service manager (sd_notify.c): READY=1 once every worker of this
 * generation serves, a STATUS= line, WATCHDOG=1 when it is due.  Returns
 * the longest the master may wait before calling it again.
 */
static double
tell_supervisor(double t)
{
    unsigned i, c, ready = 0, busy = 0;
    uint64_t requests = 0;
    double   every;

    for (i = 0; i < nworkers; i++) {
        int               slot = workers[i].pid > 0 ? slot_of(workers[i].pid) : -1;
        weft_sb_worker_t *sw = slot >= 0 ? weft_scoreboard_worker((unsigned) slot) : NULL;

        if (sw == NULL || !sw->ready)
            continue;
        ready++;
        requests += sw->requests;
        for (c = 0; c < weft_conf_cores(); c++)
            busy += weft_scoreboard_core((unsigned) slot, c)->start > 0;
    }
    if (!told_ready && ready == nworkers && !shutting_down) {
        weft_sd_notify("READY=1\nMAINPID=%ld", (long) getpid());
        told_ready = 1;
    }
    if (!shutting_down)
        weft_sd_status("%u of %u workers serving, %llu requests, %u of %u cores busy",
                       ready, nworkers, (unsigned long long) requests, busy,
                       nworkers * weft_conf_cores());
    every = weft_sd_tick(t);
    if (!told_ready)
        return 0.02;                /* READY=1 soon after the last worker */
    return every > 0 && every < 1 ? every : 1;
}

int
weft_master_run(void)
{
    double          tick = 1;
    unsigned        i;
    const pid_t    *old;
    const unsigned *old_id;
    const double   *old_deadline;
    unsigned        nold;

    nworkers = (unsigned) weft_conf.processes;
    workers = calloc(nworkers, sizeof(*workers));
    if (workers == NULL)
        return WEFT_ERROR;
    if (weft_scoreboard_create(nworkers, weft_conf_cores()) != WEFT_OK)
        return WEFT_ERROR;

    sigemptyset(&master_signals);
    sigaddset(&master_signals, SIGCHLD);
    sigaddset(&master_signals, SIGHUP);
    sigaddset(&master_signals, SIGTERM);
    sigaddset(&master_signals, SIGINT);
    sigaddset(&master_signals, SIGQUIT);
    sigaddset(&master_signals, SIGUSR1);
    sigaddset(&master_signals, SIGUSR2);
    if (weft_hooks_run(WEFT_HOOK_MASTER_START) != WEFT_OK)       /* hooks */
        return WEFT_ERROR;
    weft_hooks_signals(&master_signals);
    sigprocmask(SIG_BLOCK, &master_signals, NULL);
    if (weft_master_loop_init(&master_signals) != WEFT_OK          /* master_loop.c */
        || weft_stats_server_start(weft_master_loop_base()) != WEFT_OK)
        return WEFT_ERROR;

    /* Workers of the generation before a reload are still draining. */
    nold = weft_reexec_inherited(&old, &old_id, &old_deadline);
    for (i = 0; i < nold; i++)
        add_draining(old[i], old_id[i], old_deadline[i]);

    if (weft_touch_init() != 0)
        return WEFT_ERROR;
    weft_log(WEFT_LOG_INFO, "master (pid %ld) starting %u worker%s", (long) getpid(), nworkers,
             nworkers == 1 ? "" : "s");
    for (i = 0; i < nworkers; i++)
        spawn(i + 1);
    weft_daemons_start();                                        /* daemons, cron */
    weft_cron_start();

    for (;;) {
        int       sig = weft_master_wait(tick);      /* serves stats, metrics */
        double    t;

        switch (weft_hooks_signal_action(sig)) {                 /* unix_signal: hooks */
        case SIGHUP:
            if (!shutting_down)
                reload(weft_conf.reload_mercy);
            break;
        case WEFT_HOOK_BRUTAL_RELOAD:
            if (!shutting_down)
                reload(0);
            break;
        case SIGTERM:
        case SIGINT:
            begin_shutdown(1);
            break;
        case SIGQUIT:
            begin_shutdown(0);
            break;
        case SIGUSR1:
            weft_log_reopen();
            for (i = 0; i < nworkers; i++)
                if (workers[i].pid > 0)
                    kill(workers[i].pid, SIGUSR1);
            break;
        default:
            break;
        }
        reap();
        t = weft_clock();
        check_harakiri(t);
        check_workers(t);
        switch (shutting_down ? WEFT_TOUCH_NONE : weft_touch_check()) {   /* touch.c */
        case WEFT_TOUCH_RELOAD:
            reload(weft_conf.reload_mercy);
            break;
        case WEFT_TOUCH_WORKERS:
            for (i = 0; i < nworkers; i++)
                retire(&workers[i], i + 1, "is replaced (--touch-workers-reload)",
                       weft_conf.reload_mercy);
            break;
        }
        weft_daemons_tick(t);                                    /* daemons, cron */
        weft_cron_tick(t);
        tick = tell_supervisor(t);
        if (shutting_down) {
            unsigned alive = ndraining;
            for (i = 0; i < nworkers; i++)
                alive += workers[i].pid > 0;
            /* daemons, cron: they have their own SIGKILL deadline */
            if (alive + weft_daemons_alive() + weft_cron_alive() == 0)
                break;
            if (alive > 0 && t >= shutdown_deadline) {
                weft_log(WEFT_LOG_WARN, "master: %u worker%s did not drain in time: killing them",
                         alive, alive == 1 ? "" : "s");
                for (i = 0; i < nworkers; i++)
                    if (workers[i].pid > 0)
                        kill(workers[i].pid, SIGKILL);
                for (i = 0; i < ndraining; i++)
                    kill(draining[i].pid, SIGKILL);
                shutdown_deadline = t + 3600;
            }
        }
    }
    weft_log(WEFT_LOG_INFO, "master: every worker has stopped: bye");
    return WEFT_OK;
}
