/*
 * core/daemons.c - processes the master runs beside the workers.
 *
 *   --attach-daemon CMD            run CMD, restart it when it exits
 *   --smart-attach-daemon FILE CMD the daemon's pid is in FILE: CMD is run
 *                                  only when FILE names no live process
 *   --attach-daemon2 cmd=CMD[,pidfile=FILE][,daemonize=1][,stopsignal=N][,chdir=DIR]
 *
 * They start once the workers are started.  One that exits is restarted:
 * at once when it ran 10 s or more, else with the workers' back-off (1 s,
 * 2, 4 ... 30).  A graceful reload hands them to the new image (same pid:
 * they stay our children), so they keep running.  At shutdown each gets its
 * stop signal (SIGTERM) and SIGKILL after --reload-mercy; a smart daemon
 * (one whose pidfile it writes itself) is left running, as uWSGI does.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <weft/status.h>
#include "backoff.h"
#include "clock.h"
#include "conf.h"
#include "daemons.h"
#include "log.h"
#include "options.h"
#include "shell.h"

#define QUICK_DEATH_SECONDS 10.0

typedef struct {
    const char *spec;        /* the option as given: who it is across reloads */
    char       *cmd;
    char       *pidfile;     /* follow this pidfile */
    char       *chdir_to;
    int         managed;     /* attach-daemon2 daemonize=1: we write the pidfile */
    int         stop_signal;
    pid_t       pid;         /* our child, 0: none */
    pid_t       followed;    /* the live pid from the pidfile */
    double      started;
    double      respawn_at;  /* 0: now */
    unsigned    failures;
    double      kill_at;     /* stopping: SIGKILL after this, 0: not stopping */
    int         left;        /* shutdown leaves it running: not waited for */
} daemon_t;

static daemon_t *daemons;
static unsigned  ndaemons;
static int       stopping;

/* ------------------------------------------------------------ parsing */

/* A signal number a daemon may be stopped with (not KILL or STOP). */
static int
parse_signal(const char *s, int *out)
{
    char *end;
    long  n = strtol(s, &end, 10);

    if (end == s || *end != '\0' || n < 1 || n >= NSIG || n == SIGKILL || n == SIGSTOP)
        return WEFT_ERROR;
    *out = (int) n;
    return WEFT_OK;
}

/* Parse one option value of option `kind` into d (its strings are
 * allocated: forget() frees them, on error too). */
static int
parse(const char *kind, const char *value, daemon_t *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof(*d));
    d->stop_signal = SIGTERM;
    if (strcmp(kind, "attach-daemon") == 0) {
        d->cmd = strdup(value);
    } else if (strcmp(kind, "smart-attach-daemon") == 0) {
        const char *sp = strpbrk(value, " \t");
        if (sp == NULL || sp == value || sp[strspn(sp, " \t")] == '\0') {
            snprintf(err, errlen, "'%s' is not PIDFILE COMMAND", value);
            return WEFT_ERROR;
        }
        d->pidfile = strndup(value, (size_t) (sp - value));
        d->cmd = strdup(sp + strspn(sp, " \t"));
    } else {
        char *copy = strdup(value), *item, *save = NULL;
        int   rc = WEFT_OK;

        if (copy == NULL)
            goto oom;
        for (item = strtok_r(copy, ",", &save); item && rc == WEFT_OK;
             item = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(item, '=');
            int   on;

            if (eq == NULL) {
                snprintf(err, errlen, "'%s' is not key=value", item);
                rc = WEFT_ERROR;
                break;
            }
            *eq++ = '\0';
            if (strcmp(item, "cmd") == 0 || strcmp(item, "command") == 0
                || strcmp(item, "exec") == 0) {
                free(d->cmd);
                d->cmd = strdup(eq);
            } else if (strcmp(item, "pidfile") == 0) {
                free(d->pidfile);
                d->pidfile = strdup(eq);
            } else if (strcmp(item, "chdir") == 0) {
                free(d->chdir_to);
                d->chdir_to = strdup(eq);
            } else if (strcmp(item, "daemonize") == 0 || strcmp(item, "daemon") == 0) {
                if (weft_parse_bool(eq, &on) != WEFT_OK) {
                    snprintf(err, errlen, "daemonize=%s is not a boolean", eq);
                    rc = WEFT_ERROR;
                }
                d->managed = on;
            } else if (strcmp(item, "stopsignal") == 0 || strcmp(item, "stop_signal") == 0) {
                if (parse_signal(eq, &d->stop_signal) != WEFT_OK) {
                    snprintf(err, errlen, "stopsignal=%s is not a signal number (1-%d, not 9 or 19)",
                             eq, NSIG - 1);
                    rc = WEFT_ERROR;
                }
            } else {
                snprintf(err, errlen, "unknown key '%s' (weft knows cmd, pidfile, daemonize, stopsignal, chdir)",
                         item);
                rc = WEFT_ERROR;
            }
        }
        free(copy);
        if (rc != WEFT_OK)
            return WEFT_ERROR;
        if (d->cmd == NULL) {
            snprintf(err, errlen, "'%s' has no cmd=COMMAND", value);
            return WEFT_ERROR;
        }
        if (d->managed && d->pidfile == NULL) {
            snprintf(err, errlen, "daemonize=1 needs pidfile=FILE");
            return WEFT_ERROR;
        }
    }
    if (d->cmd == NULL)
        goto oom;
    if (d->cmd[0] == '\0') {
        snprintf(err, errlen, "the command is empty");
        return WEFT_ERROR;
    }
    return WEFT_OK;
