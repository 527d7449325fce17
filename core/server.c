/*
 * core/server.c - from parsed options to a serving process: load the apps
 * (before any fork), open the sockets, drop privileges, then either serve
 * in this one process or hand over to the master.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <weft/status.h>
#include "accesslog.h"
#include "cheaper.h"
#include "conf.h"
#include "cron.h"
#include "daemons.h"
#include "hooks.h"
#include "listen.h"
#include "log.h"
#include "master.h"
#include "opts.h"
#include "plugin_loader.h"
#include "reexec.h"
#include "registry.h"
#include "sd_listen.h"
#include "sd_notify.h"
#include "server.h"
#include "route.h"
#include "static.h"
#include "worker.h"
#include "threads.h"

static int
setup_languages(void)
{
    unsigned i;

    for (i = 0; i < weft_language_count(); i++) {
        const weft_language_t *lang = weft_language_at(i);
        if (lang->setup != NULL && lang->setup() != WEFT_OK) {
            weft_log(WEFT_LOG_ERROR, "the %s plugin could not set up (see above)", lang->name);
            return WEFT_ERROR;
        }
    }
    return WEFT_OK;
}

int
weft_server_worker(unsigned id)
{
    unsigned i;
    int      rc = WEFT_OK;

    for (i = 0; i < weft_language_count(); i++) {
        const weft_language_t *lang = weft_language_at(i);
        if (lang->worker_init != NULL && lang->worker_init(id) != WEFT_OK) {
            weft_log(WEFT_LOG_ERROR, "the %s plugin could not start worker %u", lang->name, id);
            return WEFT_ERROR;
        }
    }
    weft_opts_worker_start(id);
    rc = weft_worker_run(id);
    for (i = 0; i < weft_language_count(); i++) {
        const weft_language_t *lang = weft_language_at(i);
        if (lang->worker_exit != NULL)
            lang->worker_exit();
    }
    if (weft_suspend_engine != NULL && weft_suspend_engine->release != NULL)
        weft_suspend_engine->release();
    return rc;
}

static int
drop_privileges(void)
{
    if (weft_conf.gid != NULL) {
        struct group *g = getgrnam(weft_conf.gid);
        char         *end;
        gid_t         gid = g ? g->gr_gid : (gid_t) strtoul(weft_conf.gid, &end, 10);

        if (g == NULL && (*end != '\0' || end == weft_conf.gid)) {
            weft_log(WEFT_LOG_ERROR, "--gid %s: no such group", weft_conf.gid);
            return WEFT_ERROR;
        }
        if (setgroups(0, NULL) != 0 && errno != EPERM) {
            weft_log(WEFT_LOG_ERROR, "cannot clear supplementary groups: %m");
            return WEFT_ERROR;
        }
        if (setgid(gid) != 0) {
            weft_log(WEFT_LOG_ERROR, "cannot switch to group %s: %m", weft_conf.gid);
            return WEFT_ERROR;
        }
    }
    if (weft_conf.uid != NULL) {
        struct passwd *p = getpwnam(weft_conf.uid);
        char          *end;
        uid_t          uid = p ? p->pw_uid : (uid_t) strtoul(weft_conf.uid, &end, 10);

        if (p == NULL && (*end != '\0' || end == weft_conf.uid)) {
            weft_log(WEFT_LOG_ERROR, "--uid %s: no such user", weft_conf.uid);
            return WEFT_ERROR;
        }
        if (weft_conf.gid == NULL && p != NULL && setgid(p->pw_gid) != 0) {
            weft_log(WEFT_LOG_ERROR, "cannot switch to %s's group: %m", weft_conf.uid);
            return WEFT_ERROR;
        }
        if (setuid(uid) != 0) {
            weft_log(WEFT_LOG_ERROR, "cannot switch to user %s: %m", weft_conf.uid);
            return WEFT_ERROR;
        }
        if (uid != 0 && setuid(0) == 0) {
            weft_log(WEFT_LOG_ERROR, "dropping to user %s did not stick", weft_conf.uid);
            return WEFT_ERROR;
        }
        weft_log(WEFT_LOG_INFO, "running as user %s", weft_conf.uid);
    }
    return WEFT_OK;
}

static int
write_pidfile(void)
{
    if (weft_write_pidfile(weft_conf.pidfile, 0) != WEFT_OK
        || weft_write_pidfile(weft_conf.safe_pidfile, 1) != WEFT_OK)
        return WEFT_ERROR;
    return WEFT_OK;
}

/* Options that need a process to watch the workers turn the master on. */
static void
decide_master(void)
{
    const char *why = NULL;

    if (weft_conf.master)
        return;
    if (weft_conf.processes > 1)
        why = "--processes";
    else if (weft_conf.harakiri > 0)
        why = "--harakiri";
    else if (weft_conf.max_requests > 0)
        why = "--max-requests";
    else if (weft_conf.reload_on_rss > 0)
        why = "--reload-on-rss";
    else if (weft_conf.touch_reload.n > 0)
        why = "--touch-reload";
    else if (weft_conf.touch_workers_reload.n > 0)
        why = "--touch-workers-reload";
    else if (weft_conf.reload_on_as > 0)
        why = "--reload-on-as";
    else if (weft_conf.max_worker_lifetime > 0)
        why = "--max-worker-lifetime";
    /* daemons, cron, master hooks */
    else if ((why = weft_daemons_need_master()) == NULL
             && (why = weft_cron_need_master()) == NULL)
        why = weft_hooks_need_master();
    if (why == NULL && weft_conf.stats_addr != NULL)             /* stats, metrics */
        why = "--stats";
    if (why == NULL && weft_conf.metrics_addr != NULL)
        why = "--metrics";
    if (why != NULL) {
        weft_log(WEFT_LOG_INFO, "%s needs a master process: running with --master", why);
        weft_conf.master = 1;
    }
}

