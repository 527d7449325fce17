/* t/plugins/badmagic.c - a descriptor with the wrong magic number. */
#include <weft/weft.h>

static int
badmagic_init(const weft_api_t *api)
{
    return WEFT_OK;
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    .magic = 0xdeadbeef,
    .abi_major = WEFT_ABI_MAJOR,
    .abi_minor = WEFT_ABI_MINOR,
    .size = sizeof(weft_plugin_t),
    .name = "badmagic",
    .init = badmagic_init,
};
