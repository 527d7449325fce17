/*
 * t/plugins/caps.c - a language that reports what the core says about the
 * engine and the request: api->engine_flags() and api->can_suspend(r), from
 * the request's own context.
 *
 *   every request: "can_suspend=N null=N engine_flags=0xN engine=NAME\n"
 *   (null: can_suspend(NULL), always 0)
 */
#include <stdio.h>
#include <string.h>

#include <weft/weft.h>

static const weft_api_t *api;

static int
caps_request(weft_request_t *r)
{
    char        body[256], len[32];
    const char *engine = api->engine_name();
    int         n;

    n = snprintf(body, sizeof(body), "can_suspend=%d null=%d engine_flags=0x%x engine=%s\n",
                 api->can_suspend(r), api->can_suspend(NULL), (unsigned) api->engine_flags(),
                 engine ? engine : "none");
    if (n < 0 || (size_t) n >= sizeof(body))
        return WEFT_ERROR;
    snprintf(len, sizeof(len), "%d", n);
    api->add_header(r, "Content-Length", 14, len, strlen(len));
    return api->write(r, body, (size_t) n);
}

static const weft_language_t caps_language = {
    .size = sizeof(weft_language_t),
    .name = "caps",
    .modifier1 = 96,
    .request = caps_request,
};

static int
caps_init(const weft_api_t *a)
{
    api = a;
    return api->register_language(&caps_language);
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .flags = WEFT_PLUGIN_LANGUAGE,
    .name = "caps",
    .version = "1.0",
    .summary = "reports engine_flags and can_suspend",
    .init = caps_init,
};
