/* t/plugins/minornewer.c - built for a minor newer than the core's. */
#include <weft/weft.h>

static int
minornewer_init(const weft_api_t *api)
{
    return WEFT_OK;
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    .magic = WEFT_PLUGIN_MAGIC,
    .abi_major = WEFT_ABI_MAJOR,
    .abi_minor = WEFT_ABI_MINOR + 1,
    .size = sizeof(weft_plugin_t),
    .name = "minornewer",
    .init = minornewer_init,
};
