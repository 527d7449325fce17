/* t/plugins/needsgood.c - requires testgood, which must load first. */
#include <weft/weft.h>

static long level;

static const weft_option_t options[] = {
    { "needs-level", 0, WEFT_OPT_INT, 0, &level, "N",
      "an option that loads needsgood, and so testgood, on demand", 0, 0, NULL },
    WEFT_OPTION_END
};

static int
needsgood_init(const weft_api_t *api)
{
    api->log(WEFT_LOG_INFO, "needsgood: init");
    return WEFT_OK;
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .name = "needsgood",
    .version = "1.0",
    .requires = "testgood",
    .options = options,
    .init = needsgood_init,
};
