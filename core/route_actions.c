/*
 * core/route_actions.c - what a matched rule does, the response header
 * edits made when the head is written, and the answers routes give
 * themselves (break:, return:, redirect:, basicauth:'s 401).
 */
#include "config.h"

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <weft/status.h>
#include "conn.h"
#include "log.h"
#include "route.h"
#include "threads.h"

#define ARG_MAX_LEN 8192

/* An action's expanded argument: per serving thread, made at its first
 * action (--threads: kept off each thread's static TLS block). */
static WEFT_TLS char *arg_buf;

/* ------------------------------------------------------------ basicauth */

static int
b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decode base64 src into dst (room for cap bytes, NUL-terminated); its
 * length, or -1 when it is not base64 or does not fit. */
static ssize_t
b64decode(const char *src, size_t len, char *dst, size_t cap)
{
    size_t   i, o = 0;
    unsigned acc = 0;
    int      bits = 0;

    for (i = 0; i < len && src[i] != '='; i++) {
        int v = b64val((unsigned char) src[i]);

        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned) v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o + 1 >= cap)
                return -1;
            dst[o++] = (char) ((acc >> bits) & 0xff);
        }
    }
    dst[o] = '\0';
    return (ssize_t) o;
}

/* Whether "user:password" is in an htpasswd file (crypt(3) hashes:
 * bcrypt, SHA-512/256, MD5, DES). */
static int
htpasswd_ok(const char *file, const char *user, size_t ul, const char *password)
{
    struct crypt_data *cd;              /* 32 KiB: per call, off the stack */
    char               line[1024];
    FILE              *f = fopen(file, "r");
    int                ok = 0;

    if (f == NULL) {
        weft_log(WEFT_LOG_ERROR, "basicauth: %s: %m", file);
        return 0;
    }
    if ((cd = malloc(sizeof(*cd))) == NULL) {
        weft_log(WEFT_LOG_ERROR, "basicauth: out of memory");
        fclose(f);
        return 0;
    }
    while (!ok && fgets(line, sizeof(line), f) != NULL) {
        char       *hash;
        const char *out;

        line[strcspn(line, "\r\n")] = '\0';
        if ((hash = strchr(line, ':')) == NULL || (size_t) (hash - line) != ul
            || memcmp(line, user, ul) != 0)
            continue;
        hash++;
        memset(cd, 0, sizeof(*cd));
        out = crypt_r(password, hash, cd);
        ok = out != NULL && out[0] != '*' && strcmp(out, hash) == 0;
    }
    free(cd);
    fclose(f);
    return ok;
}

/* basicauth:REALM,USER:PASSWORD or basicauth:REALM,FILE: NEXT with
 * REMOTE_USER set when the request's credentials match, else a 401. */
static int
basicauth(weft_req_t *r, const char *arg)
{
    struct weft_route_req_s *st;
    const char              *comma = strchr(arg, ',');
    const char              *creds = comma + 1, *auth, *colon;
    size_t                   al;
    char                     dec[512];
    ssize_t                  dl = -1;

    auth = weft_var_get(&r->pub, "HTTP_AUTHORIZATION", &al);
    if (auth != NULL && al > 6 && strncasecmp(auth, "Basic ", 6) == 0) {
        auth += 6;
        al -= 6;
        while (al > 0 && *auth == ' ')
            auth++, al--;
        dl = b64decode(auth, al, dec, sizeof(dec));
    }
    if (dl > 0 && (colon = memchr(dec, ':', (size_t) dl)) != NULL) {
        size_t ul = (size_t) (colon - dec);
        int    ok;

        if (strchr(creds, ':') != NULL)
            ok = strcmp(creds, dec) == 0;
        else
            ok = *creds != '\0' && htpasswd_ok(creds, dec, ul, colon + 1);
        if (ok)
            return weft_route_set_var(r, "REMOTE_USER", 11, dec, ul) == WEFT_OK
                       ? WEFT_ROUTE_NEXT : WEFT_ERROR;
    }
    if ((st = weft_route_state(r)) == NULL
        || (st->realm = weft_route_keep(r, arg, (size_t) (comma - arg))) == NULL)
        return WEFT_ERROR;
    st->answer = 401;
    st->text_body = 1;
    return WEFT_ROUTE_BREAK;
}

/* ------------------------------------------------------------ actions */

