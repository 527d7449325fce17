/*
 * t/plugins/shortdesc.c - a descriptor that stops after the ABI header:
 * the loader must refuse it without reading past its end.
 */
#include <stdint.h>
#include <weft/version.h>

struct short_descriptor {
    uint32_t magic;
    uint16_t abi_major;
    uint16_t abi_minor;
    uint32_t size;
};

__attribute__((visibility("default")))
const struct short_descriptor weft_plugin = {
    WEFT_PLUGIN_MAGIC, WEFT_ABI_MAJOR, WEFT_ABI_MINOR, sizeof(struct short_descriptor)
};
