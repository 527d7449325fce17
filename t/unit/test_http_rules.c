/*
 * t/unit/test_http_rules.c - the HTTP rules of core/http_rules.c, the API
 * slots that export them, and the request parser's use of them (field
 * names and values, an obsolete line fold).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <weft/api.h>
#include <weft/status.h>
#include "api.h"
#include "conn.h"
#include "http_rules.h"
#include "proto.h"
#include "request.h"
#include "tap.h"

#define S(lit) lit, sizeof(lit) - 1

static void
test_tchar(void)
{
    const char *ok = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    unsigned    ch, count = 0;

    for (ch = 0; ch < 256; ch++) {
        int want = ch != 0 && strchr(ok, (int) ch) != NULL;
        CU_ASSERT_EQUAL(weft_http_tchar[ch] != 0, want);
        count += weft_http_tchar[ch] != 0;
    }
    CU_ASSERT_EQUAL(count, strlen(ok));
}

static void
test_names(void)
{
    CU_ASSERT_TRUE(weft_http_valid_name(S("Content-Type")));
    CU_ASSERT_TRUE(weft_http_valid_name(S("x-a.b_c~!#$%&'*+^`|")));
    CU_ASSERT_FALSE(weft_http_valid_name(S("")));
    CU_ASSERT_FALSE(weft_http_valid_name(S("X A")));
    CU_ASSERT_FALSE(weft_http_valid_name(S("X:A")));
    CU_ASSERT_FALSE(weft_http_valid_name(S("X\tA")));
    CU_ASSERT_FALSE(weft_http_valid_name(S("X(A)")));
    CU_ASSERT_FALSE(weft_http_valid_name(S("X\"A")));
    CU_ASSERT_FALSE(weft_http_valid_name(S("X\0A")));
    CU_ASSERT_FALSE(weft_http_valid_name(S("X\x01")));
    CU_ASSERT_FALSE(weft_http_valid_name(S("caf\xe9")));
    /* The length counts, not a NUL. */
    CU_ASSERT_TRUE(weft_http_valid_name("X-A\r\n", 3));
}

static void
test_values(void)
{
    unsigned ch;

    for (ch = 0; ch < 256; ch++) {
        char c = (char) ch;
        int  want = ch == '\t' || (ch >= 0x20 && ch != 0x7f);
        CU_ASSERT_EQUAL(weft_http_value_char((unsigned char) ch), want);
        CU_ASSERT_EQUAL(weft_http_valid_value(&c, 1), want);
    }
    CU_ASSERT_TRUE(weft_http_valid_value(S("")));
    CU_ASSERT_TRUE(weft_http_valid_value(S("text/html; charset=\"utf-8\"")));
    CU_ASSERT_TRUE(weft_http_valid_value(S("a\tb c caf\xe9 \x80\xff")));
    CU_ASSERT_FALSE(weft_http_valid_value(S("a\x01")));
    CU_ASSERT_FALSE(weft_http_valid_value(S("a\x7f")));
    CU_ASSERT_FALSE(weft_http_valid_value(S("a\rb")));
    CU_ASSERT_FALSE(weft_http_valid_value(S("a\nb")));
    CU_ASSERT_FALSE(weft_http_valid_value(S("a\0b")));
    CU_ASSERT_FALSE(weft_http_valid_value(S("\x1f")));
}

static void
test_status(void)
{
    CU_ASSERT_EQUAL(weft_http_parse_status(S("200 OK")), 200);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("404 Not Found")), 404);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("204")), 204);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("200 ")), 200);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("100 Continue")), 100);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("999 Odd")), 999);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("418 I'm a teapot\t\xe9")), 418);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("20")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("099 Low")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("000")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("2000")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("200OK")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("OK 200")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("-20 OK")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_status(S(" 200 OK")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("200\tOK")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("200 OK\r\nX: y")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("200 O\x01K")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("200 OK\x7f")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_status(S("200 O\0K")), -1);
}

