/*
 * core/daemons.h - processes the master runs beside the workers
 * (--attach-daemon, --smart-attach-daemon, --attach-daemon2).
 */
#ifndef WEFT_CORE_DAEMONS_H
#define WEFT_CORE_DAEMONS_H

#include <stddef.h>
#include <sys/types.h>
#include <weft/option.h>

/* Option callbacks: check the value, then append it to opt->data. */
int weft_daemons_opt(const weft_option_t *opt, const char *value, char *err, size_t errlen);

/* The option that needs a master, or NULL when no daemon is configured. */
const char *weft_daemons_need_master(void);

/* In the master, once the workers are started: adopt the daemons a
 * reload handed over, start the others. */
void weft_daemons_start(void);

/* Every master tick: restart the ones due, follow pidfiles, SIGKILL the
 * ones that outlived their stop deadline. */
void weft_daemons_tick(double now);

/* A child was reaped: 1 when it was one of ours. */
int weft_daemons_reaped(pid_t pid, int status);

/* Shutdown: graceful sends each its stop signal (SIGKILL after
 * --reload-mercy), else SIGKILL now. */
void weft_daemons_stop(int graceful);

/* How many of our children are still running (shutdown waits for them). */
unsigned weft_daemons_alive(void);

/* Before the master re-executes itself: hand the running daemons over. */
void weft_daemons_handover(void);

#endif
