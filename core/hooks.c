/*
 * core/hooks.c - uWSGI's hooks.  Each --hook-PHASE value is ACTION:ARGS:
 *
 *   exec:CMD                 run CMD with /bin/sh; a non-zero exit stops start-up
 *   print:TEXT               log TEXT
 *   chdir:DIR                change the current directory
 *   mkdir:DIR                create DIR (one that exists is fine)
 *   putenv:VAR=VALUE         set an environment variable
 *   unix_signal:N ACTION     the master does ACTION on signal N:
 *                            gracefully_kill_them_all, kill_them_all, reload
 *                            or brutal_reload
 *
 * --exec-PHASE CMD is short for --hook-PHASE exec:CMD.  Any other action
 * is refused when the option is read, naming it.  The
 * phases run at every start of the image, a graceful reload's included.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <weft/status.h>
#include "conf.h"
#include "hooks.h"
#include "log.h"
#include "options.h"
#include "shell.h"

static const char *const phase_names[WEFT_HOOK_PHASES] = {
    "hook-as-root", "hook-as-user", "hook-pre-app", "hook-post-app",
    "hook-master-start", "hook-accepting",
};

static const struct {
    const char *name;
    int         acts_as;
} signal_actions[] = {
    { "gracefully_kill_them_all", SIGTERM },
    { "kill_them_all",            SIGQUIT },
    { "reload",                   SIGHUP },
    { "brutal_reload",            WEFT_HOOK_BRUTAL_RELOAD },
};

static int remapped[NSIG];        /* 0: not remapped */

/* The option values of a phase. */
static weft_strlist_t *
phase_list(weft_hook_phase_t phase)
{
    switch (phase) {
    case WEFT_HOOK_AS_ROOT:      return &weft_conf.hook_as_root;
    case WEFT_HOOK_AS_USER:      return &weft_conf.hook_as_user;
    case WEFT_HOOK_PRE_APP:      return &weft_conf.hook_pre_app;
    case WEFT_HOOK_POST_APP:     return &weft_conf.hook_post_app;
    case WEFT_HOOK_MASTER_START: return &weft_conf.hook_master_start;
    default:                     return &weft_conf.hook_accepting;
    }
}

/* unix_signal:N ACTION -> the signal and what it acts as. */
static int
parse_unix_signal(const char *args, int *sig, int *acts_as, char *err, size_t errlen)
{
    char    *end;
    long     n = strtol(args, &end, 10);
    unsigned i;

    if (end == args || (*end != ' ' && *end != '\t') || n < 1 || n >= NSIG || n == SIGKILL
        || n == SIGSTOP || n == SIGCHLD || n == SIGUSR2) {
        snprintf(err, errlen, "unix_signal:%s: give a signal number (not 9, 17, 19, or 12, which the workers use) and an action",
                 args);
        return WEFT_ERROR;
    }
    end += strspn(end, " \t");
    for (i = 0; i < sizeof(signal_actions) / sizeof(signal_actions[0]); i++) {
        if (strcmp(end, signal_actions[i].name) == 0) {
            *sig = (int) n;
            *acts_as = signal_actions[i].acts_as;
            return WEFT_OK;
        }
    }
    snprintf(err, errlen, "unix_signal: action '%s' is not one of gracefully_kill_them_all, kill_them_all, reload, brutal_reload",
             end);
    return WEFT_ERROR;
}

/* Check one value: the action is known and its arguments fit. */
static int
check(const char *opt_name, const char *value, char *err, size_t errlen)
{
    const char *colon = strchr(value, ':');
    size_t      n = colon ? (size_t) (colon - value) : strlen(value);
    static const char *const known[] = { "exec", "print", "chdir", "mkdir", "putenv",
                                         "unix_signal" };
    unsigned    i;

    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (colon != NULL && strlen(known[i]) == n && strncmp(value, known[i], n) == 0)
            break;
    if (i == sizeof(known) / sizeof(known[0])) {
        snprintf(err, errlen, "unsupported hook action '%.*s' (weft runs exec:, print:, chdir:, mkdir:, putenv: and unix_signal:)",
                 (int) n, value);
        return WEFT_ERROR;
    }
    if (strcmp(known[i], "putenv") == 0 && strchr(colon + 1, '=') == NULL) {
        snprintf(err, errlen, "putenv:%s is not VAR=VALUE", colon + 1);
        return WEFT_ERROR;
    }
    if (strcmp(known[i], "print") != 0 && colon[1] == '\0') {
        snprintf(err, errlen, "%s: needs an argument", known[i]);
        return WEFT_ERROR;
    }
    if (strcmp(known[i], "unix_signal") == 0) {
        int sig, acts;
        if (strcmp(opt_name, "hook-accepting") == 0) {
            snprintf(err, errlen, "unix_signal: remaps a signal of the master: use it in hook-master-start");
            return WEFT_ERROR;
        }
        return parse_unix_signal(colon + 1, &sig, &acts, err, errlen);
    }
    return WEFT_OK;
}

