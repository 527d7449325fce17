/*
 * plugins/coroae/plugin.c - coroae.so: the descriptor, the options and the
 * loop engine's table.
 *
 *   weft --coroae 1000 --psgi app.psgi
 *
 * --coroae N selects the engine and gives each worker N cores (as
 * --async N).  Each worker loads EV, AnyEvent, Coro and Coro::AnyEvent into
 * perl.so's interpreter after the fork, runs AnyEvent's loop on EV, and
 * serves each connection on a Coro of its own.
 */
#include <stdio.h>

#include "coroae.h"

const weft_api_t *weft_cae_api;

static int
set_coroae(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    (void) opt;
    if (weft_cae_api->select_engine("coroae") != WEFT_OK) {
        snprintf(err, errlen, "cannot use coroae (see above)");
        return WEFT_ERROR;
    }
    if (weft_cae_api->set_option("async", value) != WEFT_OK) {
        snprintf(err, errlen, "needs a number of cores, such as --coroae 100");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

static const weft_option_t coroae_options[] = {
    { "coroae", 0, WEFT_OPT_CALLBACK, 0, NULL, "N",
      "serve N requests at once per worker on Coro and AnyEvent's EV loop (needs the perl plugin)",
      0, 0, set_coroae },
    WEFT_OPTION_END
};

static const weft_loop_engine_t coroae_engine = {
    .size = sizeof(weft_loop_engine_t),
    .name = "coroae",
    .prepare = weft_cae_prepare,
    .run = weft_cae_run,
    .stop = weft_cae_stop,
    .wait = weft_cae_wait,
    .current = weft_cae_current,
    .park = weft_cae_park,
    .wake = weft_cae_wake,
    /* AnyEvent's loop is the worker's; Coro switches Perl's own state. */
    .flags = WEFT_ENGINE_OWNS_LOOP | WEFT_ENGINE_OWN_STATE,
};

static int
coroae_init(const weft_api_t *api)
{
    weft_cae_api = api;
    return api->register_loop_engine(&coroae_engine);
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .flags = WEFT_PLUGIN_LOOP_ENGINE,
    .name = "coroae",
    .version = WEFT_PLUGIN_VERSION,
    .summary = "Coro::AnyEvent loop engine: AnyEvent's EV loop runs the worker, a Coro per connection",
    .requires = "perl",
    .options = coroae_options,
    .init = coroae_init,
};
