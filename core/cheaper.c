/*
 * core/cheaper.c - adaptive process spawning (uWSGI's cheaper mode, the
 * `spare` algorithm): see cheaper.h.
 *
 * The master samples the scoreboard on each tick.  A worker that serves is
 * "busy" when every one of its cores has a request (it can take no more),
 * "idle" when none has.  Two clocks run, as uWSGI's two counters do:
 *   - overloaded since: every worker busy.  Once it has lasted
 *     --cheaper-overload seconds, start --cheaper-step workers (up to
 *     --processes) and start counting again;
 *   - spare since: more than one worker idle.  Once it has lasted
 *     --cheaper-overload seconds, stop one idle worker (never below
 *     --cheaper) and start counting again.
 * A clock stops at the first tick that does not hold its condition, so
 * "for N seconds" means without a break.  A tick with exactly one idle
 * worker runs neither (one idle worker is the spare capacity to keep).
 * The listen queue's depth is said in the log with each decision.
 * cheaper-algo = busyness hands the same samples to cheaper_busyness.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include "check_config.h"
#include "cheaper.h"
#include "cheaper_algo.h"
#include "conf.h"
#include "listen_queue.h"
#include "log.h"
#include "options.h"
#include "scoreboard.h"

static double      overloaded_since;  /* 0: not overloaded */
static double      spare_since;       /* 0: not more than one idle */

/* uWSGI's algorithms that weft does not run, and what to do instead. */
static const char *const refused[] = { "spare2", "backlog", "manual", NULL };

/* Contract: see cheaper.h. */
int
weft_cheaper_algo_opt(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    unsigned i;

    (void) opt;
    if (strcmp(value, "spare") == 0 || strcmp(value, "busyness") == 0) {
        weft_conf.cheaper_busyness = value[0] == 'b';
        return WEFT_OK;
    }
    for (i = 0; refused[i] != NULL; i++) {
        if (strcmp(value, refused[i]) == 0) {
            snprintf(err, errlen, "weft does not run uWSGI's '%s' algorithm: it runs spare (the default) and busyness: write cheaper-algo = spare, or leave it out",
                     value);
            return WEFT_ERROR;
        }
    }
    snprintf(err, errlen, "'%s' is not a cheaper algorithm: weft runs spare (the default) and busyness",
             value);
    return WEFT_ERROR;
}

int
weft_cheaper_on(void)
{
    return weft_conf.cheaper > 0;
}

/* Contract: see cheaper.h. */
int
weft_cheaper_check(char *err, size_t errlen)
{
    static int said;
    long       max = weft_conf.processes, min = weft_conf.cheaper;
    long       initial = weft_conf.cheaper_initial;

    if (min == 0) {
        const char *given = weft_conf.cheaper_initial > 0 ? "--cheaper-initial"
                          : weft_conf.cheaper_step > 0 ? "--cheaper-step"
                          : weft_conf.cheaper_overload > 0 ? "--cheaper-overload"
                          : weft_conf.cheaper_busyness ? "--cheaper-algo busyness"
                          : NULL;
        if (given != NULL) {
            snprintf(err, errlen, "%s needs --cheaper N (the fewest workers to keep): add cheaper = N, below --processes %ld",
                     given, max);
            return WEFT_ERROR;
        }
        return WEFT_OK;
    }
    if (min >= max) {
        snprintf(err, errlen, "--cheaper %ld must be lower than --processes %ld (the most workers cheaper may run): raise processes or lower cheaper",
                 min, max);
        return WEFT_ERROR;
    }
    if (initial != 0 && (initial < min || initial > max)) {
        snprintf(err, errlen, "--cheaper-initial %ld must be between --cheaper %ld and --processes %ld",
                 initial, min, max);
        return WEFT_ERROR;
    }
    if (weft_conf.cheaper_step > max - min)
        weft_log(WEFT_LOG_DEBUG, "--cheaper-step %ld: at most %ld workers are ever added",
                 weft_conf.cheaper_step, max - min);
    if (weft_conf.busyness_min >= weft_conf.busyness_max) {
        snprintf(err, errlen, "--cheaper-busyness-min %ld must be lower than --cheaper-busyness-max %ld (percent)",
                 weft_conf.busyness_min, weft_conf.busyness_max);
        return WEFT_ERROR;
    }
    if (!said && !weft_check_mode) {
        char desc[256];

        said = 1;
        if (weft_conf.cheaper_busyness) {
            weft_cheaper_busyness_describe(desc, sizeof(desc));
            weft_log(WEFT_LOG_INFO, "cheaper: busyness: %s", desc);
        }
    }
    return WEFT_OK;
}

