/*
 * core/proto_http.c - HTTP/1.1 requests on Debian's libhttp-parser.
 *
 * The parser runs over the connection's input buffer.  Header fields and
 * the URL are recorded as offsets (a head may arrive in many reads, and the
 * buffer may move as it grows).  The parser pauses when it hands out body
 * bytes or completes a message, so a pipelined request behind this one stays
 * unparsed until this one is answered.
 *
 * Request smuggling shapes (Content-Length with Transfer-Encoding, repeated
 * Content-Length, bad chunk sizes, a Transfer-Encoding that does not end in
 * chunked) are refused by the parser; a space before a header's colon is
 * refused here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <weft/status.h>
#include "conf.h"
#include "conn.h"
#include "http_rules.h"
#include "log.h"
#include "proto.h"

static int on_message_begin(http_parser *p);
static int on_url(http_parser *p, const char *at, size_t len);
static int on_header_field(http_parser *p, const char *at, size_t len);
static int on_header_value(http_parser *p, const char *at, size_t len);
static int on_headers_complete(http_parser *p);
static int on_body(http_parser *p, const char *at, size_t len);
static int on_message_complete(http_parser *p);

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void
weft_http_reset(weft_conn_t *c)
{
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    c->nhdrs = 0;
    c->url_len = 0;
    c->head_done = 0;
    c->head_error = 0;
    c->head_why = NULL;
    c->last_was_value = 0;
}

static int
on_message_begin(http_parser *p)
{
    weft_conn_t *c = p->data;

    c->nhdrs = 0;
    c->url_off = 0;
    c->url_len = 0;
    c->last_was_value = 0;
    return 0;
}

static int
on_url(http_parser *p, const char *at, size_t len)
{
    weft_conn_t *c = p->data;

    if (c->url_len == 0)
        c->url_off = (uint32_t) (at - c->in);
    c->url_len += (uint32_t) len;
    return 0;
}

static int
on_header_field(http_parser *p, const char *at, size_t len)
{
    weft_conn_t *c = p->data;
    weft_hdr_t  *h;

    /* A trailer (a field after a chunked body) is no part of the request:
     * the head was checked and may already be a request, and the bytes
     * past it do not stay in the buffer.  Dropped, as its value is. */
    if (c->head_done)
        return 0;
    if (c->nhdrs == 0 || c->last_was_value) {
        if (c->nhdrs >= (unsigned) weft_conf.max_headers) {
            c->head_error = 431;
            c->head_why = "more header fields than --max-headers";
            return -1;
        }
        if (c->nhdrs == c->hdrs_cap) {
            unsigned    cap = c->hdrs_cap ? c->hdrs_cap * 2 : 16;
            weft_hdr_t *n = realloc(c->hdrs, cap * sizeof(*n));
            if (n == NULL) {
                c->head_error = 500;
                return -1;
            }
            c->hdrs = n;
            c->hdrs_cap = cap;
        }
        h = &c->hdrs[c->nhdrs++];
        h->name_off = (uint32_t) (at - c->in);
        h->name_len = 0;
        h->value_off = 0;
        h->value_len = 0;
        c->last_was_value = 0;
    }
    c->hdrs[c->nhdrs - 1].name_len += (uint32_t) len;
    return 0;
}

/*
 * A value may come in pieces: across reads, and around an obsolete line
 * fold, which the parser skips ("1" then "continued" for "1\r\n continued").
 * The value runs from its first byte to the end of its last piece, so a
 * fold stays inside it (as CR, LF and blanks, made spaces once the head is
 * in); adding up the pieces' lengths instead would cut the value short.
 */
static int
on_header_value(http_parser *p, const char *at, size_t len)
{
    weft_conn_t *c = p->data;
    weft_hdr_t  *h;
    uint32_t     off = (uint32_t) (at - c->in);

    if (c->head_done)
        return 0;                       /* a trailer's (on_header_field) */
    h = &c->hdrs[c->nhdrs - 1];
    if (!c->last_was_value) {
        h->value_off = off;
        c->last_was_value = 1;
    }
    h->value_len = off + (uint32_t) len - h->value_off;
    return 0;
}

/*
 * An obsolete line fold becomes spaces (RFC 9112 5.2), in place, and the
 * blanks after the value go (they are not part of it, RFC 9110 5.5).  The
 * same pass holds every other byte to the one rule for field values.
 */
