/*
 * plugins/gevent/plugin.c - gevent.so: the descriptor, the options and the
 * loop engine's table.
 *
 *   weft --gevent 1000 --wsgi-file app.py [--gevent-monkey-patch]
 *
 * --gevent N selects the engine, gives each worker N cores (as --async N)
 * and has python.so import gevent with the app.  --gevent-monkey-patch has python.so run gevent.monkey.patch_all()
 * before the app is imported (--python-import), so an app's time.sleep,
 * socket and select give way to the other requests.
 */
#include <stdio.h>

#include "gevent.h"

const weft_api_t *weft_gv_api;

static int
set_gevent(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    if (weft_gv_api->select_engine("gevent") != WEFT_OK) {
        snprintf(err, errlen, "cannot use gevent (see above)");
        return WEFT_ERROR;
    }
    if (weft_gv_api->set_option("async", value) != WEFT_OK) {
        snprintf(err, errlen, "needs a number of cores, such as --gevent 100");
        return WEFT_ERROR;
    }
    /* Import gevent with the app (before the fork, unless --lazy-apps): a
     * missing gevent stops weft at start-up, and workers start at once. */
    return weft_gv_api->set_option("python-import", "gevent");
}

static int
set_monkey_patch(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    if (weft_gv_api->set_option("python-import", "gevent.monkey:patch_all") != WEFT_OK) {
        snprintf(err, errlen, "cannot have python.so monkey-patch (see above)");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

static const weft_option_t gevent_options[] = {
    { "gevent", 0, WEFT_OPT_CALLBACK, 0, NULL, "N",
      "serve N requests at once per worker on gevent's hub (needs the python plugin)",
      0, 0, set_gevent },
    { "gevent-monkey-patch", 0, WEFT_OPT_CALLBACK, WEFT_OPTF_NOARG, NULL, NULL,
      "run gevent.monkey.patch_all() before the app is imported", 0, 0, set_monkey_patch },
    WEFT_OPTION_END
};

static const weft_loop_engine_t gevent_engine = {
    .size = sizeof(weft_loop_engine_t),
    .name = "gevent",
    .prepare = weft_gv_prepare,
    .run = weft_gv_run,
    .stop = weft_gv_stop_serving,
    .wait = weft_gv_wait,
    .current = weft_gv_current,
    .park = weft_gv_park,
    .wake = weft_gv_wake,
    /* gevent's hub owns the loop; its greenlets switch Python's state. */
    .flags = WEFT_ENGINE_OWNS_LOOP | WEFT_ENGINE_OWN_STATE,
};

static int
gevent_init(const weft_api_t *api)
{
    weft_gv_api = api;
    return api->register_loop_engine(&gevent_engine);
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .flags = WEFT_PLUGIN_LOOP_ENGINE,
    .name = "gevent",
    .version = WEFT_PLUGIN_VERSION,
    .summary = "gevent loop engine: gevent's hub runs the worker, a greenlet per connection",
    .requires = "python",
    .options = gevent_options,
    .init = gevent_init,
};
