/*
 * core/opts_run.c - the start-up and exit steps of uWSGI's everyday
 * options, called by core/server.c at their moment.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <weft/status.h>
#include "conf.h"
#include "log.h"
#include "opts.h"

static pid_t started_by;    /* the process whose exit vacuums */

int
weft_opts_before_listen(void)
{
    if (weft_conf.daemonize != NULL && weft_daemonize(weft_conf.daemonize) != WEFT_OK)
        return WEFT_ERROR;
    started_by = getpid();
    if (weft_opts_http_given)
        weft_log(WEFT_LOG_INFO, "--http: weft's workers speak HTTP themselves, so it listens as --http-socket (no separate HTTP router process)");
    if (weft_conf.umask_mode != NULL)
        umask((mode_t) strtoul(weft_conf.umask_mode, NULL, 8));
    weft_procname_set(weft_conf.master ? "weft master" : "weft");
    return WEFT_OK;
}

int
weft_opts_after_listen(void)
{
    if (weft_conf.chown_socket != NULL && weft_sockets_chown(weft_conf.chown_socket) != WEFT_OK)
        return WEFT_ERROR;
    return WEFT_OK;
}

int
weft_opts_after_drop(void)
{
    char err[512];

    if (weft_conf.logto2 != NULL && weft_log_open(weft_conf.logto2, err, sizeof(err)) != 0) {
        weft_log(WEFT_LOG_ERROR, "--logto2: %s", err);
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

void
weft_opts_at_exit(void)
{
    if (weft_conf.vacuum && getpid() == started_by)
        weft_sockets_vacuum();
}

void
weft_opts_worker_start(unsigned id)
{
    char name[32];

    snprintf(name, sizeof(name), "weft worker %u", id);
    weft_procname_set(name);
}