oom:
    snprintf(err, errlen, "out of memory");
    return WEFT_ERROR;
}

/* Free what parse() allocated. */
static void
forget(daemon_t *d)
{
    free(d->cmd);
    free(d->pidfile);
    free(d->chdir_to);
}

/* Contract: see daemons.h. */
int
weft_daemons_opt(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    daemon_t d;
    int      rc = parse(opt->name, value, &d, err, errlen);

    forget(&d);
    if (rc != WEFT_OK)
        return rc;
    if (weft_strlist_append((weft_strlist_t *) opt->data, value) != WEFT_OK) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

/* Contract: see daemons.h. */
const char *
weft_daemons_need_master(void)
{
    if (weft_conf.attach_daemon.n > 0)
        return "--attach-daemon";
    if (weft_conf.smart_attach_daemon.n > 0)
        return "--smart-attach-daemon";
    if (weft_conf.attach_daemon2.n > 0)
        return "--attach-daemon2";
    return NULL;
}

/* ------------------------------------------------------------ running */

/* The live pid FILE names, or 0. */
static pid_t
pidfile_pid(const char *file)
{
    FILE *f = fopen(file, "r");
    long  pid = 0;

    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid <= 1 || (kill((pid_t) pid, 0) != 0 && errno != EPERM))
        return 0;
    return (pid_t) pid;
}

/* attach-daemon2 daemonize=1: the master writes the daemon's pidfile. */
static void
write_pidfile(const daemon_t *d)
{
    FILE *f = fopen(d->pidfile, "w");

    if (f == NULL || fprintf(f, "%ld\n", (long) d->pid) < 0 || fclose(f) != 0)
        weft_log(WEFT_LOG_WARN, "daemon \"%s\": cannot write %s: %m", d->cmd, d->pidfile);
}

/* Run the daemon's command now (on failure, again in 1 s). */
static void
start(daemon_t *d)
{
    int   flags = d->managed ? WEFT_SHELL_SESSION : WEFT_SHELL_GROUP;
    pid_t pid;

    if (d->pidfile == NULL || d->managed)
        flags |= WEFT_SHELL_DIE_WITH;
    pid = weft_shell_start(d->cmd, d->chdir_to, flags);
    if (pid < 0) {
        d->respawn_at = weft_clock() + 1;
        return;
    }
    d->pid = pid;
    d->started = weft_clock();
    d->respawn_at = 0;
    if (d->managed) {
        write_pidfile(d);
        d->followed = pid;
    }
    weft_log(WEFT_LOG_INFO, "daemon \"%s\" started (pid %ld)", d->cmd, (long) pid);
}

/* Whether the daemon is running: our child, or the pid in its pidfile. */
static int
running(daemon_t *d)
{
    if (d->pidfile != NULL && !d->managed) {
        pid_t p = pidfile_pid(d->pidfile);
        if (p > 0 && p != d->followed)
            weft_log(WEFT_LOG_INFO, "daemon \"%s\" runs as pid %ld (from %s)", d->cmd,
                     (long) p, d->pidfile);
        else if (p == 0 && d->followed > 0 && d->pid == 0)
            weft_log(WEFT_LOG_WARN, "daemon \"%s\" (pid %ld from %s) is gone: starting it again",
                     d->cmd, (long) d->followed, d->pidfile);
        d->followed = p;
        if (p > 0)
            return 1;
    }
    return d->pid > 0;
}

