/*
 * core/proto_uwsgi.c - the uwsgi binary protocol (nginx's uwsgi_pass).
 *
 * A packet is a 4-byte header (modifier1, a 16-bit little-endian size,
 * modifier2) and `size` bytes of variables, each a 16-bit little-endian
 * key length, the key, a 16-bit value length and the value.  The body,
 * CONTENT_LENGTH bytes of it, follows.  One request per connection.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include "conf.h"
#include "conn.h"
#include "log.h"
#include "proto.h"

static uint16_t
le16(const char *p)
{
    return (uint16_t) ((unsigned char) p[0] | ((unsigned char) p[1] << 8));
}

int
weft_uwsgi_parse_head(weft_conn_t *c)
{
    size_t avail = c->in_end - c->in_pos;
    const char *p = c->in + c->in_pos;

    if (avail < 4)
        return WEFT_AGAIN;
    c->modifier1 = (uint8_t) p[0];
    c->packet_len = le16(p + 1);
    c->modifier2 = (uint8_t) p[3];
    if (c->packet_len > weft_conf.buffer_size) {
        weft_log(WEFT_LOG_WARN, "uwsgi packet of %u bytes from %s is over --buffer-size %zu: closing",
                 c->packet_len, c->peer_addr, weft_conf.buffer_size);
        c->head_error = 0;
        return WEFT_ERROR;
    }
    if (avail < 4 + (size_t) c->packet_len)
        return WEFT_AGAIN;
    c->head_done = 1;
    c->keepalive = 0;
    c->http10 = 0;
    c->expect_continue = 0;
    c->upgrade = 0;
    return WEFT_OK;
}

/* Parse a decimal CONTENT_LENGTH; -1 when it is not one. */
static int64_t
parse_length(const char *s, size_t n)
{
    int64_t v = 0;
    size_t  i;

    if (n == 0 || n > 18)
        return n == 0 ? 0 : -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int
weft_uwsgi_build_request(weft_conn_t *c, weft_req_t *r)
{
    const char *p = c->in + c->in_pos + 4;
    const char *end = p + c->packet_len;
    unsigned    i;

    /* Each variable takes at least 4 bytes of the packet. */
    if (weft_vars_reserve(r, (size_t) c->packet_len + 64 + weft_req_facts_room(WEFT_FACTS_HOST_MAX),
                          c->packet_len / 4 + 1 + WEFT_FACTS_VARS) != WEFT_OK) {
        c->head_error = 0;
        return WEFT_ERROR;
    }
    while (p < end) {
        uint16_t    kl, vl;
        const char *k, *v;

        if (end - p < 2)
            goto bad;
        kl = le16(p);
        p += 2;
        if (kl == 0 || end - p < kl + 2)
            goto bad;
        k = p;
        p += kl;
        vl = le16(p);
        p += 2;
        if (end - p < vl)
            goto bad;
        v = p;
        p += vl;
        if (weft_vars_add_cgi(r, k, kl, v, vl) != WEFT_OK)
            goto bad;
    }
    c->in_pos += 4 + (size_t) c->packet_len;
    weft_vars_index(r);

    r->pub.modifier1 = c->modifier1;
    r->pub.modifier2 = c->modifier2;
    r->pub.flags = 0;
    if (r->pub.method.len == 4 && memcmp(r->pub.method.data, "HEAD", 4) == 0)
        r->pub.flags |= WEFT_REQ_HEAD;
    if (weft_req_facts(c, r, NULL, 0) != WEFT_OK)
        goto bad;

    c->body_left = 0;
    for (i = 0; i < r->pub.nvars; i++) {
        const weft_var_t *v = &r->vars[i];
        if (v->key_len == 14 && memcmp(v->key, "CONTENT_LENGTH", 14) == 0) {
            c->body_left = parse_length(v->value, v->value_len);
            break;
        }
    }
    if (c->body_left < 0) {
        weft_log(WEFT_LOG_WARN, "uwsgi request from %s has a bad CONTENT_LENGTH: closing",
                 c->peer_addr);
        c->head_error = 0;
        return WEFT_ERROR;
    }
    if (weft_conf.limit_post && (uint64_t) c->body_left > weft_conf.limit_post) {
        c->head_error = 413;
        return WEFT_ERROR;
    }
    r->pub.content_length = c->body_left;
    c->body_done = c->body_left == 0;
    c->body_read = 0;
    c->body_ptr = NULL;
    c->body_len = 0;
    c->body_error = 0;
    return WEFT_OK;

bad:
    weft_log(WEFT_LOG_WARN, "malformed uwsgi packet from %s (%u bytes): closing",
             c->peer_addr, c->packet_len);
    c->head_error = 0;
    return WEFT_ERROR;
}
