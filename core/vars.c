/*
 * core/vars.c - a request's CGI variables and the arena their strings live
 * in.  The arena is reserved once per request from a bound on the head's
 * size, so strings never move while a request is being built.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include <weft/status.h>
#include "request.h"

int
weft_vars_reserve(weft_req_t *r, size_t bytes, unsigned nvars)
{
    r->arena_len = 0;
    r->pub.nvars = 0;
    if (r->arena_cap < bytes) {
        char *a = realloc(r->arena, bytes);
        if (a == NULL)
            return WEFT_ERROR;
        r->arena = a;
        r->arena_cap = bytes;
    }
    if (r->vars_cap < nvars) {
        weft_var_t *v = realloc(r->vars, nvars * sizeof(*v));
        if (v == NULL)
            return WEFT_ERROR;
        r->vars = v;
        r->vars_cap = nvars;
    }
    r->pub.vars = r->vars;
    return WEFT_OK;
}

void
weft_vars_reset(weft_req_t *r)
{
    /* Keep small arenas for the next request; give back big ones. */
    if (r->arena_cap > 65536) {
        free(r->arena);
        r->arena = NULL;
        r->arena_cap = 0;
    }
    if (r->vars_cap > 256) {
        free(r->vars);
        r->vars = NULL;
        r->vars_cap = 0;
    }
    r->arena_len = 0;
    r->pub.nvars = 0;
    r->pub.vars = r->vars;
}

static char *
arena_put(weft_req_t *r, const char *s, size_t n)
{
    char *p;

    if (r->arena_cap - r->arena_len < n + 1)
        return NULL;
    p = r->arena + r->arena_len;
    memcpy(p, s, n);
    p[n] = '\0';
    r->arena_len += n + 1;
    return p;
}

/*
 * The one rule for variables no app may see, whatever its language
 * (httpoxy, CVE-2016-5385): a client's "Proxy:" header would become
 * HTTP_PROXY, which CGI scripts, Python's urllib, Go, curl... read as the
 * proxy to use for their own outgoing requests.  Dropped where variables
 * are made, from HTTP and from the uwsgi protocol alike.
 */
static int
dropped(const char *key, size_t kl)
{
    return kl == 10 && memcmp(key, "HTTP_PROXY", 10) == 0;
}

weft_var_t *
weft_vars_add_ref(weft_req_t *r, const char *k, size_t kl, const char *v, size_t vl)
{
    weft_var_t *var;

    if (r->pub.nvars == r->vars_cap)
        return NULL;
    var = &r->vars[r->pub.nvars++];
    var->key = k;
    var->key_len = (uint32_t) kl;
    var->value = v;
    var->value_len = (uint32_t) vl;
    return var;
}

int
weft_vars_add_cgi(weft_req_t *r, const char *k, size_t kl, const char *v, size_t vl)
{
    if (dropped(k, kl))
        return WEFT_OK;
    return weft_vars_add(r, k, kl, v, vl) != NULL ? WEFT_OK : WEFT_ERROR;
}

weft_var_t *
weft_vars_add(weft_req_t *r, const char *k, size_t kl, const char *v, size_t vl)
{
    weft_var_t *var;
    char       *key, *val;

    if (r->pub.nvars == r->vars_cap)
        return NULL;
    key = arena_put(r, k, kl);
    val = key ? arena_put(r, v, vl) : NULL;
    if (val == NULL)
        return NULL;
    var = &r->vars[r->pub.nvars++];
    var->key = key;
    var->key_len = (uint32_t) kl;
    var->value = val;
    var->value_len = (uint32_t) vl;
    return var;
}

/* The CGI name of a header field into key (HTTP_NAME; CONTENT_TYPE and
 * CONTENT_LENGTH bare); its length, 0 when the field is dropped (a name with
 * '_' would alias a dashed one), or -1 when the name is too long. */
static ssize_t
header_key(const char *name, size_t nl, char *key, size_t keysz)
{
    size_t kl, i;

    if (memchr(name, '_', nl) != NULL)
        return 0;
    if ((nl == 12 && strncasecmp(name, "content-type", 12) == 0)
        || (nl == 14 && strncasecmp(name, "content-length", 14) == 0)) {
        kl = 0;
    } else {
        memcpy(key, "HTTP_", 5);
        kl = 5;
    }
    if (kl + nl >= keysz)
        return -1;
    for (i = 0; i < nl; i++) {
        char ch = name[i];
        key[kl++] = ch == '-' ? '_' : (ch >= 'a' && ch <= 'z' ? (char) (ch - 32) : ch);
    }
    return (ssize_t) kl;
}