/* Add the daemon of one option value (already checked at parse time). */
static void
add(const char *kind, const char *spec)
{
    char      err[256];
    daemon_t  d, *nd;

    if (parse(kind, spec, &d, err, sizeof(err)) != WEFT_OK) {
        weft_log(WEFT_LOG_ERROR, "--%s %s: %s", kind, spec, err);   /* checked at parse time */
        forget(&d);
        return;
    }
    nd = realloc(daemons, (ndaemons + 1) * sizeof(*nd));
    if (nd == NULL) {
        forget(&d);
        return;
    }
    daemons = nd;
    d.spec = spec;
    daemons[ndaemons++] = d;
}

/* The daemons a reload handed over: "pid<TAB>spec" lines. */
static void
adopt(void)
{
    const char *env = getenv("WEFT_DAEMONS");
    char       *copy, *line, *save = NULL;

    if (env == NULL || (copy = strdup(env)) == NULL)
        return;
    unsetenv("WEFT_DAEMONS");
    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char    *tab = strchr(line, '\t');
        long     pid = atol(line);
        unsigned i;

        if (tab == NULL || pid <= 1)
            continue;
        tab++;
        for (i = 0; i < ndaemons; i++) {
            if (daemons[i].pid == 0 && strcmp(daemons[i].spec, tab) == 0) {
                daemons[i].pid = (pid_t) pid;
                daemons[i].started = weft_clock();
                if (daemons[i].managed)
                    daemons[i].followed = (pid_t) pid;
                weft_log(WEFT_LOG_INFO, "daemon \"%s\" (pid %ld) kept across the reload",
                         daemons[i].cmd, pid);
                break;
            }
        }
        if (i == ndaemons) {
            weft_log(WEFT_LOG_INFO, "daemon pid %ld is no longer configured: stopping it", pid);
            kill(-(pid_t) pid, SIGTERM);
            kill((pid_t) pid, SIGTERM);
        }
    }
    free(copy);
}

/* Contract: see daemons.h. */
void
weft_daemons_start(void)
{
    size_t   i;
    unsigned k;

    for (i = 0; i < weft_conf.attach_daemon.n; i++)
        add("attach-daemon", weft_conf.attach_daemon.v[i]);
    for (i = 0; i < weft_conf.smart_attach_daemon.n; i++)
        add("smart-attach-daemon", weft_conf.smart_attach_daemon.v[i]);
    for (i = 0; i < weft_conf.attach_daemon2.n; i++)
        add("attach-daemon2", weft_conf.attach_daemon2.v[i]);
    adopt();
    for (k = 0; k < ndaemons; k++)
        if (!running(&daemons[k]))
            start(&daemons[k]);
}

/* Contract: see daemons.h. */
int
weft_daemons_reaped(pid_t pid, int status)
{
    unsigned i;
    char     how[64];

    for (i = 0; i < ndaemons; i++) {
        daemon_t *d = &daemons[i];
        double    lived;

        if (d->pid != pid)
            continue;
        d->pid = 0;
        weft_shell_describe(how, sizeof(how), status);
        if (stopping) {
            weft_log(WEFT_LOG_INFO, "daemon \"%s\" (pid %ld) %s", d->cmd, (long) pid, how);
            d->kill_at = 0;
            return 1;
        }
        if (d->pidfile != NULL && !d->managed && pidfile_pid(d->pidfile) > 0) {
            /* It went to the background: the pidfile follows it now. */
            weft_log(WEFT_LOG_INFO, "daemon \"%s\" (pid %ld) %s; it runs as pid %ld (from %s)",
                     d->cmd, (long) pid, how, (long) pidfile_pid(d->pidfile), d->pidfile);
            d->failures = 0;
            running(d);
            return 1;
        }
        lived = weft_clock() - d->started;
        if (lived < QUICK_DEATH_SECONDS) {
            double delay = weft_backoff_delay(++d->failures);
            weft_log(WEFT_LOG_WARN, "daemon \"%s\" (pid %ld) %s %.1f s after starting (%u time%s in a row): restarting it in %.0f s",
                     d->cmd, (long) pid, how, lived, d->failures, d->failures == 1 ? "" : "s",
                     delay);
            d->respawn_at = weft_clock() + delay;
        } else {
            d->failures = 0;
            weft_log(WEFT_LOG_WARN, "daemon \"%s\" (pid %ld) %s: restarting it", d->cmd,
                     (long) pid, how);
            d->respawn_at = 0;
            start(d);
        }
        return 1;
    }
    return 0;
}

