/* t/plugins/failinit.c - a plugin whose init() fails. */
#include <weft/weft.h>

static int
failinit_init(const weft_api_t *api)
{
    api->log(WEFT_LOG_ERROR, "failinit: refusing to start, as it was built to");
    return WEFT_ERROR;
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .name = "failinit",
    .init = failinit_init,
};
