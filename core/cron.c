/*
 * core/cron.c - uWSGI's cron in the master.
 *
 *   --cron "MIN HOUR DAY MONTH WEEKDAY COMMAND"
 *   --unique-cron "..."   the same, but never while its last run still goes
 *
 * Each field is a number, -1 for any value, or -N for every N (the value
 * is a multiple of N: -5 in the minutes is :00, :05, :10 ...).  Every field
 * must match (day and weekday included, as uWSGI does).  The time is local
 * time; a job runs at most once in a minute, at the master's first tick in
 * that minute.  Each run is logged with its pid, and its exit status when
 * it ends.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <weft/status.h>
#include "clock.h"
#include "conf.h"
#include "cron.h"
#include "log.h"
#include "options.h"
#include "shell.h"

typedef struct {
    int         field[5];    /* minute hour day month weekday: -1 any, <-1 every -N */
    const char *cmd;         /* points into spec */
    const char *spec;
    int         unique;
    long        last_minute; /* the minute it last ran in */
} job_t;

typedef struct {
    pid_t    pid;
    unsigned job;
    double   kill_at;
} run_t;

static job_t    *jobs;
static unsigned  njobs;
static run_t    *runs;
static unsigned  nruns;
static int       stopping;

static const int lo[5] = { 0, 0, 1, 1, 0 }, hi[5] = { 59, 23, 31, 12, 6 };
static const char *const field_names[5] = { "minute", "hour", "day", "month", "weekday" };

/* Parse value into j; returns WEFT_OK or writes err. */
static int
parse(const char *value, job_t *j, char *err, size_t errlen)
{
    const char *p = value;
    int         i;

    memset(j, 0, sizeof(*j));
    for (i = 0; i < 5; i++) {
        char *end;
        long  v;

        p += strspn(p, " \t");
        v = strtol(p, &end, 10);
        if (end == p || (*end != ' ' && *end != '\t')) {
            snprintf(err, errlen, "'%s': the %s is not a number, -1 (any) or -N (every N); the form is MINUTE HOUR DAY MONTH WEEKDAY COMMAND",
                     value, field_names[i]);
            return WEFT_ERROR;
        }
        if (v < -1 ? -v > hi[i] : v >= 0 && (v < lo[i] || v > hi[i])) {
            snprintf(err, errlen, "'%s': %s %ld is out of range (%d-%d, -1 or -N)", value,
                     field_names[i], v, lo[i], hi[i]);
            return WEFT_ERROR;
        }
        j->field[i] = (int) v;
        p = end;
    }
    p += strspn(p, " \t");
    if (*p == '\0') {
        snprintf(err, errlen, "'%s' has no command after the five time fields", value);
        return WEFT_ERROR;
    }
    j->cmd = p;
    j->spec = value;
    j->last_minute = -1;
    return WEFT_OK;
}

/* Contract: see cron.h. */
int
weft_cron_opt(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    job_t j;

    if (parse(value, &j, err, errlen) != WEFT_OK)
        return WEFT_ERROR;
    if (weft_strlist_append((weft_strlist_t *) opt->data, value) != WEFT_OK) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

/* Contract: see cron.h. */
const char *
weft_cron_need_master(void)
{
    if (weft_conf.cron.n > 0)
        return "--cron";
    if (weft_conf.unique_cron.n > 0)
        return "--unique-cron";
    return NULL;
}

/* Whether a field (-1 any, -N every N, else exact) matches value v. */
static int
field_matches(int f, int v)
{
    if (f == -1)
        return 1;
    if (f < -1)
        return v % -f == 0;
    return f == v;
}

/* Whether every field of j matches the local time tm. */
static int
matches(const job_t *j, const struct tm *tm)
{
    return field_matches(j->field[0], tm->tm_min) && field_matches(j->field[1], tm->tm_hour)
        && field_matches(j->field[2], tm->tm_mday) && field_matches(j->field[3], tm->tm_mon + 1)
        && field_matches(j->field[4], tm->tm_wday);
}

/* Add the job of one option value (already checked at parse time). */
static void
add_job(const char *spec, int unique)
{
    char   err[256];
    job_t  j, *nj;

    if (parse(spec, &j, err, sizeof(err)) != WEFT_OK)
        return;                        /* refused at parse time */
    if ((nj = realloc(jobs, (njobs + 1) * sizeof(*nj))) == NULL)
        return;
    jobs = nj;
    j.unique = unique;
    jobs[njobs++] = j;
}

/* Remember a run of job going as pid, to log its end. */
static void
add_run(pid_t pid, unsigned job)
{
    run_t *nr = realloc(runs, (nruns + 1) * sizeof(*nr));

    if (nr == NULL)
        return;                        /* it runs; its end is not logged */
    runs = nr;
    runs[nruns].pid = pid;
    runs[nruns].job = job;
    runs[nruns].kill_at = 0;
    nruns++;
}

/* The runs a reload handed over: "pid<TAB>unique<TAB>spec" lines. */
static void
adopt(void)
{
    const char *env = getenv("WEFT_CRON");
    char       *copy, *line, *save = NULL;

    if (env == NULL || (copy = strdup(env)) == NULL)
        return;
    unsetenv("WEFT_CRON");
    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        long     pid = atol(line);
        int      unique = 0, n = 0;
        unsigned i;

        if (sscanf(line, "%ld\t%d\t%n", &pid, &unique, &n) < 2 || n == 0 || pid <= 1)
            continue;
        for (i = 0; i < njobs; i++)
            if (jobs[i].unique == unique && strcmp(jobs[i].spec, line + n) == 0)
                break;
        if (i < njobs)
            add_run((pid_t) pid, i);
        /* A job no longer configured runs to its end unwatched. */
    }
    free(copy);
}