static int
clean_value(weft_conn_t *c, weft_hdr_t *h)
{
    char    *v = c->in + h->value_off;
    uint32_t k, j;

    for (k = 0; k < h->value_len; k++) {
        if (v[k] != '\r' && v[k] != '\n') {
            if (!weft_http_value_char((unsigned char) v[k]))
                return 0;
            continue;
        }
        /* the fold: OWS CRLF RWS, every byte of it a space */
        for (j = k; j > 0 && v[j - 1] == '\t'; j--)
            v[j - 1] = ' ';
        for (; k < h->value_len && (v[k] == '\r' || v[k] == '\n' || v[k] == ' '
                                     || v[k] == '\t'); k++)
            v[k] = ' ';
        k--;                            /* the loop's k++ looks at the next byte */
    }
    while (h->value_len > 0 && (v[h->value_len - 1] == ' ' || v[h->value_len - 1] == '\t'))
        h->value_len--;
    return 1;
}

static int
name_is(const weft_conn_t *c, const weft_hdr_t *h, const char *name)
{
    size_t n = strlen(name);
    return h->name_len == n && strncasecmp(c->in + h->name_off, name, n) == 0;
}

/* Two fields with one name (which, as a CGI variable, is one variable). */
static int
same_name(const weft_conn_t *c, const weft_hdr_t *a, const weft_hdr_t *b)
{
    return a->name_len == b->name_len
           && strncasecmp(c->in + a->name_off, c->in + b->name_off, a->name_len) == 0;
}

/* Check the whole head once it is in; decide keep-alive and the body. */
static int
on_headers_complete(http_parser *p)
{
    weft_conn_t *c = p->data;
    unsigned     i, hosts = 0;

    c->head_done = 1;
    if (p->http_major != 1) {
        c->head_error = 505;
        return -1;
    }
    c->http10 = p->http_minor == 0;
    c->keepalive = http_should_keep_alive(p) ? 1 : 0;
    c->upgrade = p->upgrade ? 1 : 0;
    c->expect_continue = 0;
    c->continue_sent = 0;

    for (i = 0; i < c->nhdrs; i++) {
        weft_hdr_t *h = &c->hdrs[i];

        if (!weft_http_valid_name(c->in + h->name_off, h->name_len)
            || !clean_value(c, h)) {
            c->head_error = 400;   /* "Host : x", a control byte and the like */
            return -1;
        }
        if (name_is(c, h, "host"))
            hosts++;
        else if (name_is(c, h, "expect")) {
            if (h->value_len == 12
                && strncasecmp(c->in + h->value_off, "100-continue", 12) == 0) {
                if (!c->http10)
                    c->expect_continue = 1;
            } else {
                c->head_error = 417;
                return -1;
            }
        }
    }
    /* RFC 9112 3.2: exactly one Host in HTTP/1.1. */
    if (hosts > 1 || (hosts == 0 && !c->http10)) {
        c->head_error = 400;
        return -1;
    }

    /* CONNECT has no content (RFC 9110 9.3.6), and the parser reads none
     * after its head: one that declares some would have an app wait for
     * bytes that never come as its body. */
    if (p->method == HTTP_CONNECT
        && ((p->flags & F_CHUNKED) || ((p->flags & F_CONTENTLENGTH) && p->content_length > 0))) {
        c->head_error = 400;
        return -1;
    }
    if (p->flags & F_CHUNKED) {
        weft_body_start(c, -1);
    } else if (p->flags & F_CONTENTLENGTH) {
        weft_body_start(c, (int64_t) p->content_length);
        if (weft_conf.limit_post && p->content_length > weft_conf.limit_post) {
            c->head_error = 413;
            c->head_why = "its Content-Length is over --limit-post";
            return -1;
        }
    } else {
        weft_body_start(c, 0);
    }
    return 0;
}

static int
on_body(http_parser *p, const char *at, size_t len)
{
    weft_conn_t *c = p->data;

    if (weft_conf.limit_post && c->body_read + c->body_len + len > weft_conf.limit_post) {
        c->body_error = 413;
        c->head_why = "the body grew over --limit-post";
        return -1;
    }
    c->body_ptr = at;
    c->body_len = len;
    http_parser_pause(p, 1);
    return 0;
}

static int
on_message_complete(http_parser *p)
{
    weft_conn_t *c = p->data;

    c->body_done = 1;
    http_parser_pause(p, 1);
    return 0;
}

