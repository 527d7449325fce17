/*
 * core/cheaper_busyness.c - cheaper's `busyness` algorithm (uWSGI's
 * cheaper_busyness plugin), on the samples cheaper.c takes each tick.
 *
 * A worker's busyness is the share of ticks its cores served requests
 * (busy cores / cores, averaged over the ticks of a window).  Every
 * --cheaper-overload seconds a window closes and the workers' average
 * decides:
 *   - above --cheaper-busyness-max: start --cheaper-step workers.  If that
 *     comes sooner after a worker was stopped than it takes to stop one
 *     (multiplier windows), the multiplier grows by --cheaper-busyness-penalty,
 *     so the count does not swing;
 *   - below --cheaper-busyness-min: an idle window.  After `multiplier` idle
 *     windows, stop one idle worker (never below --cheaper);
 *   - between: a window that is neither costs one idle window back; three
 *     of them in a row start the count again.
 * And on every tick, the listen queue: more than
 * --cheaper-busyness-backlog-alert connections waiting, or a queue that has
 * not been empty for --cheaper-busyness-backlog-nonzero seconds, starts
 * --cheaper-busyness-backlog-step "emergency" workers at once; while some
 * of those run, --cheaper-busyness-backlog-multiplier idle windows are
 * enough to stop one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cheaper_algo.h"
#include "conf.h"
#include "log.h"

static double  *sum;            /* per id: load summed over the window */
static unsigned *ticks;         /* per id: ticks it served in the window */
static double   window_start;
static long     multiplier;     /* idle windows needed (grows by the penalty) */
static long     idle_windows;
static int      between;        /* windows in a row between min and max */
static unsigned emergency;      /* emergency workers still running */
static double   last_stop;      /* when a worker was last stopped (0: never) */
static double   nonzero_since;  /* the listen queue not empty since (0: empty) */

static long
overload(void)
{
    return weft_conf.cheaper_overload > 0 ? weft_conf.cheaper_overload : 3;
}

/* Contract: see cheaper_algo.h. */
void
weft_cheaper_busyness_describe(char *buf, size_t len)
{
    snprintf(buf, len, "min %ld%%, max %ld%%, window %ld s, multiplier %ld, penalty %ld; backlog alert %ld, step %ld, multiplier %ld, nonzero %ld s",
             weft_conf.busyness_min, weft_conf.busyness_max, overload(),
             weft_conf.busyness_multiplier, weft_conf.busyness_penalty,
             weft_conf.busyness_backlog_alert, weft_conf.busyness_backlog_step,
             weft_conf.busyness_backlog_multiplier, weft_conf.busyness_backlog_nonzero);
}

/* How many of `want` fit below --processes. */
static int
room(const weft_cheaper_tick_t *t, long want)
{
    unsigned free_ids = t->max - t->running;

    return (int) ((unsigned long) want < free_ids ? (unsigned long) want : free_ids);
}

/* The listen queue, every tick: emergency workers. */
static int
backlog(double now, const weft_cheaper_tick_t *t, char *why, size_t len)
{
    long alert = weft_conf.busyness_backlog_alert, nonzero = weft_conf.busyness_backlog_nonzero;
    int  n;

    if (t->queue <= 0) {
        nonzero_since = 0;
        return 0;
    }
    if (nonzero_since == 0)
        nonzero_since = now;
    if (t->running >= t->max || t->serving < t->running)
        return 0;                       /* full, or one is still starting */
    if (alert > 0 && t->queue > alert)
        snprintf(why, len, "%ld waiting, over cheaper-busyness-backlog-alert %ld", t->queue,
                 alert);
    else if (nonzero > 0 && now - nonzero_since >= (double) nonzero)
        snprintf(why, len, "the listen queue has not been empty for %.0f s (%ld waiting)",
                 now - nonzero_since, t->queue);
    else
        return 0;
    n = room(t, weft_conf.busyness_backlog_step);
    emergency += (unsigned) n;
    idle_windows = 0;
    nonzero_since = now;
    return n;
}

/* Close the window: the average busyness of the workers that served in
 * it, in percent (-1: none did).  Logs each with --cheaper-busyness-verbose. */
