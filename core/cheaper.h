/*
 * core/cheaper.h - uWSGI's "cheaper" mode: the master runs between
 * --cheaper and --processes workers and follows the load (cheaper.c).
 *
 * The algorithm is uWSGI's `spare` (the default): when every worker has been
 * busy for --cheaper-overload seconds, start --cheaper-step more; when more
 * than one worker has been idle for --cheaper-overload seconds, stop one
 * (gracefully), never going below --cheaper.  Or uWSGI's `busyness`
 * (cheaper_busyness.c): the workers' average busyness over each
 * --cheaper-overload window, against --cheaper-busyness-max and -min, and
 * the listen queue for emergencies.  The other uWSGI algorithms are refused.
 *
 * The master calls in at three points: how many workers to start, what to
 * do on each tick, and (for the checks) once the options are
 * read.  Everything else -- forking, draining, the worker ids -- stays in
 * master.c.
 */
#ifndef WEFT_CORE_CHEAPER_H
#define WEFT_CORE_CHEAPER_H

#include <stddef.h>
#include <sys/types.h>
#include <weft/option.h>

/* Option callback: --cheaper-algo NAME (spare or busyness; any other is
 * refused, saying what weft runs). */
int weft_cheaper_algo_opt(const weft_option_t *opt, const char *value, char *err,
                          size_t errlen);

/*
 * Once every option is read (at start-up, and by --check-config): check the
 * cheaper options together -- --cheaper below --processes, --cheaper-initial
 * between them, no cheaper-* option without --cheaper, busyness's min below
 * its max -- and, at start-up, log the busyness settings once.  WEFT_ERROR
 * with a message in err that says what to change.
 */
int weft_cheaper_check(char *err, size_t errlen);

/* Whether cheaper mode is on (--cheaper N, N > 0). */
int weft_cheaper_on(void);

/* How many workers the master starts: --cheaper-initial (default
 * --cheaper) in cheaper mode, else `max` (all of --processes). */
unsigned weft_cheaper_initial(unsigned max);

/*
 * Every master tick, in cheaper mode: look at the scoreboard (and the
 * listen queue) and decide.  pids[i] describes worker id i + 1: its pid
 * while it runs, 0 while it is being (re)started, -1 while cheaper has it
 * stopped.  Returns how many stopped ids to start (> 0), or -1 to stop
 * worker *stop_id (one that is idle), or 0.  why gets the reason, for the
 * log ("all 2 busy for 1 s, 5 waiting").
 */
int weft_cheaper_decide(double now, const pid_t *pids, unsigned n, unsigned *stop_id,
                        char *why, size_t len);

#endif
