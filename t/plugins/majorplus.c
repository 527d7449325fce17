/* t/plugins/majorplus.c - built for the next ABI major. */
#include <weft/weft.h>

static int
majorplus_init(const weft_api_t *api)
{
    return WEFT_OK;
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    .magic = WEFT_PLUGIN_MAGIC,
    .abi_major = WEFT_ABI_MAJOR + 1,
    .abi_minor = 0,
    .size = sizeof(weft_plugin_t),
    .name = "majorplus",
    .init = majorplus_init,
};