unsigned
weft_cheaper_initial(unsigned max)
{
    if (!weft_cheaper_on())
        return max;
    return (unsigned) (weft_conf.cheaper_initial > 0 ? weft_conf.cheaper_initial
                                                     : weft_conf.cheaper);
}

/* The scoreboard slot of pid, or NULL. */
static weft_sb_worker_t *
slot_of(pid_t pid, unsigned *slot)
{
    unsigned i;

    for (i = 0; i < weft_scoreboard_slots(); i++) {
        if (weft_scoreboard_worker(i)->pid == pid) {
            *slot = i;
            return weft_scoreboard_worker(i);
        }
    }
    return NULL;
}

/* How many of the slot's cores have a request. */
static unsigned
busy_cores(unsigned slot)
{
    unsigned c, busy = 0;

    for (c = 0; c < weft_conf_cores(); c++)
        busy += weft_scoreboard_core(slot, c)->start > 0;
    return busy;
}

/* ", 5 waiting" from the listen queue, or nothing when it cannot be read. */
static void
waiting(long q, char *buf, size_t len)
{
    if (q >= 0)
        snprintf(buf, len, ", %ld waiting", q);
    else
        buf[0] = '\0';
}

/* spare: see the top of this file. */
static int
spare(double now, const weft_cheaper_tick_t *k, unsigned *stop_id, char *why, size_t len)
{
    long overload = weft_conf.cheaper_overload > 0 ? weft_conf.cheaper_overload : 3;
    long step = weft_conf.cheaper_step > 0 ? weft_conf.cheaper_step : 1;
    char q[48];

    if (!(k->serving > 0 && k->busy == k->running))
        overloaded_since = 0;
    if (k->idle <= 1)
        spare_since = 0;
    if (k->serving > 0 && k->busy == k->running) {
        if (overloaded_since == 0)
            overloaded_since = now;
        if (now - overloaded_since >= (double) overload && k->running < k->max) {
            unsigned room = k->max - k->running;

            waiting(k->queue, q, sizeof(q));
            snprintf(why, len, "all %u busy for %.0f s%s", k->running, now - overloaded_since, q);
            overloaded_since = now;
            return (int) ((unsigned) step < room ? (unsigned) step : room);
        }
    } else if (k->idle > 1) {
        if (spare_since == 0)
            spare_since = now;
        if (now - spare_since >= (double) overload
            && k->running > (unsigned) weft_conf.cheaper) {
            waiting(k->queue, q, sizeof(q));
            snprintf(why, len, "%u of %u idle for %.0f s%s", k->idle, k->running,
                     now - spare_since, q);
            spare_since = now;
            *stop_id = k->victim;
            return -1;
        }
    }
    return 0;
}

/* Contract: see cheaper.h. */
int
weft_cheaper_decide(double now, const pid_t *pids, unsigned n, unsigned *stop_id, char *why,
                    size_t len)
{
    static double      *load;
    weft_cheaper_tick_t k;
    unsigned            i;

    if (load == NULL && (load = calloc(n, sizeof(*load))) == NULL)
        return 0;
    memset(&k, 0, sizeof(k));
    k.max = n;
    k.load = load;
    for (i = 0; i < n; i++) {
        weft_sb_worker_t *sw;
        unsigned          slot, b;

        load[i] = -1;
        if (pids[i] < 0)
            continue;                   /* stopped by cheaper */
        k.running++;
        if (pids[i] == 0 || (sw = slot_of(pids[i], &slot)) == NULL || !sw->ready)
            continue;                   /* starting: neither busy nor idle */
        k.serving++;
        b = busy_cores(slot);
        load[i] = (double) b / weft_conf_cores();
        if (b == weft_conf_cores())
            k.busy++;
        else if (b == 0) {
            k.idle++;
            k.victim = i + 1;           /* the highest idle id */
        }
    }
    k.queue = weft_listen_queue_total();
    if (weft_conf.cheaper_busyness)
        return weft_cheaper_busyness_decide(now, &k, stop_id, why, len);
    return spare(now, &k, stop_id, why, len);
}