static void
test_content_length(void)
{
    CU_ASSERT_EQUAL(weft_http_parse_content_length(S("0")), 0);
    CU_ASSERT_EQUAL(weft_http_parse_content_length(S("13")), 13);
    CU_ASSERT_EQUAL(weft_http_parse_content_length(S("007")), 7);
    CU_ASSERT_EQUAL(weft_http_parse_content_length(S("9223372036854775807")), INT64_MAX);
    CU_ASSERT_EQUAL(weft_http_parse_content_length(S("00000000000000000000000001")), 1);
    CU_ASSERT_EQUAL(weft_http_parse_content_length(S("9223372036854775808")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_content_length(S("99999999999999999999")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_content_length(S("")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_content_length(S("+1")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_content_length(S("-1")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_content_length(S(" 1")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_content_length(S("1 ")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_content_length(S("1,1")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_content_length(S("0x10")), -1);
    CU_ASSERT_EQUAL(weft_http_parse_content_length(S("1\0")), -1);
}

static void
test_no_body(void)
{
    weft_request_t get, head;

    memset(&get, 0, sizeof(get));
    memset(&head, 0, sizeof(head));
    head.flags = WEFT_REQ_HEAD;
    CU_ASSERT_EQUAL(weft_http_status_has_body(&get, 200), 1);
    CU_ASSERT_EQUAL(weft_http_status_has_body(&get, 404), 1);
    CU_ASSERT_EQUAL(weft_http_status_has_body(&get, 205), 1);
    CU_ASSERT_EQUAL(weft_http_status_has_body(&get, 100), 0);
    CU_ASSERT_EQUAL(weft_http_status_has_body(&get, 101), 0);
    CU_ASSERT_EQUAL(weft_http_status_has_body(&get, 199), 0);
    CU_ASSERT_EQUAL(weft_http_status_has_body(&get, 204), 0);
    CU_ASSERT_EQUAL(weft_http_status_has_body(&get, 304), 0);
    CU_ASSERT_EQUAL(weft_http_status_has_body(&head, 200), 0);
    CU_ASSERT_EQUAL(weft_http_status_has_body(&head, 404), 0);
    CU_ASSERT_EQUAL(weft_http_body_allowed(200, 0), 1);
    CU_ASSERT_EQUAL(weft_http_body_allowed(200, 1), 0);
    CU_ASSERT_EQUAL(weft_http_body_allowed(304, 0), 0);
    CU_ASSERT_EQUAL(weft_http_length_allowed(200), 1);
    CU_ASSERT_EQUAL(weft_http_length_allowed(304), 1);
    CU_ASSERT_EQUAL(weft_http_length_allowed(204), 0);
    CU_ASSERT_EQUAL(weft_http_length_allowed(101), 0);
}

/* The API hands plugins these very functions, no copies. */
static void
test_api_slots(void)
{
    const weft_api_t *api = &weft_core_api;

    CU_ASSERT_PTR_EQUAL(api->valid_header_name, weft_http_valid_name);
    CU_ASSERT_PTR_EQUAL(api->valid_header_value, weft_http_valid_value);
    CU_ASSERT_PTR_EQUAL(api->parse_status, weft_http_parse_status);
    CU_ASSERT_PTR_EQUAL(api->parse_content_length, weft_http_parse_content_length);
    CU_ASSERT_PTR_EQUAL(api->status_has_body, weft_http_status_has_body);
    CU_ASSERT_PTR_NOT_NULL(api->set_content_length);
    CU_ASSERT_PTR_NOT_NULL(api->sendfile_fd);
    CU_ASSERT_EQUAL(api->valid_header_value("a\x01", 2), 0);
}

/* ------------------------------------------------------------ the response */

static weft_req_t resp;

/* The core's own add_header and set_status refuse what the plugins refuse. */
static void
test_response_fields(void)
{
    static const char *bad_values[] = { "a\x01", "a\x7f", "a\r", "a\n", "\x1f" };
    unsigned           i;

    weft_resp_reset(&resp);
    for (i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++)
        CU_ASSERT_EQUAL(weft_resp_add_header(&resp.pub, S("X-A"), bad_values[i],
                                             strlen(bad_values[i])), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_resp_add_header(&resp.pub, S("X-A"), S("a\0b")), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_resp_add_header(&resp.pub, S("X A"), S("a")), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_resp_add_header(&resp.pub, S(""), S("a")), WEFT_ERROR);
    CU_ASSERT_EQUAL(resp.headers.len, 0);
    CU_ASSERT_EQUAL(weft_resp_add_header(&resp.pub, S("X-A"), S("a\tcaf\xe9")), WEFT_OK);
    CU_ASSERT_EQUAL(resp.headers.len, strlen("X-A: a\tcaf\xe9\r\n"));

    CU_ASSERT_EQUAL(weft_resp_set_status(&resp.pub, S("200 O\x01K")), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_resp_set_status(&resp.pub, S("099 Low")), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_resp_set_status(&resp.pub, S("2000")), WEFT_ERROR);
    CU_ASSERT_EQUAL(resp.pub.status, 0);
    CU_ASSERT_EQUAL(weft_resp_set_status(&resp.pub, S("418 I'm a teapot")), WEFT_OK);
    CU_ASSERT_EQUAL(resp.pub.status, 418);
    CU_ASSERT_STRING_EQUAL(resp.status, "418 I'm a teapot");
    CU_ASSERT_EQUAL(weft_resp_set_status(&resp.pub, S("404")), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(resp.status, "404 Not Found");
}

/* Content-Length is a number the core keeps, from a header or the API. */
static void
test_response_length(void)
{
    weft_resp_reset(&resp);
    CU_ASSERT_EQUAL(weft_resp_add_header(&resp.pub, S("Content-Length"), S("+5")), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_resp_add_header(&resp.pub, S("Content-Length"),
                                         S("99999999999999999999")), WEFT_ERROR);
    CU_ASSERT_EQUAL(resp.app_length, -1);
    CU_ASSERT_EQUAL(weft_resp_add_header(&resp.pub, S("content-length"), S("12")), WEFT_OK);
    CU_ASSERT_EQUAL(resp.app_length, 12);
    CU_ASSERT_EQUAL(resp.headers.len, 0);               /* stated by the head itself */
    CU_ASSERT_EQUAL(weft_resp_add_header(&resp.pub, S("Content-Length"), S("012")), WEFT_OK);
    CU_ASSERT_EQUAL(weft_resp_add_header(&resp.pub, S("Content-Length"), S("13")), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_core_api.set_content_length(&resp.pub, 7), WEFT_OK);
    CU_ASSERT_EQUAL(resp.app_length, 7);                /* replaces the one before */
    CU_ASSERT_EQUAL(weft_resp_set_content_length(&resp.pub, (uint64_t) INT64_MAX + 1), WEFT_ERROR);
    resp.head_sent = 1;
    CU_ASSERT_EQUAL(weft_resp_set_content_length(&resp.pub, 3), WEFT_ERROR);
    CU_ASSERT_EQUAL(resp.app_length, 7);
    resp.head_sent = 0;
}

/* ------------------------------------------------------------ the parser */

static weft_listener_t http_ls = { .proto = WEFT_PROTO_HTTP, .modifier1 = -1,
                                   .host = "127.0.0.1", .port = "8080" };
static weft_conn_t     conn;
static weft_req_t      req;

static void
reset_conn(void)
{
    free(conn.in);
    free(conn.hdrs);
    memset(&conn, 0, sizeof(conn));
    conn.ls = &http_ls;
    conn.in_cap = 1 << 16;
    conn.in = malloc(conn.in_cap);
    strcpy(conn.peer_addr, "10.0.0.7");
    strcpy(conn.peer_port, "5555");
    weft_http_reset(&conn);
    weft_vars_reset(&req);
}

/* Parse head in pieces of `step` bytes (0: whole) and build the request:
 * WEFT_OK, or the status it is answered with. */
static int
build(const char *head, size_t step)
{
    size_t len = strlen(head), off = 0;
    int    rc = WEFT_AGAIN;

    reset_conn();
    while (off < len && rc == WEFT_AGAIN) {
        size_t n = step == 0 || len - off < step ? len - off : step;
        memcpy(conn.in + conn.in_end, head + off, n);
        conn.in_end += n;
        off += n;
        rc = weft_http_parse_head(&conn);
    }
    if (rc == WEFT_ERROR)
        return conn.head_error;
    if (rc != WEFT_OK)
        return -1;
    if (weft_http_build_request(&conn, &req) != WEFT_OK)
        return conn.head_error;
    return WEFT_OK;
}

static void
assert_var(const char *name, const char *want)
{
    const char *v = weft_var_get(&req.pub, name, NULL);

    CU_ASSERT_PTR_NOT_NULL(v);
    if (v != NULL)
        CU_ASSERT_STRING_EQUAL(v, want);
}

static void
test_fold(void)
{
    size_t step;

    /* Whole, byte by byte and in odd pieces: the fold becomes spaces and
     * nothing after it is lost. */
    for (step = 0; step < 8; step++) {
        CU_ASSERT_EQUAL(build("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n continued\r\n"
                              "X-B: 2\r\n\r\n", step), WEFT_OK);
        assert_var("HTTP_X_A", "1   continued");
        assert_var("HTTP_X_B", "2");
        CU_ASSERT_EQUAL(build("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\t\r\n\t b \r\n  c  \r\n\r\n",
                              step), WEFT_OK);
        assert_var("HTTP_X_A", "a     b     c");
    }
}

static void
test_request_fields(void)
{
    CU_ASSERT_EQUAL(build("GET / HTTP/1.1\r\nHost: h\r\nX-A: caf\xe9 \x80\r\n\r\n", 0), WEFT_OK);
    assert_var("HTTP_X_A", "caf\xe9 \x80");
    CU_ASSERT_EQUAL(build("GET / HTTP/1.1\r\nHost: h\r\nX-A: v  \t\r\n\r\n", 0), WEFT_OK);
    assert_var("HTTP_X_A", "v");
    CU_ASSERT_EQUAL(build("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01z\r\n\r\n", 0), 400);
    CU_ASSERT_EQUAL(build("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7fz\r\n\r\n", 0), 400);
    CU_ASSERT_EQUAL(build("GET / HTTP/1.1\r\nHost: h\r\nX(A): a\r\n\r\n", 0), 400);
    CU_ASSERT_EQUAL(build("GET / HTTP/1.1\r\nHost: h\r\nX A: a\r\n\r\n", 0), 400);
}

int
main(void)
{
    static const weft_tap_test_t rules[] = {
        { "the token characters are RFC 9110's tchar", test_tchar },
        { "field names are tokens", test_names },
        { "field values: VCHAR, obs-text, SP, HTAB", test_values },
        { "status lines", test_status },
        { "Content-Length: digits only, no overflow", test_content_length },
        { "bodiless responses: 1xx, 204, 304, HEAD", test_no_body },
        { "the API exports the same functions", test_api_slots },
        { NULL, NULL }
    };
    static const weft_tap_test_t response[] = {
        { "add_header and set_status keep the rules", test_response_fields },
        { "Content-Length is a number: header or set_content_length", test_response_length },
        { NULL, NULL }
    };
    static const weft_tap_test_t parser[] = {
        { "an obsolete line fold keeps every byte, as spaces", test_fold },
        { "request fields follow the same rules", test_request_fields },
        { NULL, NULL }
    };

    weft_tap_suite("rules", rules);
    weft_tap_suite("response", response);
    weft_tap_suite("parser", parser);
    return weft_tap_run();
}
