/*
 * core/server.c - from parsed options to a serving process: set up the
 * languages (apps load here, before any fork), open the sockets, serve.
 */
#include "config.h"

#include <stdio.h>

#include <weft/status.h>
#include "conf.h"
#include "listen.h"
#include "log.h"
#include "plugin_loader.h"
#include "registry.h"
#include "server.h"
#include "worker.h"

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

static int
init_worker_languages(unsigned id)
{
    unsigned i;

    for (i = 0; i < weft_language_count(); i++) {
        const weft_language_t *lang = weft_language_at(i);
        if (lang->worker_init != NULL && lang->worker_init(id) != WEFT_OK) {
            weft_log(WEFT_LOG_ERROR, "the %s plugin could not start worker %u", lang->name, id);
            return WEFT_ERROR;
        }
    }
    return WEFT_OK;
}

static void
exit_worker_languages(void)
{
    unsigned i;

    for (i = 0; i < weft_language_count(); i++) {
        const weft_language_t *lang = weft_language_at(i);
        if (lang->worker_exit != NULL)
            lang->worker_exit();
    }
    if (weft_suspend_engine != NULL && weft_suspend_engine->release != NULL)
        weft_suspend_engine->release();
}

int
weft_server_main(void)
{
    const weft_loaded_plugin_t *p;
    int                         rc;

    if (weft_conf.uwsgi_sockets.n == 0 && weft_conf.http_sockets.n == 0) {
        weft_die_msg("nothing to listen on: give --http-socket ADDR or --socket ADDR");
        for (p = weft_plugins_loaded(); p != NULL; p = p->next)
            fprintf(stderr, "  loaded plugin %s %s (%s)\n", p->desc->name,
                    p->desc->version ? p->desc->version : "", p->path);
        return WEFT_ERROR;
    }
    if (weft_language_count() == 0)
        weft_log(WEFT_LOG_WARN, "no language plugin is loaded: every request will get 500 (load one, e.g. --plugin python)");
    if (weft_conf.async > 1 && weft_engine_name() == NULL)
        weft_log(WEFT_LOG_WARN, "--async %ld without a suspend engine: only apps that yield share the worker (add --ugreen, --greenlet or --fiber)",
                 weft_conf.async);

    if (setup_languages() != WEFT_OK)
        return WEFT_ERROR;
    if (weft_listeners_open_all() != WEFT_OK)
        return WEFT_ERROR;
    if (init_worker_languages(1) != WEFT_OK)
        return WEFT_ERROR;
    rc = weft_worker_run(1);
    exit_worker_languages();
    return rc;
}