/* A response header edit: "Name: value" (add) or "Name" (delete). */
static int
edit(weft_req_t *r, const char *arg, size_t len, int del)
{
    struct weft_route_req_s *st = weft_route_state(r);
    weft_route_edit_t       *e;
    const char              *colon = del ? NULL : memchr(arg, ':', len);
    const char              *copy;
    size_t                   nl = colon ? (size_t) (colon - arg) : len;

    if (st == NULL || st->nedits == WEFT_ROUTE_EDITS || (copy = weft_route_keep(r, arg, len)) == NULL)
        return WEFT_ERROR;
    e = &st->edits[st->nedits++];
    e->del = del;
    e->name = copy;
    e->nlen = nl;
    while (nl > 0 && copy[nl - 1] == ' ')
        e->nlen = --nl;
    if (!del) {
        const char *v = copy + (colon - arg) + 1;

        while (*v == ' ')
            v++;
        e->value = v;
        e->vlen = (size_t) (copy + len - v);
    }
    r->route_head = 1;
    return WEFT_ROUTE_NEXT;
}

/* rewrite:PATH[?QUERY]: PATH_INFO (percent-decoded) and QUERY_STRING. */
static int
rewrite(weft_req_t *r, char *arg, size_t len)
{
    char   *q = memchr(arg, '?', len);
    size_t  pl = q ? (size_t) (q - arg) : len;
    ssize_t dl;

    if (q != NULL && weft_route_set_var(r, "QUERY_STRING", 12, q + 1, len - pl - 1) != WEFT_OK)
        return WEFT_ERROR;
    if ((dl = weft_percent_decode(arg, arg, pl)) < 0)
        dl = (ssize_t) pl;            /* a %00: keep it as it is */
    return weft_route_set_var(r, "PATH_INFO", 9, arg, (size_t) dl) == WEFT_OK ? WEFT_ROUTE_NEXT
                                                                             : WEFT_ERROR;
}

/* Answer the request with a status (the route language sends it). */
static int
answer(weft_req_t *r, int code, const char *reason, int text_body)
{
    struct weft_route_req_s *st = weft_route_state(r);

    if (st == NULL)
        return WEFT_ERROR;
    st->answer = code;
    st->text_body = text_body;
    st->reason = reason != NULL && *reason != '\0' ? reason : NULL;
    return WEFT_ROUTE_BREAK;
}

int
weft_route_action(weft_req_t *r, const weft_route_t *rt, const weft_route_caps_t *caps)
{
    ssize_t     len = 0;
    const char *kept;
    char       *eq;

    switch (rt->act) {
    case WEFT_RACT_DONOTLOG:
        r->no_log = 1;
        return WEFT_ROUTE_NEXT;
    case WEFT_RACT_CHUNKED:
        r->route_chunked = 1;
        r->route_head = 1;
        return WEFT_ROUTE_NEXT;
    case WEFT_RACT_LAST:
        return WEFT_ROUTE_CONTINUE;
    case WEFT_RACT_GOTO:
        return WEFT_ROUTE_GOTO;
    case WEFT_RACT_BREAK:
        if (rt->code == 0)
            return answer(r, -1, NULL, 0);
        break;
    default:
        break;
    }
    if (arg_buf == NULL && (arg_buf = malloc(ARG_MAX_LEN)) == NULL) {
        weft_log(WEFT_LOG_ERROR, "routes: out of memory");
        return WEFT_ERROR;
    }
    if ((len = weft_route_expand(r, rt->arg, caps, arg_buf, ARG_MAX_LEN)) < 0)
        return WEFT_ERROR;
    switch (rt->act) {
    case WEFT_RACT_BREAK:
    case WEFT_RACT_RETURN:
        kept = len > 0 ? weft_route_keep(r, arg_buf, (size_t) len) : NULL;
        if (len > 0 && kept == NULL)
            return WEFT_ERROR;
        return answer(r, rt->code, kept, rt->act == WEFT_RACT_RETURN);
    case WEFT_RACT_ADDHEADER:
        return edit(r, arg_buf, (size_t) len, 0);
    case WEFT_RACT_DELHEADER:
        return edit(r, arg_buf, (size_t) len, 1);
    case WEFT_RACT_REDIRECT:
        if ((kept = weft_route_keep(r, arg_buf, (size_t) len)) == NULL
            || answer(r, rt->code, NULL, 0) != WEFT_ROUTE_BREAK)
            return WEFT_ERROR;
        r->route->location = kept;
        return WEFT_ROUTE_BREAK;
    case WEFT_RACT_REWRITE:
        return rewrite(r, arg_buf, (size_t) len);
    case WEFT_RACT_REWRITE_LAST:
        return rewrite(r, arg_buf, (size_t) len) == WEFT_ROUTE_NEXT ? WEFT_ROUTE_CONTINUE
                                                                    : WEFT_ERROR;
    case WEFT_RACT_SETPATHINFO:
        return weft_route_set_var(r, "PATH_INFO", 9, arg_buf, (size_t) len) == WEFT_OK
                   ? WEFT_ROUTE_NEXT : WEFT_ERROR;
    case WEFT_RACT_ADDVAR:
        if ((eq = strchr(arg_buf, '=')) == NULL || eq == arg_buf)
            return WEFT_ERROR;
        return weft_route_set_var(r, arg_buf, (size_t) (eq - arg_buf), eq + 1,
                                  (size_t) (arg_buf + len - eq - 1)) == WEFT_OK
                   ? WEFT_ROUTE_NEXT : WEFT_ERROR;
    case WEFT_RACT_BASICAUTH:
        return basicauth(r, arg_buf);
    default:
        break;
    }
    return WEFT_ERROR;
}

