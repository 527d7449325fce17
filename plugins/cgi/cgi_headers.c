/*
 * plugins/cgi/cgi_headers.c - the script's head (RFC 3875 section 6).
 *
 * A head is header lines ending in LF (or CRLF), then a blank line.  Three
 * fields are the server's: Status ("404 Not Found", or just "404"),
 * Location (a path: a local redirect, run here; anything else: a redirect
 * for the client, 302 unless Status says otherwise), and Content-Type,
 * which is passed on like every other field.  A head is checked whole
 * before anything is set on the response, so a bad one still gets a clean
 * 502.  A first line "HTTP/1.x NNN reason" is taken as the status, which
 * is how nph- scripts start (and what some non-nph scripts print).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cgi.h"

size_t
cgi_head_end(const char *buf, size_t len, size_t *scanned)
{
    size_t pos = *scanned;

    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t      eol;

        if (nl == NULL)
            break;
        eol = (size_t) (nl - buf);
        if (eol == pos || (eol == pos + 1 && buf[pos] == '\r'))
            return eol + 1;
        pos = eol + 1;
    }
    *scanned = pos;
    return 0;
}

/* One header line, split. */
typedef struct {
    const char  *name, *value;
    size_t       nlen, vlen;
    int          status_line;    /* "HTTP/1.x NNN reason": value is "NNN reason" */
} line_t;

typedef struct {
    const char  *buf;
    size_t       len, pos;
    unsigned     no;
} lines_t;

static int
named(const line_t *l, const char *what)
{
    return !l->status_line && l->nlen == strlen(what) && strncasecmp(l->name, what, l->nlen) == 0;
}