/* Send sig to the daemon: its process group (or session) and itself. */
static void
signal_daemon(const daemon_t *d, int sig)
{
    pid_t target = d->pid > 0 ? d->pid : d->followed;

    if (target <= 0)
        return;
    if (d->managed || d->pid > 0) {
        kill(-target, sig);       /* its process group (or session) */
    }
    kill(target, sig);
}

/* Contract: see daemons.h. */
void
weft_daemons_tick(double now)
{
    unsigned i;

    for (i = 0; i < ndaemons; i++) {
        daemon_t *d = &daemons[i];

        if (stopping) {
            if (d->kill_at > 0 && now >= d->kill_at) {
                weft_log(WEFT_LOG_WARN, "daemon \"%s\" (pid %ld) did not stop within --reload-mercy: killing it",
                         d->cmd, (long) (d->pid ? d->pid : d->followed));
                signal_daemon(d, SIGKILL);
                d->kill_at = 0;
                if (d->pid == 0)
                    d->followed = 0;
            }
            if (d->pid == 0 && d->followed > 0 && pidfile_pid(d->pidfile) == 0) {
                d->followed = 0;
                d->kill_at = 0;
            }
            continue;
        }
        /* running() also follows the pidfile of one still our child */
        if (!running(d) && d->pid == 0 && now >= d->respawn_at)
            start(d);
    }
}

/* Contract: see daemons.h. */
void
weft_daemons_stop(int graceful)
{
    unsigned i;
    double   deadline = weft_clock() + weft_conf.reload_mercy;

    if (stopping && graceful)
        return;
    stopping = 1;
    for (i = 0; i < ndaemons; i++) {
        daemon_t *d = &daemons[i];

        if (d->pidfile != NULL && !d->managed) {
            if (d->followed > 0)
                weft_log(WEFT_LOG_INFO, "daemon \"%s\" (pid %ld from %s) is left running",
                         d->cmd, (long) d->followed, d->pidfile);
            else if (d->pid > 0)
                weft_log(WEFT_LOG_INFO, "daemon \"%s\" (pid %ld) is left running",
                         d->cmd, (long) d->pid);
            d->followed = 0;
            d->left = 1;
            continue;                 /* the pidfile's owner manages itself */
        }
        if (d->pid <= 0)
            continue;
        weft_log(WEFT_LOG_INFO, "stopping daemon \"%s\" (pid %ld) with SIG%s", d->cmd,
                 (long) d->pid, !graceful ? "KILL"
                 : sigabbrev_np(d->stop_signal) ? sigabbrev_np(d->stop_signal) : "?");
        signal_daemon(d, graceful ? d->stop_signal : SIGKILL);
        d->kill_at = graceful ? deadline : 0;
    }
}

/* Contract: see daemons.h. */
unsigned
weft_daemons_alive(void)
{
    unsigned i, n = 0;

    for (i = 0; i < ndaemons; i++)
        n += !daemons[i].left && (daemons[i].pid > 0 || (stopping && daemons[i].followed > 0));
    return n;
}

/* Contract: see daemons.h. */
void
weft_daemons_handover(void)
{
    size_t   len = 1;
    unsigned i;
    char    *env, *p;

    for (i = 0; i < ndaemons; i++)
        if (daemons[i].pid > 0)
            len += strlen(daemons[i].spec) + 24;
    if ((env = malloc(len)) == NULL)
        return;
    p = env;
    *p = '\0';
    for (i = 0; i < ndaemons; i++)
        if (daemons[i].pid > 0)
            p += sprintf(p, "%ld\t%s\n", (long) daemons[i].pid, daemons[i].spec);
    setenv("WEFT_DAEMONS", env, 1);
    free(env);
}