int
weft_server_main(void)
{
    const weft_loaded_plugin_t *p;
    int                         rc;

    if (weft_conf.health_path != NULL && weft_conf.health_path[0] != '/') {
        weft_die_msg("--health %s: the path must start with /, such as --health /healthz",
                     weft_conf.health_path);
        return WEFT_ERROR;
    }
    {
        char why[512];                                           /* cheaper */
        if (weft_cheaper_check(why, sizeof(why)) != WEFT_OK) {
            weft_die_msg("%s", why);
            return WEFT_ERROR;
        }
    }
    weft_sd_listen_init();
    if (weft_conf.uwsgi_sockets.n == 0 && weft_conf.http_sockets.n == 0
        && weft_sd_listen_count() == 0 && weft_reexec_count("systemd:") == 0) {
        weft_die_msg("nothing to listen on: give --http-socket ADDR or --socket ADDR (or start weft from a systemd socket unit)");
        for (p = weft_plugins_loaded(); p != NULL; p = p->next)
            fprintf(stderr, "  loaded plugin %s %s (%s)\n", p->desc->name,
                    p->desc->version ? p->desc->version : "", p->path);
        return WEFT_ERROR;
    }
    /* A re-executed image starts with the old master's signals blocked;
     * a stop or reload asked for while the apps load waits for the loop. */
    weft_worker_hold_signals();

    decide_master();
    if (weft_conf.master)
        weft_sd_init();             /* the master speaks to systemd */
    if (weft_registry_check_pairings() != WEFT_OK)
        return WEFT_ERROR;
    if (weft_threads_check() != WEFT_OK)                         /* --threads */
        return WEFT_ERROR;
    if (weft_language_count() == 0 && weft_conf.static_map.n == 0
        && weft_conf.check_static.n == 0)
        weft_log(WEFT_LOG_WARN, "no language plugin is loaded: every request will get 500 (load one, e.g. --plugin python)");
    if (weft_conf.async > 1 && weft_engine_name() == NULL)
        weft_log(WEFT_LOG_WARN, "--async %ld without a suspend engine: only apps that yield share the worker (add a suspend engine: --ugreen, or --greenlet for Python)",
                 weft_conf.async);

    if (weft_opts_before_listen() != WEFT_OK)
        return WEFT_ERROR;
    if (weft_conf.chdir_to != NULL && chdir(weft_conf.chdir_to) != 0) {
        weft_log(WEFT_LOG_ERROR, "--chdir %s: %m", weft_conf.chdir_to);
        return WEFT_ERROR;
    }
    if (weft_static_setup() != WEFT_OK)
        return WEFT_ERROR;
    if (weft_routes_setup() != WEFT_OK)
        return WEFT_ERROR;
    if (weft_listeners_open_all() != WEFT_OK || weft_opts_after_listen() != WEFT_OK)
        return WEFT_ERROR;
    if (weft_hooks_run(WEFT_HOOK_AS_ROOT) != WEFT_OK)          /* hooks */
        return WEFT_ERROR;
    if (drop_privileges() != WEFT_OK || weft_opts_after_drop() != WEFT_OK)
        return WEFT_ERROR;
    if (weft_hooks_run(WEFT_HOOK_AS_USER) != WEFT_OK
        || weft_hooks_run(WEFT_HOOK_PRE_APP) != WEFT_OK)            /* hooks */
        return WEFT_ERROR;
    if (setup_languages() != WEFT_OK)
        return WEFT_ERROR;
    if (weft_hooks_run(WEFT_HOOK_POST_APP) != WEFT_OK)          /* hooks */
        return WEFT_ERROR;
    if (write_pidfile() != WEFT_OK)
        return WEFT_ERROR;

    if (weft_conf.master) {
        rc = weft_master_run();
        weft_opts_at_exit();
        return rc;
    }

    if (weft_hooks_run(WEFT_HOOK_ACCEPTING) != WEFT_OK)         /* hooks */
        return WEFT_ERROR;
    rc = weft_server_worker(1);
    if (weft_worker_reload) {
        weft_reexec(NULL, NULL, NULL, 0);
        return WEFT_ERROR;
    }
    weft_opts_at_exit();
    return rc;
}
