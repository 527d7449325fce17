/*
 * t/plugins/nostack.c - a language that declares it cannot run on foreign
 * C stacks, as Ruby does (WEFT_LANG_NO_FOREIGN_STACK), with the engine
 * option to use instead.  The core must refuse it with an engine that has
 * WEFT_ENGINE_FOREIGN_STACK (--ugreen, the test loop engine) at start-up;
 * without one it serves "nostack".
 */
#include <string.h>

#include <weft/weft.h>

static const weft_api_t *api;

static int
nostack_request(weft_request_t *r)
{
    api->add_header(r, "Content-Length", 14, "7", 1);
    return api->write(r, "nostack", 7);
}

static const weft_language_t nostack_language = {
    .size = sizeof(weft_language_t),
    .name = "nostack",
    .modifier1 = 97,
    .request = nostack_request,
    .flags = WEFT_LANG_NO_FOREIGN_STACK,
    .engine_hint = "--fiber",       /* what Ruby will name */
};

static int
nostack_init(const weft_api_t *a)
{
    api = a;
    return api->register_language(&nostack_language);
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .flags = WEFT_PLUGIN_LANGUAGE,
    .name = "nostack-plugin",
    .version = "1.0",
    .summary = "a language that cannot run on foreign C stacks",
    .init = nostack_init,
};