/* Run the parser over the unconsumed input; returns its errno. */
static enum http_errno
execute(weft_conn_t *c)
{
    size_t n;

    if (HTTP_PARSER_ERRNO(&c->parser) == HPE_PAUSED)
        http_parser_pause(&c->parser, 0);
    n = http_parser_execute(&c->parser, &settings, c->in + c->in_pos, c->in_end - c->in_pos);
    c->in_pos += n;
    return HTTP_PARSER_ERRNO(&c->parser);
}

int
weft_http_parse_head(weft_conn_t *c)
{
    enum http_errno e;

    if (c->in_pos == c->in_end)
        return WEFT_AGAIN;
    e = execute(c);
    if (e != HPE_OK && e != HPE_PAUSED) {
        if (c->head_error == 0)
            c->head_error = c->body_error ? c->body_error
                            : e == HPE_HEADER_OVERFLOW ? 431 : 400;
        weft_log(WEFT_LOG_DEBUG, "bad request head from %s:%s: %s (answering %d)",
                 c->peer_addr, c->peer_port, http_errno_description(e), c->head_error);
        return WEFT_ERROR;
    }
    return c->head_done ? WEFT_OK : WEFT_AGAIN;
}

int
weft_http_body_step(weft_conn_t *c)
{
    enum http_errno e;
    size_t          before = c->in_pos;

    if (c->body_done || c->body_len > 0)
        return WEFT_OK;
    if (c->in_pos == c->in_end)
        return WEFT_AGAIN;
    e = execute(c);
    if (e != HPE_OK && e != HPE_PAUSED) {
        if (c->body_error == 0)
            c->body_error = 400;
        weft_log(WEFT_LOG_DEBUG, "bad request body from %s:%s: %s", c->peer_addr,
                 c->peer_port, http_errno_description(e));
        return WEFT_ERROR;
    }
    if (c->body_len > 0 || c->body_done || c->in_pos != before)
        return c->body_len > 0 || c->body_done ? WEFT_OK : WEFT_AGAIN;
    return WEFT_AGAIN;
}

/* The variables every request has besides its headers. */
#define FIXED_VARS (7 + WEFT_FACTS_VARS)

#define ADD(k, v, vl) do { \
        if (weft_vars_add(r, k, sizeof(k) - 1, v, vl) == NULL) goto overflow; \
    } while (0)

