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
#include "http_rules.h"
#include "log.h"
#include "proto.h"

static uint16_t
le16(const char *p)
{
    return (uint16_t) ((unsigned char) p[0] | ((unsigned char) p[1] << 8));
}

/* CONTENT_LENGTH among a packet's variables: the length, 0 when absent,
 * -1 when it is not a number.  (A malformed packet is refused later, by
 * weft_uwsgi_build_request.) */
static int64_t
content_length(const char *p, size_t len)
{
    const char *end = p + len;

    while (end - p >= 2) {
        uint16_t kl = le16(p), vl;

        p += 2;
        if (end - p < kl + 2)
            return 0;
        vl = le16(p + kl);
        if (end - p - kl - 2 < vl)
            return 0;
        if (kl == 14 && memcmp(p, "CONTENT_LENGTH", 14) == 0)
            /* nginx sends an empty one for no body */
            return vl == 0 ? 0 : weft_http_parse_content_length(p + kl + 2, vl);
        p += kl + 2 + vl;
    }
    return 0;
}

int
weft_uwsgi_parse_head(weft_conn_t *c)
{
    size_t      avail = c->in_end - c->in_pos;
    const char *p = c->in + c->in_pos;
    int64_t     left;

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
    /* The body's length is known before a core takes the request, so the
     * loop can buffer it. */
    left = content_length(p + 4, c->packet_len);
    if (left < 0) {
        weft_log(WEFT_LOG_WARN, "uwsgi request from %s has a bad CONTENT_LENGTH: closing",
                 c->peer_addr);
        c->head_error = 0;
        return WEFT_ERROR;
    }
    if (weft_conf.limit_post && (uint64_t) left > weft_conf.limit_post) {
        c->head_error = 413;
        c->head_why = "its CONTENT_LENGTH is over --limit-post";
        return WEFT_ERROR;
    }
    c->in_pos += 4 + (size_t) c->packet_len;
    c->head_end = c->in_pos;
    weft_body_start(c, left);
    return WEFT_OK;
}

int
weft_uwsgi_build_request(weft_conn_t *c, weft_req_t *r)
{
    /* The packet ends where the body begins (weft_uwsgi_parse_head). */
    const char *p = c->in + c->head_end - c->packet_len;
    const char *end = p + c->packet_len;

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
    weft_vars_index(r);

    r->pub.modifier1 = c->modifier1;
    r->pub.modifier2 = c->modifier2;
    r->pub.flags = 0;
    if (r->pub.method.len == 4 && memcmp(r->pub.method.data, "HEAD", 4) == 0)
        r->pub.flags |= WEFT_REQ_HEAD;
    if (weft_req_facts(c, r, NULL, 0) != WEFT_OK)
        goto bad;

    r->pub.content_length = c->body_expect;
    return WEFT_OK;

bad:
    weft_log(WEFT_LOG_WARN, "malformed uwsgi packet from %s (%u bytes): closing",
             c->peer_addr, c->packet_len);
    c->head_error = 0;
    return WEFT_ERROR;
}
