/*
 * t/plugins/abi10.c - a language plugin compiled against nothing but the
 * frozen ABI 1.0 headers (t/abi/1.0/weft: its CPPFLAGS never see
 * sdk/include).  It proves that a plugin built for 1.0 still loads and
 * serves in a newer core: its descriptor has no option_size, so the core
 * walks its options with 1.0's stride; its language struct is 1.0's size.
 *
 *   weft --plugin abi10.so --abi10-greeting WORD
 *   every request: "abi10 greeting=WORD x=<X-Abi header> core-abi=M.N\n"
 */
#include <stdio.h>
#include <string.h>

#include <weft/weft.h>

#if WEFT_ABI_MAJOR != 1 || WEFT_ABI_MINOR != 0
#error "abi10.c must be built against the frozen 1.0 headers (t/abi/1.0)"
#endif

static const weft_api_t *api;
static const char       *greeting = "none";
static int               loud;

static int
abi10_request(weft_request_t *r)
{
    char        body[512], len[32];
    size_t      xlen = 0;
    const char *x = api->var(r, "HTTP_X_ABI", &xlen);
    int         n;

    n = snprintf(body, sizeof(body), "abi10 greeting=%s%s x=%.*s core-abi=%u.%u\n", greeting,
                 loud ? "!" : "", x ? (int) xlen : 1, x ? x : "-", api->abi_major,
                 api->abi_minor);
    if (n < 0 || (size_t) n >= sizeof(body))
        return WEFT_ERROR;
    snprintf(len, sizeof(len), "%d", n);
    api->set_status(r, "200 OK", 6);
    api->add_header(r, "Content-Type", 12, "text/plain", 10);
    api->add_header(r, "Content-Length", 14, len, strlen(len));
    return api->write(r, body, (size_t) n);
}

static const weft_language_t abi10_language = {
    .size = sizeof(weft_language_t),
    .name = "abi10",
    .modifier1 = 98,
    .request = abi10_request,
};

static int
abi10_init(const weft_api_t *a)
{
    api = a;
    return api->register_language(&abi10_language);
}

/* Two entries and the end: a wrong stride would find the second one
 * misplaced or read past the table. */
static const weft_option_t abi10_options[] = {
    { "abi10-greeting", 0, WEFT_OPT_STRING, 0, &greeting, "WORD",
      "the word every answer carries", 0, 0, NULL },
    { "abi10-loud", 0, WEFT_OPT_FLAG, 0, &loud, NULL, "add an exclamation mark", 0, 0, NULL },
    WEFT_OPTION_END
};

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .flags = WEFT_PLUGIN_LANGUAGE,
    .name = "abi10",
    .version = "1.0",
    .summary = "a language built against the ABI 1.0 headers",
    .options = abi10_options,
    .init = abi10_init,
};
