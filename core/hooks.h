/*
 * core/hooks.h - uWSGI's hooks: actions run at fixed points of start-up
 * (--hook-as-root, --hook-as-user, --hook-pre-app, --hook-post-app,
 * --hook-master-start, --hook-accepting).
 */
#ifndef WEFT_CORE_HOOKS_H
#define WEFT_CORE_HOOKS_H

#include <signal.h>
#include <stddef.h>
#include <weft/option.h>

typedef enum {
    WEFT_HOOK_AS_ROOT,       /* before privileges are dropped */
    WEFT_HOOK_AS_USER,       /* after they are dropped */
    WEFT_HOOK_PRE_APP,       /* before the apps load */
    WEFT_HOOK_POST_APP,      /* after they load */
    WEFT_HOOK_MASTER_START,  /* in the master, before it starts the workers */
    WEFT_HOOK_ACCEPTING,     /* in each worker, before it accepts */
    WEFT_HOOK_PHASES
} weft_hook_phase_t;

/* What a master signal does once unix_signal: has remapped it. */
#define WEFT_HOOK_BRUTAL_RELOAD (-2)

/* Option callback: check "action:args", append it to opt->data. */
int weft_hooks_opt(const weft_option_t *opt, const char *value, char *err, size_t errlen);

/* Option callback of --exec-PHASE CMD: the same as --hook-PHASE exec:CMD. */
int weft_hooks_exec_opt(const weft_option_t *opt, const char *value, char *err, size_t errlen);

/* The option that needs a master (--hook-master-start, a unix_signal:
 * action), or NULL. */
const char *weft_hooks_need_master(void);

/* Run the actions of a phase in order; WEFT_ERROR (logged) when one fails:
 * start-up stops. */
int weft_hooks_run(weft_hook_phase_t phase);

/* The master: add the signals unix_signal: actions remapped to its set. */
void weft_hooks_signals(sigset_t *set);

/*
 * The master got sig: the signal whose behaviour it has instead (SIGTERM:
 * graceful shutdown, SIGQUIT: immediate stop, SIGHUP: graceful reload) or
 * WEFT_HOOK_BRUTAL_RELOAD, as unix_signal: said; sig itself when no action
 * remapped it.
 */
int weft_hooks_signal_action(int sig);

#endif
