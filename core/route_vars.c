/*
 * core/route_vars.c - route templates and the request variables routes
 * change: ${VAR}, ${cookie[name]}, ${qs[name]}, ${httptime[N]}, $0-$9.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <weft/status.h>
#include "route.h"

struct weft_route_req_s *
weft_route_state(weft_req_t *r)
{
    if (r->route == NULL && (r->route = malloc(sizeof(*r->route))) != NULL) {
        r->route->answer = 0;
        r->route->nedits = 0;
        r->route->used = 0;
        r->route->reason = r->route->location = r->route->realm = NULL;
        r->route->text_body = 0;
    }
    return r->route;
}

const char *
weft_route_keep(weft_req_t *r, const char *s, size_t n)
{
    struct weft_route_req_s *st = weft_route_state(r);
    char                    *p;

    if (st == NULL || WEFT_ROUTE_STORE - st->used < n + 1)
        return NULL;
    p = st->store + st->used;
    memcpy(p, s, n);
    p[n] = '\0';
    st->used += n + 1;
    return p;
}

const char *
weft_route_pair(const char *list, size_t len, char sep, const char *name, size_t nlen,
                size_t *vlen)
{
    const char *p = list, *end = list + len;

    while (p < end) {
        const char *item_end = memchr(p, sep, (size_t) (end - p));
        const char *eq;

        if (item_end == NULL)
            item_end = end;
        while (p < item_end && *p == ' ')
            p++;
        eq = memchr(p, '=', (size_t) (item_end - p));
        if (eq != NULL && (size_t) (eq - p) == nlen && memcmp(p, name, nlen) == 0) {
            *vlen = (size_t) (item_end - eq - 1);
            return eq + 1;
        }
        p = item_end + 1;
    }
    return NULL;
}

/* The value of one ${...} (name is its inside, nl bytes): *len set. */
static const char *
lookup(weft_req_t *r, const char *name, size_t nl, size_t *len, char *tmp, size_t tmpsz)
{
    const char *open = memchr(name, '[', nl);
    char        key[128];

    *len = 0;
    if (open != NULL && name[nl - 1] == ']') {
        size_t      fl = (size_t) (open - name);
        const char *inner = open + 1;
        size_t      il = nl - fl - 2;

        if (fl == 6 && memcmp(name, "cookie", 6) == 0) {
            size_t      cl;
            const char *c = weft_var_get(&r->pub, "HTTP_COOKIE", &cl);
            return c ? weft_route_pair(c, cl, ';', inner, il, len) : NULL;
        }
        if (fl == 2 && memcmp(name, "qs", 2) == 0)
            return weft_route_pair(r->pub.query_string.data, r->pub.query_string.len, '&',
                                   inner, il, len);
        if (fl == 8 && memcmp(name, "httptime", 8) == 0) {
            char      num[32];
            time_t    t = time(NULL);
            struct tm tm;

            if (il < sizeof(num)) {
                memcpy(num, inner, il);
                num[il] = '\0';
                /* An offset past what time_t or a year holds: no date. */
                if (__builtin_add_overflow(t, (time_t) strtol(num, NULL, 10), &t))
                    return NULL;
            }
            if (gmtime_r(&t, &tm) == NULL)
                return NULL;
            *len = strftime(tmp, tmpsz, "%a, %d %b %Y %H:%M:%S GMT", &tm);
            return tmp;
        }
        return NULL;
    }
    if (nl >= sizeof(key))
        return NULL;
    memcpy(key, name, nl);
    key[nl] = '\0';
    return weft_var_get(&r->pub, key, len);
}

ssize_t
weft_route_expand(weft_req_t *r, const char *tpl, const weft_route_caps_t *caps, char *out,
                  size_t cap)
{
    size_t      o = 0;
    const char *p = tpl;

    while (*p != '\0') {
        const char *val = p;
        size_t      vl = 1;
        char        tmp[64];

        if (p[0] == '$' && p[1] == '{') {
            const char *close = strchr(p + 2, '}');

            if (close != NULL) {
                val = lookup(r, p + 2, (size_t) (close - p - 2), &vl, tmp, sizeof(tmp));
                if (val == NULL)
                    vl = 0;
                p = close + 1;
                goto put;
            }
        } else if (p[0] == '$' && p[1] >= '0' && p[1] <= '9') {
            int n = p[1] - '0';

            vl = 0;
            if (caps != NULL && n < caps->n && caps->ovector[2 * n] != PCRE2_UNSET) {
                val = caps->subject + caps->ovector[2 * n];
                vl = caps->ovector[2 * n + 1] - caps->ovector[2 * n];
            }
            p += 2;
            goto put;
        }
        p++;
    put:
        if (cap - o < vl + 1)
            return -1;
        if (vl > 0)
            memcpy(out + o, val, vl);
        o += vl;
    }
    out[o] = '\0';
    return (ssize_t) o;
}

int
weft_route_set_var(weft_req_t *r, const char *key, size_t kl, const char *value, size_t vl)
{
    const char *v = weft_route_keep(r, value, vl);
    const char *k;
    unsigned    i;

    if (v == NULL)
        return WEFT_ERROR;
    for (i = 0; i < r->pub.nvars; i++) {
        weft_var_t *var = &r->vars[i];

        if (var->key_len == kl && memcmp(var->key, key, kl) == 0) {
            var->value = v;
            var->value_len = (uint32_t) vl;
            weft_vars_index(r);
            return WEFT_OK;
        }
    }
    if ((k = weft_route_keep(r, key, kl)) == NULL)
        return WEFT_ERROR;
    if (r->pub.nvars == r->vars_cap) {
        weft_var_t *nv = realloc(r->vars, (r->vars_cap + 8) * sizeof(*nv));

        if (nv == NULL)
            return WEFT_ERROR;
        r->vars = nv;
        r->vars_cap += 8;
        r->pub.vars = nv;
    }
    weft_vars_add_ref(r, k, kl, v, vl);
    weft_vars_index(r);           /* r->known may point into the old array */
    return WEFT_OK;
}
