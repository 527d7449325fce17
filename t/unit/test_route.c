/*
 * t/unit/test_route.c - the route parser (good rules and the refusals),
 * the template expander, cookie/query-string lookups, and setting a
 * variable past the array the protocol reserved.
 */
#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include "request.h"
#include "route.h"
#include "tap.h"

static char err[512];

/* Parse into *out, freeing what the rule before held (the last one stays
 * reachable in `last`). */
static int
parse(weft_route_kind_t kind, const char *text, weft_route_t *out)
{
    static weft_route_t last;
    int                 rc;

    weft_route_free(&last);
    err[0] = '\0';
    rc = weft_route_parse(kind, text, out, err, sizeof(err));
    last = *out;
    return rc;
}

static void
test_parse_good(void)
{
    weft_route_t rt;

    CU_ASSERT_EQUAL(parse(WEFT_ROUTE_REGEXP, "^/healthz$ donotlog:", &rt), WEFT_OK);
    CU_ASSERT_PTR_NOT_NULL(rt.re);
    CU_ASSERT_EQUAL(rt.act, WEFT_RACT_DONOTLOG);

    CU_ASSERT_EQUAL(parse(WEFT_ROUTE_IF, "ishigher:${CONTENT_LENGTH};15000000 break:413", &rt),
                    WEFT_OK);
    CU_ASSERT_EQUAL(rt.cond, WEFT_RCOND_ISHIGHER);
    CU_ASSERT_STRING_EQUAL(rt.a, "${CONTENT_LENGTH}");
    CU_ASSERT_STRING_EQUAL(rt.b, "15000000");
    CU_ASSERT_EQUAL(rt.act, WEFT_RACT_BREAK);
    CU_ASSERT_EQUAL(rt.code, 413);

    CU_ASSERT_EQUAL(parse(WEFT_ROUTE_RUN, "break:403 Go away now", &rt), WEFT_OK);
    CU_ASSERT_EQUAL(rt.code, 403);
    CU_ASSERT_STRING_EQUAL(rt.arg, "Go away now");

    CU_ASSERT_EQUAL(parse(WEFT_ROUTE_RUN, "break:", &rt), WEFT_OK);
    CU_ASSERT_EQUAL(rt.code, 0);

    CU_ASSERT_EQUAL(parse(WEFT_ROUTE_IF_NOT, "regexp:${HTTP_HOST};^(a;b)$ redirect-301:/x", &rt),
                    WEFT_OK);
    CU_ASSERT_EQUAL(rt.cond, WEFT_RCOND_REGEXP);
    CU_ASSERT_STRING_EQUAL(rt.b, "^(a;b)$");             /* split at the first ';' */
    CU_ASSERT_PTR_NOT_NULL(rt.re);
    CU_ASSERT_EQUAL(rt.code, 301);

    CU_ASSERT_EQUAL(parse(WEFT_ROUTE_RUN, "addheader:X-A: b: c", &rt), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(rt.arg, "X-A: b: c");
    CU_ASSERT_EQUAL(parse(WEFT_ROUTE_IF, "empty:${qs[x]} last:", &rt), WEFT_OK);
    CU_ASSERT_PTR_NULL(rt.b);
    CU_ASSERT_EQUAL(parse(WEFT_ROUTE_LABEL, "  here", &rt), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(rt.label, "here");
    CU_ASSERT_EQUAL(parse(WEFT_ROUTE_RUN, "goto:here", &rt), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(rt.label, "here");
}

static void
test_parse_refusals(void)
{
    static const struct { weft_route_kind_t kind; const char *text, *says; } lacking[] = {
        { WEFT_ROUTE_REGEXP, "^/x cache:key", "unsupported route action 'cache'" },
        { WEFT_ROUTE_RUN, "uwsgi:127.0.0.1:3031", "unsupported route action 'uwsgi'" },
        { WEFT_ROUTE_IF, "exists:/x last:", "unsupported route condition 'exists'" },
    };
    static const struct { weft_route_kind_t kind; const char *text, *says; } bad[] = {
        { WEFT_ROUTE_IF, "equal last:", "equal: needs ':' and its operands split by ';'" },
        { WEFT_ROUTE_IF, "startswith:a last:", "needs two operands" },
        { WEFT_ROUTE_REGEXP, "[ last:", "bad regexp '['" },
        { WEFT_ROUTE_REGEXP, "^/only-a-regexp", "needs a regexp and an action" },
        { WEFT_ROUTE_RUN, "return:99", "needs a status code" },
        { WEFT_ROUTE_RUN, "break:4o4", "needs a status code" },
        { WEFT_ROUTE_RUN, "redirect:", "redirect: needs an argument" },
        { WEFT_ROUTE_RUN, "addvar:=x", "addvar: needs 'KEY=VALUE'" },
        { WEFT_ROUTE_RUN, "goto:", "goto: needs a label" },
        { WEFT_ROUTE_RUN, "", "empty rule" },
    };
    size_t       i;
    weft_route_t rt;

    /* What uWSGI has and weft lacks: DECLINED (a WARN at start-up). */
    for (i = 0; i < sizeof(lacking) / sizeof(lacking[0]); i++) {
        CU_ASSERT_EQUAL(parse(lacking[i].kind, lacking[i].text, &rt), WEFT_DECLINED);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, lacking[i].says));
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CU_ASSERT_EQUAL(parse(bad[i].kind, bad[i].text, &rt), WEFT_ERROR);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].says));
    }
}

