/*
 * core/server.c - from parsed options to a serving process.
 */
#include "config.h"

#include <stdio.h>

#include <weft/status.h>
#include "conf.h"
#include "log.h"
#include "plugin_loader.h"
#include "registry.h"
#include "server.h"

int
weft_server_main(void)
{
    const weft_loaded_plugin_t *p;

    if (weft_conf.uwsgi_sockets.n == 0 && weft_conf.http_sockets.n == 0) {
        weft_die_msg("nothing to listen on: give --http-socket ADDR or --socket ADDR");
        for (p = weft_plugins_loaded(); p != NULL; p = p->next)
            fprintf(stderr, "  loaded plugin %s %s (%s)\n", p->desc->name,
                    p->desc->version ? p->desc->version : "", p->path);
        return WEFT_ERROR;
    }
    return WEFT_OK;
}