int
weft_vars_add_header(weft_req_t *r, const char *name, size_t nl, const char *value,
                     size_t vl, weft_var_t **added)
{
    char    key[256];
    ssize_t kl = header_key(name, nl, key, sizeof(key));

    *added = NULL;
    if (kl < 0)
        return WEFT_ERROR;
    if (kl == 0 || dropped(key, (size_t) kl))
        return WEFT_OK;
    *added = weft_vars_add(r, key, (size_t) kl, value, vl);
    return *added != NULL ? WEFT_OK : WEFT_ERROR;
}

int
weft_vars_append_value(weft_req_t *r, weft_var_t *v, const char *value, size_t vl)
{
    char *end = (char *) v->value + v->value_len;
    /* Cookie crumbs join as cookies do (RFC 6265 5.4, RFC 9113 8.2.3). */
    const char *sep = v->key_len == 11 && memcmp(v->key, "HTTP_COOKIE", 11) == 0 ? "; " : ", ";

    /* Only the newest string can grow: it ends the arena. */
    if (end + 1 != r->arena + r->arena_len || r->arena_cap - r->arena_len < vl + 2)
        return WEFT_ERROR;
    memcpy(end, sep, 2);
    memcpy(end + 2, value, vl);
    end[2 + vl] = '\0';
    r->arena_len += vl + 2;
    v->value_len += (uint32_t) (vl + 2);
    return WEFT_OK;
}

static void
set_str(weft_str_t *s, const weft_var_t *v)
{
    s->data = v->value;
    s->len = v->value_len;
}

void
weft_vars_index(weft_req_t *r)
{
    static const weft_str_t empty = { "", 0 };
    unsigned                i;

    r->pub.method = r->pub.uri = r->pub.path_info = r->pub.query_string = empty;
    r->pub.protocol = r->pub.remote_addr = empty;
    memset(&r->known, 0, sizeof(r->known));
    for (i = 0; i < r->pub.nvars; i++) {
        weft_var_t *v = &r->vars[i];
        switch (v->key_len) {
        case 5:
            if (memcmp(v->key, "HTTPS", 5) == 0)
                r->known.https = v;
            break;
        case 9:
            if (memcmp(v->key, "PATH_INFO", 9) == 0) {
                set_str(&r->pub.path_info, v);
                r->known.path_info = v;
            } else if (memcmp(v->key, "HTTP_HOST", 9) == 0) {
                r->known.http_host = v;
            }
            break;
        case 11:
            if (memcmp(v->key, "REQUEST_URI", 11) == 0)
                set_str(&r->pub.uri, v);
            else if (memcmp(v->key, "REMOTE_ADDR", 11) == 0)
                set_str(&r->pub.remote_addr, v);
            else if (memcmp(v->key, "SERVER_NAME", 11) == 0)
                r->known.server_name = v;
            else if (memcmp(v->key, "SERVER_PORT", 11) == 0)
                r->known.server_port = v;
            else if (memcmp(v->key, "SCRIPT_NAME", 11) == 0)
                r->known.script_name = v;
            break;
        case 12:
            if (memcmp(v->key, "QUERY_STRING", 12) == 0)
                set_str(&r->pub.query_string, v);
            else if (memcmp(v->key, "UWSGI_SCHEME", 12) == 0)
                r->known.uwsgi_scheme = v;
            break;
        case 14:
            if (memcmp(v->key, "REQUEST_METHOD", 14) == 0)
                set_str(&r->pub.method, v);
            else if (memcmp(v->key, "REQUEST_SCHEME", 14) == 0)
                r->known.request_scheme = v;
            break;
        case 15:
            if (memcmp(v->key, "SERVER_PROTOCOL", 15) == 0)
                set_str(&r->pub.protocol, v);
            break;
        }
    }
}

const char *
weft_var_get(weft_request_t *pub, const char *name, size_t *len)
{
    size_t   nl = strlen(name);
    unsigned i;

    for (i = 0; i < pub->nvars; i++) {
        const weft_var_t *v = &pub->vars[i];
        if (v->key_len == nl && memcmp(v->key, name, nl) == 0) {
            if (len)
                *len = v->value_len;
            return v->value;
        }
    }
    return NULL;
}

static int
hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

ssize_t
weft_percent_decode(char *dst, const char *src, size_t srclen)
{
    size_t i, o = 0;

    for (i = 0; i < srclen; i++) {
        char ch = src[i];
        if (ch == '%' && i + 2 < srclen) {
            int hi = hexval(src[i + 1]), lo = hexval(src[i + 2]);
            if (hi >= 0 && lo >= 0) {
                ch = (char) (hi * 16 + lo);
                i += 2;
            }
        }
        if (ch == '\0')
            return -1;
        dst[o++] = ch;
    }
    dst[o] = '\0';
    return (ssize_t) o;
}
