/*
 * core/http_rules.c - the HTTP rules, kept once (see http_rules.h).
 */
#include "config.h"

#include "http_rules.h"

#define T1(c) [c] = 1
/* "!#$%&'*+-.^_`|~", DIGIT, ALPHA (RFC 9110 5.6.2). */
const unsigned char weft_http_tchar[256] = {
    T1('!'), T1('#'), T1('$'), T1('%'), T1('&'), T1('\''), T1('*'), T1('+'), T1('-'),
    T1('.'), T1('^'), T1('_'), T1('`'), T1('|'), T1('~'),
    T1('0'), T1('1'), T1('2'), T1('3'), T1('4'), T1('5'), T1('6'), T1('7'), T1('8'),
    T1('9'),
    T1('A'), T1('B'), T1('C'), T1('D'), T1('E'), T1('F'), T1('G'), T1('H'), T1('I'),
    T1('J'), T1('K'), T1('L'), T1('M'), T1('N'), T1('O'), T1('P'), T1('Q'), T1('R'),
    T1('S'), T1('T'), T1('U'), T1('V'), T1('W'), T1('X'), T1('Y'), T1('Z'),
    T1('a'), T1('b'), T1('c'), T1('d'), T1('e'), T1('f'), T1('g'), T1('h'), T1('i'),
    T1('j'), T1('k'), T1('l'), T1('m'), T1('n'), T1('o'), T1('p'), T1('q'), T1('r'),
    T1('s'), T1('t'), T1('u'), T1('v'), T1('w'), T1('x'), T1('y'), T1('z'),
};
#undef T1

int
weft_http_valid_name(const char *s, size_t len)
{
    size_t i;

    if (len == 0)
        return 0;
    for (i = 0; i < len; i++)
        if (!weft_http_tchar[(unsigned char) s[i]])
            return 0;
    return 1;
}

int
weft_http_valid_value(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (!weft_http_value_char((unsigned char) s[i]))
            return 0;
    return 1;
}

int
weft_http_parse_status(const char *s, size_t len)
{
    int    code = 0;
    size_t i;

    if (len < 3 || (len > 3 && s[3] != ' '))
        return -1;
    for (i = 0; i < 3; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        code = code * 10 + (s[i] - '0');
    }
    if (code < 100)
        return -1;
    if (len > 3 && !weft_http_valid_value(s + 4, len - 4))
        return -1;
    return code;
}

int64_t
weft_http_parse_content_length(const char *s, size_t len)
{
    int64_t v = 0;
    size_t  i;

    if (len == 0)
        return -1;
    for (i = 0; i < len; i++) {
        int d = s[i] - '0';

        if (d < 0 || d > 9)
            return -1;
        if (v > (INT64_MAX - d) / 10)
            return -1;                          /* would overflow */
        v = v * 10 + d;
    }
    return v;
}

int
weft_http_body_allowed(int status, int head)
{
    return !(head || (status >= 100 && status < 200) || status == 204 || status == 304);
}

int
weft_http_length_allowed(int status)
{
    return status >= 200 && status != 204;
}

int
weft_http_status_has_body(weft_request_t *r, int status)
{
    return weft_http_body_allowed(status, r != NULL && (r->flags & WEFT_REQ_HEAD) != 0);
}