/* ------------------------------------------------------------ the head */

/* Take every "name: ...\r\n" line off the app's headers. */
static void
delete_header(weft_buf_t *h, const char *name, size_t nl)
{
    size_t pos = 0;

    while (pos < h->len) {
        char  *line = h->data + pos;
        char  *end = memchr(line, '\n', h->len - pos);
        size_t ll = end ? (size_t) (end - line) + 1 : h->len - pos;

        if (ll > nl && line[nl] == ':' && strncasecmp(line, name, nl) == 0) {
            memmove(line, line + ll, h->len - pos - ll);
            h->len -= ll;
        } else {
            pos += ll;
        }
    }
}

void
weft_route_head(weft_req_t *r, int64_t *length)
{
    struct weft_route_req_s *st = r->route;
    unsigned                 i;

    if (st != NULL) {
        for (i = 0; i < st->nedits; i++)
            if (st->edits[i].del)
                delete_header(&r->headers, st->edits[i].name, st->edits[i].nlen);
        for (i = 0; i < st->nedits; i++) {
            weft_route_edit_t *e = &st->edits[i];

            if (!e->del && weft_resp_add_header(&r->pub, e->name, e->nlen, e->value, e->vlen)
                               != WEFT_OK)
                weft_log(WEFT_LOG_WARN, "route addheader: '%.*s: %.*s' is not a valid header: not sent",
                         (int) e->nlen, e->name, (int) e->vlen, e->value);
        }
    }
    if (r->route_chunked && r->conn->ls->proto == WEFT_PROTO_HTTP && !r->conn->http10
        && !r->hijacking) {
        r->app_length = -1;
        *length = -1;
    }
}

/* ------------------------------------------------------------ answers */

static int
route_answer(weft_request_t *pub)
{
    weft_req_t              *r = weft_req(pub);
    struct weft_route_req_s *st = r->route;
    char                     line[160], body[200];
    int                      n, code = st->answer;

    if (code < 0) {
        /* break: without a code: close, nothing sent. */
        r->conn->keepalive = 0;
        r->conn->gone = 1;
        return WEFT_OK;
    }
    n = snprintf(line, sizeof(line), "%d %s", code,
                 st->reason ? st->reason : weft_http_reason(code));
    if (n >= (int) sizeof(line) || weft_resp_set_status(pub, line, (size_t) n) != WEFT_OK)
        weft_resp_set_status(pub, line, 3);
    if (st->location != NULL)
        weft_resp_add_header(pub, "Location", 8, st->location, strlen(st->location));
    if (st->realm != NULL) {
        char www[600];
        int  wl = snprintf(www, sizeof(www), "Basic realm=\"%s\"", st->realm);

        if (wl > 0 && wl < (int) sizeof(www))
            weft_resp_add_header(pub, "WWW-Authenticate", 16, www, (size_t) wl);
    }
    if (!st->text_body) {
        weft_resp_set_content_length(pub, 0);
        return WEFT_OK;
    }
    n = snprintf(body, sizeof(body), "%s\n", r->status);
    weft_resp_add_header(pub, "Content-Type", 12, "text/plain", 10);
    weft_resp_write(pub, body, (size_t) (n < (int) sizeof(body) ? n : (int) sizeof(body) - 1));
    return WEFT_OK;
}

const weft_language_t weft_route_language = {
    .size = sizeof(weft_language_t),
    .name = "route",
    .modifier1 = -1,
    .request = route_answer,
};