static void
test_pairs(void)
{
    const char *c = "a=1; sid=x y; empty=; last=z";
    size_t      vl;
    const char *v;

    v = weft_route_pair(c, strlen(c), ';', "sid", 3, &vl);
    CU_ASSERT(v != NULL && vl == 3 && memcmp(v, "x y", 3) == 0);
    v = weft_route_pair(c, strlen(c), ';', "empty", 5, &vl);
    CU_ASSERT(v != NULL && vl == 0);
    v = weft_route_pair(c, strlen(c), ';', "last", 4, &vl);
    CU_ASSERT(v != NULL && vl == 1 && *v == 'z');
    CU_ASSERT_PTR_NULL(weft_route_pair(c, strlen(c), ';', "si", 2, &vl));
    v = weft_route_pair("a=1&bb=22&b=3", 13, '&', "b", 1, &vl);
    CU_ASSERT(v != NULL && vl == 1 && *v == '3');
    CU_ASSERT_PTR_NULL(weft_route_pair("", 0, '&', "b", 1, &vl));
}

static weft_req_t req;

static void
make_req(void)
{
    weft_vars_reserve(&req, 4096, 4);
    weft_vars_add(&req, "PATH_INFO", 9, "/a/b", 4);
    weft_vars_add(&req, "QUERY_STRING", 12, "x=1&y=two", 9);
    weft_vars_add(&req, "HTTP_COOKIE", 11, "s=abc", 5);
    weft_vars_add(&req, "REQUEST_METHOD", 14, "GET", 3);
    weft_vars_index(&req);
}

static void
test_expand(void)
{
    char              out[128];
    PCRE2_SIZE        ov[6] = { 0, 4, 1, 2, PCRE2_UNSET, PCRE2_UNSET };
    weft_route_caps_t caps = { "/a/b", ov, 3 };

    make_req();
    CU_ASSERT_EQUAL(weft_route_expand(&req, "${REQUEST_METHOD} ${PATH_INFO}?${qs[y]}", NULL, out,
                                      sizeof(out)), 12);
    CU_ASSERT_STRING_EQUAL(out, "GET /a/b?two");
    weft_route_expand(&req, "[${cookie[s]}][${cookie[t]}][${NOPE}][$ $x ${open", NULL, out,
                      sizeof(out));
    CU_ASSERT_STRING_EQUAL(out, "[abc][][][$ $x ${open");
    weft_route_expand(&req, "$0|$1|$2|$9", &caps, out, sizeof(out));
    CU_ASSERT_STRING_EQUAL(out, "/a/b|a||");
    weft_route_expand(&req, "${httptime[0]}", NULL, out, sizeof(out));
    CU_ASSERT_EQUAL(strlen(out), 29);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, " GMT"));
    CU_ASSERT_EQUAL(weft_route_expand(&req, "${PATH_INFO}${PATH_INFO}", NULL, out, 8), -1);
    CU_ASSERT_EQUAL(weft_route_expand(&req, "1234567", NULL, out, 8), 7);
}

static void
test_set_var(void)
{
    size_t      n;
    const char *v;

    make_req();
    CU_ASSERT_EQUAL(weft_route_set_var(&req, "PATH_INFO", 9, "/new", 4), WEFT_OK);
    CU_ASSERT(req.pub.path_info.len == 4 && memcmp(req.pub.path_info.data, "/new", 4) == 0);
    CU_ASSERT_PTR_NOT_NULL(req.known.path_info);
    /* the array is full (4 of 4): a new variable grows it */
    CU_ASSERT_EQUAL(weft_route_set_var(&req, "MY_VAR", 6, "v", 1), WEFT_OK);
    CU_ASSERT_EQUAL(req.pub.nvars, 5);
    v = weft_var_get(&req.pub, "MY_VAR", &n);
    CU_ASSERT(v != NULL && n == 1 && *v == 'v');
    CU_ASSERT(req.known.path_info >= req.vars && req.known.path_info < req.vars + 5);
    CU_ASSERT(req.pub.query_string.len == 9);
}

int
main(void)
{
    static const weft_tap_test_t tests[] = {
        { "rules parse into the table", test_parse_good },
        { "bad rules are refused with a reason", test_parse_refusals },
        { "cookie and query-string pairs", test_pairs },
        { "templates expand", test_expand },
        { "setting variables", test_set_var },
        { NULL, NULL }
    };

    weft_tap_suite("route", tests);
    return weft_tap_run();
}
