/*
 * core/http_rules.h - the HTTP rules, kept once: field names (tokens),
 * field values, status lines, Content-Length and bodiless responses.
 *
 * The request parser, the response path, static files and every plugin
 * (through api->valid_header_name and its neighbours) use these; nothing
 * else in weft may keep its own copy of a rule.
 */
#ifndef WEFT_CORE_HTTP_RULES_H
#define WEFT_CORE_HTTP_RULES_H

#include <stddef.h>
#include <stdint.h>

#include <weft/request.h>

/* RFC 9110 5.6.2 tchar: 1 for each byte that may appear in a token. */
extern const unsigned char weft_http_tchar[256];

/* 1 when s[0..len) is a token (a field name, a method): not empty, tchar
 * only.  Else 0. */
int     weft_http_valid_name(const char *s, size_t len);

/* 1 when byte ch may appear in a field value: VCHAR, obs-text (0x80-0xFF),
 * SP and HTAB.  CR, LF, NUL, DEL and every other control byte may not.
 * (Inline: the request parser asks it of every byte of every header.) */
static inline int
weft_http_value_char(unsigned char ch)
{
    return ch == '\t' || (ch >= 0x20 && ch != 0x7f);
}

/* 1 when every byte of s[0..len) may appear in a field value (an empty
 * value is valid).  Else 0. */
int     weft_http_valid_value(const char *s, size_t len);

/* The code of a status line without the protocol ("404 Not Found", "204",
 * "200 "): three digits making 100..999, then the end, or SP and a reason
 * phrase that is a valid field value.  -1 when malformed. */
int     weft_http_parse_status(const char *s, size_t len);

/* A Content-Length value: one or more decimal digits, nothing else (no
 * sign, no space), at most INT64_MAX.  The length, or -1 when malformed. */
int64_t weft_http_parse_content_length(const char *s, size_t len);

/* 0 when a response with this status carries no body (1xx, 204, 304, or
 * any status when head is set, the answer to HEAD), else 1. */
int     weft_http_body_allowed(int status, int head);

/* 1 when a response with this status may state a Content-Length: not 1xx
 * or 204 (RFC 9110 8.6); 304 and the answer to HEAD may. */
int     weft_http_length_allowed(int status);

/* weft_http_body_allowed() for the response to r (api->status_has_body). */
int     weft_http_status_has_body(weft_request_t *r, int status);

#endif /* WEFT_CORE_HTTP_RULES_H */