/* Contract: see hooks.h. */
int
weft_hooks_opt(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    if (check(opt->name, value, err, errlen) != WEFT_OK)
        return WEFT_ERROR;
    if (weft_strlist_append((weft_strlist_t *) opt->data, value) != WEFT_OK) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

/* Contract: see hooks.h. */
int
weft_hooks_exec_opt(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    size_t n = strlen(value) + 6;
    char  *action = malloc(n);
    int    rc;

    if (action == NULL) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    snprintf(action, n, "exec:%s", value);
    rc = check(opt->name, action, err, errlen);
    if (rc == WEFT_OK && weft_strlist_append((weft_strlist_t *) opt->data, action) != WEFT_OK) {
        snprintf(err, errlen, "out of memory");
        rc = WEFT_ERROR;
    }
    free(action);
    return rc;
}

/* Contract: see hooks.h. */
const char *
weft_hooks_need_master(void)
{
    int    p;
    size_t i;

    if (weft_conf.hook_master_start.n > 0)
        return "--hook-master-start";
    for (p = 0; p < WEFT_HOOK_PHASES; p++) {
        weft_strlist_t *l = phase_list((weft_hook_phase_t) p);
        for (i = 0; i < l->n; i++)
            if (strncmp(l->v[i], "unix_signal:", 12) == 0)
                return "unix_signal:";
    }
    return NULL;
}

/* Run one checked action of a phase; WEFT_ERROR (logged) when it failed. */
static int
run_one(const char *phase, const char *value)
{
    const char *colon = strchr(value, ':');
    const char *arg = colon + 1;
    char        how[64];

    weft_log(WEFT_LOG_INFO, "%s: %s", phase, value);
    if (strncmp(value, "exec:", 5) == 0) {
        int status = weft_shell_run(arg);
        if (status == 0)
            return WEFT_OK;
        if (status < 0) {
            weft_log(WEFT_LOG_ERROR, "%s: exec:%s could not be started", phase, arg);
            return WEFT_ERROR;
        }
        weft_shell_describe(how, sizeof(how), status);
        weft_log(WEFT_LOG_ERROR, "%s: exec:%s %s: stopping", phase, arg, how);
        return WEFT_ERROR;
    }
    if (strncmp(value, "print:", 6) == 0) {
        weft_log(WEFT_LOG_INFO, "%s", arg);
        return WEFT_OK;
    }
    if (strncmp(value, "chdir:", 6) == 0) {
        if (chdir(arg) == 0)
            return WEFT_OK;
        weft_log(WEFT_LOG_ERROR, "%s: chdir:%s: %m", phase, arg);
        return WEFT_ERROR;
    }
    if (strncmp(value, "mkdir:", 6) == 0) {
        if (mkdir(arg, 0777) == 0 || errno == EEXIST)
            return WEFT_OK;
        weft_log(WEFT_LOG_ERROR, "%s: mkdir:%s: %m", phase, arg);
        return WEFT_ERROR;
    }
    if (strncmp(value, "putenv:", 7) == 0) {
        /* The option's value lives as long as the process. */
        if (putenv((char *) arg) == 0)
            return WEFT_OK;
        weft_log(WEFT_LOG_ERROR, "%s: putenv:%s: %m", phase, arg);
        return WEFT_ERROR;
    }
    if (strncmp(value, "unix_signal:", 12) == 0) {
        char err[256];
        int  sig, acts;
        if (parse_unix_signal(arg, &sig, &acts, err, sizeof(err)) != WEFT_OK) {
            weft_log(WEFT_LOG_ERROR, "%s: %s", phase, err);
            return WEFT_ERROR;
        }
        remapped[sig] = acts;
        return WEFT_OK;
    }
    weft_log(WEFT_LOG_ERROR, "%s: unsupported action %s", phase, value);
    return WEFT_ERROR;
}

/* Contract: see hooks.h. */
int
weft_hooks_run(weft_hook_phase_t phase)
{
    weft_strlist_t *l = phase_list(phase);
    const char     *name = (unsigned) phase < WEFT_HOOK_PHASES ? phase_names[phase] : "hook";
    size_t          i;

    for (i = 0; i < l->n; i++)
        if (run_one(name, l->v[i]) != WEFT_OK)
            return WEFT_ERROR;
    return WEFT_OK;
}

/* Contract: see hooks.h. */
void
weft_hooks_signals(sigset_t *set)
{
    int sig;

    for (sig = 1; sig < NSIG; sig++)
        if (remapped[sig] != 0)
            sigaddset(set, sig);
}

/* Contract: see hooks.h. */
int
weft_hooks_signal_action(int sig)
{
    if (sig > 0 && sig < NSIG && remapped[sig] != 0)
        return remapped[sig];
    return sig;
}
