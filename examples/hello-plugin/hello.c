/*
 * examples/hello-plugin/hello.c - the smallest weft plugin, built out of
 * tree with nothing but the installed SDK:
 *
 *     cc $(pkg-config --cflags weft) -shared -fPIC -fvisibility=hidden \
 *        -o hello.so hello.c
 *     weft --plugin ./hello.so --hello-name you ...
 *
 * It adds one option and logs a greeting when weft loads it.
 */
#include <weft/weft.h>

static const weft_api_t *api;

/* Options are applied after init(), so api is set when this runs. */
static int
hello_set_name(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    api->log(WEFT_LOG_INFO, "hello, %s, from a plugin built out of tree (weft %s, ABI %u.%u)",
             value, api->version, api->abi_major, api->abi_minor);
    return WEFT_OK;
}

static const weft_option_t hello_options[] = {
    { "hello-name", 0, WEFT_OPT_CALLBACK, 0, NULL, "NAME",
      "whom the hello plugin greets", 0, 0, hello_set_name },
    WEFT_OPTION_END
};

static int
hello_init(const weft_api_t *a)
{
    api = a;
    return WEFT_OK;
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .name = "hello",
    .version = "1.0",
    .summary = "greets whoever --hello-name names",
    .options = hello_options,
    .init = hello_init,
};