static long
close_window(const weft_cheaper_tick_t *t)
{
    unsigned i, workers = 0;
    double   total = 0;

    for (i = 0; i < t->max; i++) {
        double pct;

        if (ticks[i] == 0)
            continue;
        pct = 100 * sum[i] / ticks[i];
        total += pct;
        workers++;
        if (weft_conf.busyness_verbose)
            weft_log(WEFT_LOG_INFO, "cheaper: busyness of worker %u over %ld s: %.0f%%", i + 1,
                     overload(), pct);
        sum[i] = 0;
        ticks[i] = 0;
    }
    if (workers == 0)
        return -1;
    if (weft_conf.busyness_verbose)
        weft_log(WEFT_LOG_INFO, "cheaper: average busyness of %u worker%s over %ld s: %.0f%%",
                 workers, workers == 1 ? "" : "s", overload(), total / workers);
    return (long) (total / workers + 0.5);
}

/* Contract: see cheaper_algo.h. */
int
weft_cheaper_busyness_decide(double now, const weft_cheaper_tick_t *t, unsigned *stop_id,
                             char *why, size_t len)
{
    unsigned i;
    long     avg, need;
    int      n;

    if (sum == NULL) {
        sum = calloc(t->max, sizeof(*sum));
        ticks = calloc(t->max, sizeof(*ticks));
        if (sum == NULL || ticks == NULL)
            return 0;
        window_start = now;
        multiplier = weft_conf.busyness_multiplier;
    }
    for (i = 0; i < t->max; i++) {
        if (t->load[i] >= 0) {
            sum[i] += t->load[i];
            ticks[i]++;
        }
    }
    if ((n = backlog(now, t, why, len)) > 0)
        return n;
    if (now - window_start < (double) overload())
        return 0;
    window_start = now;
    if ((avg = close_window(t)) < 0)
        return 0;

    if (avg > weft_conf.busyness_max) {
        idle_windows = 0;
        between = 0;
        if (t->running >= t->max || t->serving < t->running)
            return 0;
        if (last_stop > 0 && now - last_stop < (double) (multiplier * overload())) {
            multiplier += weft_conf.busyness_penalty;
            weft_log(WEFT_LOG_INFO, "cheaper: busyness: a worker is needed %.0f s after one was stopped: %ld idle windows are needed to stop one from now on (cheaper-busyness-penalty %ld)",
                     now - last_stop, multiplier, weft_conf.busyness_penalty);
        }
        snprintf(why, len, "busyness %ld%% over %ld s, above cheaper-busyness-max %ld%%", avg,
                 overload(), weft_conf.busyness_max);
        return room(t, weft_conf.cheaper_step > 0 ? weft_conf.cheaper_step : 1);
    }
    if (avg >= weft_conf.busyness_min) {
        if (idle_windows > 0) {
            if (++between >= 3)
                idle_windows = between = 0;
            else
                idle_windows--;
            if (weft_conf.busyness_verbose)
                weft_log(WEFT_LOG_INFO, "cheaper: busyness %ld%%: not an idle window, %ld idle window%s counted",
                         avg, idle_windows, idle_windows == 1 ? "" : "s");
        }
        return 0;
    }
    between = 0;
    if (t->running <= (unsigned) weft_conf.cheaper) {
        idle_windows = 0;
        return 0;
    }
    idle_windows++;
    need = emergency > 0 ? weft_conf.busyness_backlog_multiplier : multiplier;
    if (idle_windows < need || t->victim == 0) {
        if (weft_conf.busyness_verbose)
            weft_log(WEFT_LOG_INFO, "cheaper: busyness %ld%%: %ld more idle window%s (%ld s) before one of %u workers is stopped",
                     avg, need - idle_windows, need - idle_windows == 1 ? "" : "s",
                     (need - idle_windows) * overload(), t->running);
        return 0;
    }
    snprintf(why, len, "busyness %ld%% over %ld s, below cheaper-busyness-min %ld%% for %ld windows",
             avg, overload(), weft_conf.busyness_min, idle_windows);
    idle_windows = 0;
    last_stop = now;
    if (emergency > 0)
        emergency--;
    *stop_id = t->victim;
    return -1;
}
