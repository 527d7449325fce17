/*
 * examples/tiny-language/tiny.c - a complete, small language plugin, built
 * out of tree with nothing but the installed SDK (docs/sdk-guide.md,
 * "Writing a language plugin", walks through it).
 *
 * Its "applications" are templates: a text file whose {NAME} fields are
 * replaced, for each request, by the request's CGI variable NAME, by one of
 * the request facts ({url_scheme}, {server_name}, {server_port},
 * {script_name}, {path_info}), or by the request body's line count
 * ({body_lines}).  A field that names nothing becomes "".
 *
 *     make && weft --plugin ./tiny.so --tiny-template page.txt --http-socket :8080
 *
 * What it shows: options, setup() in the master, a per-request context in
 * r->ctx released by request_done(), reading the body line by line, the
 * response helpers, and the rule for responses without a body.  It runs
 * under every engine: it keeps no interpreter state, so it needs no
 * on_suspend/on_resume and declares nothing it cannot do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/weft.h>

static const weft_api_t *api;

static const char *template_path;   /* --tiny-template */
static char       *template_text;   /* its contents, read by setup() */
static size_t      template_len;

/* A growable output buffer: one response is made whole, then written once. */
typedef struct {
    char   *data;
    size_t  len, cap;
} tiny_buf_t;

static int
buf_add(tiny_buf_t *b, const char *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        char  *d;
        while (cap < b->len + n)
            cap *= 2;
        d = realloc(b->data, cap);
        if (d == NULL)
            return WEFT_ERROR;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return WEFT_OK;
}

/* setup(): once, in the master, after every option is applied. */
static int
tiny_setup(void)
{
    FILE *f;
    long  n;

    if (template_path == NULL) {
        api->log(WEFT_LOG_ERROR, "tiny: no template: give --tiny-template FILE");
        return WEFT_ERROR;
    }
    f = fopen(template_path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0 || (template_text = malloc((size_t) n + 1)) == NULL
        || fread(template_text, 1, (size_t) n, f) != (size_t) n) {
        api->log(WEFT_LOG_ERROR, "tiny: cannot read the template %s", template_path);
        if (f != NULL)
            fclose(f);
        return WEFT_ERROR;
    }
    fclose(f);
    template_len = (size_t) n;
    api->log(WEFT_LOG_INFO, "tiny: serving %s", template_path);
    return WEFT_OK;
}

/* The number of lines in the request body, read with api->read_line. */
static long
body_lines(weft_request_t *r)
{
    char    line[512];
    long    n = 0;
    ssize_t got;

    while ((got = api->read_line(r, line, sizeof(line))) > 0)
        if (line[got - 1] == '\n')
            n++;
    return got < 0 ? -1 : n;
}

/* The value of template field `name`. */
static weft_str_t
field(weft_request_t *r, const char *name, char *scratch, size_t room)
{
    weft_str_t v = { "", 0 };

    if (strcmp(name, "url_scheme") == 0)
        return r->url_scheme;
    if (strcmp(name, "server_name") == 0)
        return r->server_name;
    if (strcmp(name, "server_port") == 0)
        return r->server_port;
    if (strcmp(name, "script_name") == 0)
        return r->script_name;
    if (strcmp(name, "path_info") == 0)
        return r->path_info;
    if (strcmp(name, "body_lines") == 0) {
        int n = snprintf(scratch, room, "%ld", body_lines(r));
        v.data = scratch;
        v.len = (size_t) n;
        return v;
    }
    v.data = api->var(r, name, &v.len);
    if (v.data == NULL) {
        v.data = "";
        v.len = 0;
    }
    return v;
}

/* request(): fill the template and answer, in one call. */
static int
tiny_request(weft_request_t *r)
{
    tiny_buf_t *out = calloc(1, sizeof(*out));
    const char *p = template_text, *end = template_text + template_len;

    if (out == NULL)
        return WEFT_ERROR;
    r->ctx = out;                       /* request_done() frees it */
    while (p < end) {
        const char *open = memchr(p, '{', (size_t) (end - p));
        const char *close = open ? memchr(open, '}', (size_t) (end - open)) : NULL;
        char        name[64], scratch[32];
        weft_str_t  v;

        if (close == NULL || (size_t) (close - open - 1) >= sizeof(name)) {
            /* no field left: the rest is text */
            if (buf_add(out, p, (size_t) (end - p)) != WEFT_OK)
                return WEFT_ERROR;
            break;
        }
        if (buf_add(out, p, (size_t) (open - p)) != WEFT_OK)
            return WEFT_ERROR;
        memcpy(name, open + 1, (size_t) (close - open - 1));
        name[close - open - 1] = '\0';
        v = field(r, name, scratch, sizeof(scratch));
        if (buf_add(out, v.data, v.len) != WEFT_OK)
            return WEFT_ERROR;
        p = close + 1;
    }

    if (api->set_status(r, "200 OK", 6) != WEFT_OK
        || api->add_header(r, "Content-Type", 12, "text/plain; charset=utf-8", 25) != WEFT_OK
        || api->set_content_length(r, out->len) != WEFT_OK)
        return WEFT_ERROR;
    if (!api->status_has_body(r, 200))  /* HEAD: the length, no body */
        return api->write(r, NULL, 0) == WEFT_OK ? WEFT_OK : WEFT_ERROR;
    return api->write(r, out->data, out->len) == WEFT_OK ? WEFT_OK : WEFT_ERROR;
}

/* request_done(): after the last request() call, also for aborted ones. */
static void
tiny_request_done(weft_request_t *r)
{
    tiny_buf_t *out = r->ctx;

    if (out != NULL) {
        free(out->data);
        free(out);
        r->ctx = NULL;
    }
}

static const weft_language_t tiny_language = {
    .size = sizeof(weft_language_t),
    .name = "tiny",
    .modifier1 = 250,                   /* an unassigned uwsgi modifier1 */
    .setup = tiny_setup,
    .request = tiny_request,
    .request_done = tiny_request_done,
    .flags = 0,                         /* it can run anywhere */
};

static const weft_option_t tiny_options[] = {
    { "tiny-template", 0, WEFT_OPT_STRING, 0, &template_path, "FILE",
      "the template the tiny language serves", 0, 0, NULL },
    WEFT_OPTION_END
};

static int
tiny_init(const weft_api_t *a)
{
    api = a;
    return api->register_language(&tiny_language);
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .flags = WEFT_PLUGIN_LANGUAGE,
    .name = "tiny",
    .version = "1.0",
    .summary = "serves text templates filled from the request (an SDK example)",
    .options = tiny_options,
    .init = tiny_init,
};
