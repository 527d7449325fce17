/* t/plugins/dupname.c - a second plugin that calls itself "testgood". */
#include <weft/weft.h>

static int
dup_init(const weft_api_t *api)
{
    return WEFT_OK;
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .name = "testgood",
    .version = "2.0",
    .init = dup_init,
};