/* Contract: see cron.h. */
void
weft_cron_start(void)
{
    size_t i;

    for (i = 0; i < weft_conf.cron.n; i++)
        add_job(weft_conf.cron.v[i], 0);
    for (i = 0; i < weft_conf.unique_cron.n; i++)
        add_job(weft_conf.unique_cron.v[i], 1);
    adopt();
    if (njobs > 0)
        weft_log(WEFT_LOG_INFO, "cron: %u job%s", njobs, njobs == 1 ? "" : "s");
}

/* The pid of a run of job still going, or 0. */
static pid_t
running_run(unsigned job)
{
    unsigned i;

    for (i = 0; i < nruns; i++)
        if (runs[i].job == job)
            return runs[i].pid;
    return 0;
}

/* Contract: see cron.h. */
void
weft_cron_tick(double now)
{
    time_t    t = time(NULL);
    long      minute = (long) (t / 60);
    struct tm tm;
    unsigned  i;

    if (stopping) {
        for (i = 0; i < nruns; i++)
            if (runs[i].kill_at > 0 && now >= runs[i].kill_at) {
                weft_log(WEFT_LOG_WARN, "cron: \"%s\" (pid %ld) did not stop within --reload-mercy: killing it",
                         jobs[runs[i].job].cmd, (long) runs[i].pid);
                kill(-runs[i].pid, SIGKILL);
                kill(runs[i].pid, SIGKILL);
                runs[i].kill_at = 0;
            }
        return;
    }
    if (njobs == 0)
        return;
    localtime_r(&t, &tm);
    for (i = 0; i < njobs; i++) {
        job_t *j = &jobs[i];
        pid_t  pid;

        if (j->last_minute == minute || !matches(j, &tm))
            continue;
        j->last_minute = minute;
        if (j->unique && (pid = running_run(i)) > 0) {
            weft_log(WEFT_LOG_WARN, "unique-cron: \"%s\" is still running (pid %ld): not starting it again",
                     j->cmd, (long) pid);
            continue;
        }
        pid = weft_shell_start(j->cmd, NULL, WEFT_SHELL_GROUP | WEFT_SHELL_DIE_WITH);
        if (pid < 0)
            continue;
        add_run(pid, i);
        weft_log(WEFT_LOG_INFO, "%s: running \"%s\" (pid %ld)", j->unique ? "unique-cron" : "cron",
                 j->cmd, (long) pid);
    }
}

/* Contract: see cron.h. */
int
weft_cron_reaped(pid_t pid, int status)
{
    unsigned i;
    char     how[64];

    for (i = 0; i < nruns; i++) {
        if (runs[i].pid != pid)
            continue;
        weft_shell_describe(how, sizeof(how), status);
        weft_log(WEFT_LOG_INFO, "%s: \"%s\" (pid %ld) %s",
                 jobs[runs[i].job].unique ? "unique-cron" : "cron", jobs[runs[i].job].cmd,
                 (long) pid, how);
        runs[i] = runs[--nruns];
        return 1;
    }
    return 0;
}

/* Contract: see cron.h. */
void
weft_cron_stop(int graceful)
{
    unsigned i;
    double   deadline = weft_clock() + weft_conf.reload_mercy;

    if (stopping && graceful)
        return;
    stopping = 1;
    for (i = 0; i < nruns; i++) {
        int sig = graceful ? SIGTERM : SIGKILL;

        weft_log(WEFT_LOG_INFO, "cron: stopping \"%s\" (pid %ld)", jobs[runs[i].job].cmd,
                 (long) runs[i].pid);
        kill(-runs[i].pid, sig);
        kill(runs[i].pid, sig);
        runs[i].kill_at = graceful ? deadline : 0;
    }
}

/* Contract: see cron.h. */
unsigned
weft_cron_alive(void)
{
    return nruns;
}

/* Contract: see cron.h. */
void
weft_cron_handover(void)
{
    size_t   len = 1;
    unsigned i;
    char    *env, *p;

    for (i = 0; i < nruns; i++)
        len += strlen(jobs[runs[i].job].spec) + 32;
    if ((env = malloc(len)) == NULL)
        return;
    p = env;
    *p = '\0';
    for (i = 0; i < nruns; i++)
        p += sprintf(p, "%ld\t%d\t%s\n", (long) runs[i].pid, jobs[runs[i].job].unique,
                     jobs[runs[i].job].spec);
    setenv("WEFT_CRON", env, 1);
    free(env);
}