int
weft_http_build_request(weft_conn_t *c, weft_req_t *r)
{
    struct http_parser_url u;
    const char            *url = c->in + c->url_off;
    const char            *method = http_method_str((enum http_method) c->parser.method);
    const char            *authority = NULL, *path = url, *query = "";
    size_t                 alen = 0, pathl = c->url_len, queryl = 0;
    ssize_t                dl;
    char                  *decoded;
    weft_var_t            *pv;
    size_t                 need;
    unsigned               i;

    http_parser_url_init(&u);
    if (c->url_len == 1 && url[0] == '*') {
        pathl = 0;                                 /* OPTIONS * */
    } else if (http_parser_parse_url(url, c->url_len,
                                     c->parser.method == HTTP_CONNECT, &u) != 0) {
        c->head_error = 400;
        return WEFT_ERROR;
    } else {
        path = u.field_set & (1 << UF_PATH) ? url + u.field_data[UF_PATH].off : "/";
        pathl = u.field_set & (1 << UF_PATH) ? u.field_data[UF_PATH].len : 1;
        if (u.field_set & (1 << UF_QUERY)) {
            query = url + u.field_data[UF_QUERY].off;
            queryl = u.field_data[UF_QUERY].len;
        }
        if (u.field_set & (1 << UF_HOST)) {
            /* An absolute-form target's authority wins over Host (RFC 9112
             * 3.2.2): from its host ('[' included) to its port's end. */
            size_t from = u.field_data[UF_HOST].off;
            size_t to = from + u.field_data[UF_HOST].len;

            if (from > 0 && url[from - 1] == '[')
                from--;
            if (to < c->url_len && url[to] == ']')
                to++;
            if (u.field_set & (1 << UF_PORT))
                to = (size_t) u.field_data[UF_PORT].off + u.field_data[UF_PORT].len;
            authority = url + from;
            alen = to - from;
        }
    }
    for (i = 0; i < c->nhdrs && authority == NULL; i++) {
        const weft_hdr_t *h = &c->hdrs[i];
        if (name_is(c, h, "host")) {
            authority = c->in + h->value_off;
            alen = h->value_len;
        }
    }
    if (authority == NULL)
        authority = "";                             /* HTTP/1.0 without Host */

    /*
     * The arena is sized to what this head needs, no more: it is held for
     * as long as the request waits, so with a thousand requests asleep every
     * spare byte counts a thousand times.  Each name is counted with its
     * NUL; a header costs at most "HTTP_" + name + NUL + value + ", ".
     */
    need = sizeof("REQUEST_METHOD") + strlen(method) + 1
           + sizeof("REQUEST_URI") + c->url_len + 1
           + sizeof("PATH_INFO") + pathl + 1
           + sizeof("QUERY_STRING") + queryl + 1
           + sizeof("SERVER_PROTOCOL") + sizeof("HTTP/1.1")
           + weft_req_facts_room(alen)
           + sizeof("REMOTE_ADDR") + sizeof(c->peer_addr)
           + sizeof("REMOTE_PORT") + sizeof(c->peer_port);
    for (i = 0; i < c->nhdrs; i++)
        need += 5 + (size_t) c->hdrs[i].name_len + 1 + c->hdrs[i].value_len + 2;
    if (weft_vars_reserve(r, need, c->nhdrs + FIXED_VARS) != WEFT_OK) {
        c->head_error = 500;
        return WEFT_ERROR;
    }

    ADD("REQUEST_METHOD", method, strlen(method));
    ADD("REQUEST_URI", url, c->url_len);
    /* PATH_INFO is the path percent-decoded once, in place in the arena. */
    pv = weft_vars_add(r, "PATH_INFO", 9, path, pathl);
    if (pv == NULL)
        goto overflow;
    decoded = (char *) pv->value;
    dl = weft_percent_decode(decoded, decoded, pathl);
    if (dl < 0) {
        c->head_error = 400;                /* %00 in the path */
        return WEFT_ERROR;
    }
    pv->value_len = (uint32_t) dl;
    ADD("QUERY_STRING", query, queryl);
    ADD("SERVER_PROTOCOL", c->http10 ? "HTTP/1.0" : "HTTP/1.1", 8);
    ADD("REMOTE_ADDR", c->peer_addr, strlen(c->peer_addr));
    ADD("REMOTE_PORT", c->peer_port, strlen(c->peer_port));

    /* A field that repeats is one variable, its values joined in order. */
    for (i = 0; i < c->nhdrs; i++) {
        const weft_hdr_t *h = &c->hdrs[i];
        weft_var_t       *var;
        unsigned          j;

        for (j = 0; j < i && !same_name(c, &c->hdrs[j], h); j++)
            ;
        if (j < i)
            continue;                       /* joined to its first */
        if (weft_vars_add_header(r, c->in + h->name_off, h->name_len,
                                 c->in + h->value_off, h->value_len, &var) != WEFT_OK)
            goto overflow;
        for (j = i + 1; var != NULL && j < c->nhdrs; j++)
            if (same_name(c, &c->hdrs[j], h)
                && weft_vars_append_value(r, var, c->in + c->hdrs[j].value_off,
                                          c->hdrs[j].value_len) != WEFT_OK)
                goto overflow;
    }
    weft_vars_index(r);

    r->pub.flags = 0;
    if (weft_req_facts(c, r, authority, alen) != WEFT_OK) {
        if (c->head_error == 0)
            c->head_error = 431;
        return WEFT_ERROR;
    }
    if (c->body_left < 0) {
        r->pub.flags |= WEFT_REQ_CHUNKED_BODY;
        r->pub.content_length = -1;
    } else {
        r->pub.content_length = c->body_left;
    }
    if (c->parser.method == HTTP_HEAD)
        r->pub.flags |= WEFT_REQ_HEAD;
    if (c->upgrade)
        c->keepalive = 0;          /* no protocol switch: finish and close */
    if (c->keepalive)
        r->pub.flags |= WEFT_REQ_KEEPALIVE;
    r->pub.modifier1 = (uint8_t) (c->ls->modifier1 >= 0 ? c->ls->modifier1 : 0);
    r->pub.modifier2 = 0;
    return WEFT_OK;

overflow:
    c->head_error = 431;
    return WEFT_ERROR;
}
