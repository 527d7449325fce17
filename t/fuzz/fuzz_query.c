/*
 * t/fuzz/fuzz_query.c - the query string and percent decoding: the
 * decoder the HTTP parser applies to PATH_INFO and plugins reach through
 * api->percent_decode (core/vars.c), and the name=value lookups that
 * routes make in QUERY_STRING and Cookie (core/route_vars.c: ${qs[n]},
 * ${cookie[n]}, weft_route_expand).
 *
 * The input: a first line, the name looked up (also used as a template),
 * then the rest: the query string (and the Cookie header).
 */
#include "config.h"

#include <string.h>

#include <weft/status.h>
#include "request.h"
#include "route.h"

#include "fuzz.h"

/* Every escape %XX with two hex digits counts two bytes less. */
static size_t
expected_len(const char *s, size_t n)
{
    size_t i, len = n;

    for (i = 0; i < n; i++)
        if (s[i] == '%' && i + 2 < n && strchr("0123456789abcdefABCDEF", s[i + 1]) && s[i + 1]
            && strchr("0123456789abcdefABCDEF", s[i + 2]) && s[i + 2]) {
            len -= 2;
            i += 2;
        }
    return len;
}

static void
check_decode(const char *src, size_t n)
{
    char   *out = malloc(n + 1), *inplace = malloc(n + 1);
    ssize_t dl, dl2;

    FUZZ_CHECK(out != NULL && inplace != NULL);
    dl = weft_percent_decode(out, src, n);
    memcpy(inplace, src, n);
    dl2 = weft_percent_decode(inplace, inplace, n);
    FUZZ_CHECK(dl == dl2);
    if (dl >= 0) {
        FUZZ_CHECK((size_t) dl == expected_len(src, n));
        FUZZ_CHECK(out[dl] == '\0' && memchr(out, '\0', (size_t) dl) == NULL);
        FUZZ_CHECK(memcmp(out, inplace, (size_t) dl + 1) == 0);
        if (memchr(src, '%', n) == NULL)
            FUZZ_CHECK((size_t) dl == n && memcmp(out, src, n) == 0);
    } else {
        FUZZ_CHECK(dl == -1);
    }
    free(out);
    free(inplace);
}

static void
check_pair(const char *list, size_t len, char sep, const char *name, size_t nl)
{
    size_t      vl = (size_t) -1;
    const char *v = weft_route_pair(list, len, sep, name, nl, &vl);

    if (v == NULL)
        return;
    FUZZ_CHECK(v > list && v <= list + len && v[-1] == '=');
    FUZZ_CHECK(vl <= (size_t) (list + len - v));
    FUZZ_CHECK(memchr(v, sep, vl) == NULL);
    FUZZ_CHECK((size_t) (v - 1 - list) >= nl && memcmp(v - 1 - nl, name, nl) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static weft_req_t r;
    const char       *s = (const char *) data;
    const uint8_t    *nl = memchr(data, '\n', size);
    size_t            namel = nl ? (size_t) (nl - data) : 0;
    const char       *q = nl ? s + namel + 1 : s;
    size_t            ql = size - (size_t) (q - s);
    char             *tpl, out[1024];
    ssize_t           el;

    fuzz_quiet_log();
    check_decode(s, size);
    check_decode(q, ql);
    check_pair(q, ql, '&', s, namel);
    check_pair(q, ql, ';', s, namel);

    /* A request whose query string and Cookie are the input. */
    FUZZ_CHECK(weft_vars_reserve(&r, 2 * ql + 64, 4) == WEFT_OK);
    FUZZ_CHECK(weft_vars_add(&r, "QUERY_STRING", 12, q, ql) != NULL);
    FUZZ_CHECK(weft_vars_add(&r, "HTTP_COOKIE", 11, q, ql) != NULL);
    weft_vars_index(&r);
    tpl = malloc(3 * namel + 64);
    FUZZ_CHECK(tpl != NULL);
    snprintf(tpl, 3 * namel + 64, "${qs[%.*s]}|${cookie[%.*s]}|%.*s", (int) namel, s,
             (int) namel, s, (int) namel, s);
    el = weft_route_expand(&r, tpl, NULL, out, sizeof(out));
    FUZZ_CHECK(el >= -1 && el < (ssize_t) sizeof(out));
    if (el >= 0)
        FUZZ_CHECK(out[el] == '\0');
    free(tpl);
    free(r.route);
    r.route = NULL;
    return 0;
}
