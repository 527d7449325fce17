/*
 * t/plugins/testgood.c - a well-formed plugin with options and no
 * language, for the loader's tests.
 */
#include <weft/weft.h>

static const char *greeting;
static int         flag;

static const weft_option_t options[] = {
    { "test-greeting", 'G', WEFT_OPT_STRING, 0, &greeting, "TEXT",
      "a string option that loads testgood on demand", 0, 0, NULL },
    { "test-flag", 0, WEFT_OPT_FLAG, 0, &flag, NULL, "a flag", 0, 0, NULL },
    WEFT_OPTION_END
};

static int
testgood_init(const weft_api_t *api)
{
    api->log(WEFT_LOG_INFO, "testgood: init (ABI %u.%u)", api->abi_major, api->abi_minor);
    return WEFT_OK;
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .name = "testgood",
    .version = "1.0",
    .summary = "a well-formed test plugin",
    .options = options,
    .init = testgood_init,
};