/* A quoted, printable piece of a bad line for the log. */
static void
quote(char *out, size_t outlen, const char *s, size_t n)
{
    size_t i, o = 0;

    if (outlen < 8)
        return;
    out[o++] = '"';
    for (i = 0; i < n && o + 5 < outlen; i++)
        out[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (i < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* "NNN" or "NNN reason" by the core's status rule, and final (no 1xx). */
static int
valid_status(const char *s, size_t n)
{
    return cgi_api->parse_status(s, n) >= 200;
}

/*
 * The next line of the head into *l: 1, 0 at the blank line, -1 when it
 * is malformed (why says how).
 */
static int
next_line(lines_t *ls, int nph, line_t *l, char *why, size_t whylen)
{
    const char *p = ls->buf + ls->pos, *nl, *colon;
    size_t      n;
    char        q[80];

    nl = memchr(p, '\n', ls->len - ls->pos);
    if (nl == NULL)
        return 0;                       /* cannot happen: the head ends in a blank line */
    n = (size_t) (nl - p);
    ls->pos += n + 1;
    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (n == 0)
        return 0;
    ls->no++;
    memset(l, 0, sizeof(*l));

    if (ls->no == 1 && (nph || (n > 5 && memcmp(p, "HTTP/", 5) == 0))) {
        /* HTTP/1.x NNN reason */
        if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != ' '
            || !valid_status(p + 9, n - 9)) {
            quote(q, sizeof(q), p, n);
            snprintf(why, whylen, "%s, not an HTTP status line", q);
            return -1;
        }
        l->status_line = 1;
        l->value = p + 9;
        l->vlen = n - 9;
        return 1;
    }

    colon = memchr(p, ':', n);
    quote(q, sizeof(q), p, n);
    if (colon == NULL || colon == p) {
        snprintf(why, whylen, "header line %u, %s, is not \"Name: value\"", ls->no, q);
        return -1;
    }
    l->name = p;
    l->nlen = (size_t) (colon - p);
    if (!cgi_api->valid_header_name(l->name, l->nlen)) {
        snprintf(why, whylen, "header line %u, %s, has a bad field name", ls->no, q);
        return -1;
    }
    l->value = colon + 1;
    l->vlen = (size_t) (p + n - l->value);
    while (l->vlen > 0 && (l->value[0] == ' ' || l->value[0] == '\t')) {
        l->value++;
        l->vlen--;
    }
    while (l->vlen > 0 && (l->value[l->vlen - 1] == ' ' || l->value[l->vlen - 1] == '\t'))
        l->vlen--;
    if (!cgi_api->valid_header_value(l->value, l->vlen)) {
        snprintf(why, whylen, "header line %u, %s, has a control character", ls->no, q);
        return -1;
    }
    return 1;
}

int
cgi_head_apply(weft_request_t *r, const char *buf, size_t len, int nph,
               const char **loc, size_t *loc_len, char *why, size_t whylen)
{
    lines_t      ls = { buf, len, 0, 0 };
    line_t       l;
    const char  *status = NULL, *location = NULL;
    size_t       slen = 0, llen = 0;
    int64_t      clen = -1;
    int          rc;
    char         q[80];

    /* Check everything first. */
    while ((rc = next_line(&ls, nph, &l, why, whylen)) > 0) {
        if (l.status_line || (!nph && named(&l, "Status"))) {
            if (!valid_status(l.value, l.vlen)) {
                quote(q, sizeof(q), l.value, l.vlen);
                snprintf(why, whylen, "Status %s is not a final HTTP status", q);
                return CGI_HEAD_BAD;
            }
            status = l.value;
            slen = l.vlen;
        } else if (named(&l, "Location")) {
            location = l.value;
            llen = l.vlen;
        } else if (named(&l, "Content-Length")) {
            int64_t n = cgi_api->parse_content_length(l.value, l.vlen);

            if (n < 0 || (clen >= 0 && n != clen)) {
                quote(q, sizeof(q), l.value, l.vlen);
                snprintf(why, whylen, "Content-Length %s is not a length (or contradicts another)", q);
                return CGI_HEAD_BAD;
            }
            clen = n;
        }
    }
    if (rc < 0)
        return CGI_HEAD_BAD;
    if (nph && status == NULL) {
        snprintf(why, whylen, "an nph- script must start with an HTTP status line");
        return CGI_HEAD_BAD;
    }

    /* A local redirect: the response is the target's (RFC 3875 6.2.2). */
    if (!nph && location != NULL && llen > 0 && location[0] == '/'
        && (llen == 1 || location[1] != '/')
        && (status == NULL || memcmp(status, "200", 3) == 0)) {
        *loc = location;
        *loc_len = llen;
        return CGI_HEAD_REDIRECT;
    }

    /* A client redirect is a 302 unless the script chose another status
     * (201 Created with its Location, 301, 303...). */
    if (!nph && location != NULL && llen > 0 && (status == NULL || memcmp(status, "200", 3) == 0))
        rc = cgi_api->set_status(r, "302 Found", 9);
    else if (status != NULL)
        rc = cgi_api->set_status(r, status, slen);
    else
        rc = WEFT_OK;
    if (rc != WEFT_OK) {
        snprintf(why, whylen, "the server refused its status");
        return CGI_HEAD_BAD;
    }
    ls.pos = 0;
    ls.no = 0;
    while (next_line(&ls, nph, &l, why, whylen) > 0) {
        if (l.status_line || (!nph && named(&l, "Status")) || named(&l, "Content-Length"))
            continue;
        if (cgi_api->add_header(r, l.name, l.nlen, l.value, l.vlen) != WEFT_OK) {
            quote(q, sizeof(q), l.name, l.nlen);
            snprintf(why, whylen, "the server refused its header %s", q);
            return CGI_HEAD_BAD;
        }
    }
    if (clen >= 0 && cgi_api->set_content_length(r, (uint64_t) clen) != WEFT_OK) {
        snprintf(why, whylen, "the server refused its Content-Length");
        return CGI_HEAD_BAD;
    }
    return CGI_HEAD_RESPONSE;
}
