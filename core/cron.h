/*
 * core/cron.h - commands the master runs at their time (--cron,
 * --unique-cron).
 */
#ifndef WEFT_CORE_CRON_H
#define WEFT_CORE_CRON_H

#include <stddef.h>
#include <sys/types.h>
#include <weft/option.h>

/* Option callback: check "MIN HOUR DAY MONTH WEEKDAY COMMAND", append it
 * to opt->data. */
int weft_cron_opt(const weft_option_t *opt, const char *value, char *err, size_t errlen);

/* The option that needs a master, or NULL when no job is configured. */
const char *weft_cron_need_master(void);

/* In the master: read the jobs (and the runs a reload handed over). */
void weft_cron_start(void);

/* Every master tick: start the jobs whose minute has come; SIGKILL the
 * runs that outlived the stop deadline. */
void weft_cron_tick(double now);

/* A child was reaped: 1 when it was a run of ours (its status is logged). */
int weft_cron_reaped(pid_t pid, int status);

/* Shutdown: stop the runs still going (SIGTERM, SIGKILL after
 * --reload-mercy; SIGKILL now when not graceful). */
void weft_cron_stop(int graceful);

/* Runs still going. */
unsigned weft_cron_alive(void);

/* Before the master re-executes itself: hand the runs still going over. */
void weft_cron_handover(void);

#endif
