/*
 * t/unit/test_proto.c - the uwsgi packet parser and the HTTP head to CGI
 * variables translation, fed good and malformed input.
 */
#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include "conf.h"
#include "conn.h"
#include "proto.h"
#include "request.h"
#include "tap.h"

static weft_listener_t http_ls = { .proto = WEFT_PROTO_HTTP, .modifier1 = -1,
                                   .host = "127.0.0.1", .port = "8080" };
static weft_listener_t uwsgi_ls = { .proto = WEFT_PROTO_UWSGI, .modifier1 = -1 };
static weft_conn_t     conn;
static weft_req_t      req;

static void
reset_conn(weft_listener_t *ls)
{
    free(conn.in);
    free(conn.hdrs);
    memset(&conn, 0, sizeof(conn));
    conn.ls = ls;
    conn.in_cap = 1 << 20;
    conn.in = malloc(conn.in_cap);
    strcpy(conn.peer_addr, "10.0.0.7");
    strcpy(conn.peer_port, "5555");
    weft_http_reset(&conn);
    weft_vars_reset(&req);
}

static void
feed(const void *p, size_t n)
{
    memcpy(conn.in + conn.in_end, p, n);
    conn.in_end += n;
}

/* Parse an HTTP head given in one piece; returns parse_head's result. */
static int
http(const char *head)
{
    reset_conn(&http_ls);
    feed(head, strlen(head));
    return weft_http_parse_head(&conn);
}

/* Parse and build: WEFT_OK, or the status the head must be answered with. */
static int
http_build(const char *head)
{
    int rc = http(head);
    if (rc == WEFT_ERROR)
        return conn.head_error;
    if (rc != WEFT_OK)
        return -1;
    if (weft_http_build_request(&conn, &req) != WEFT_OK)
        return conn.head_error;
    return WEFT_OK;
}

static const char *
var(const char *name)
{
    return weft_var_get(&req.pub, name, NULL);
}

#define ASSERT_VAR(name, value) do { \
        const char *v_ = var(name); \
        CU_ASSERT_PTR_NOT_NULL(v_); \
        if (v_ != NULL) CU_ASSERT_STRING_EQUAL(v_, value); \
    } while (0)

static void
test_http_get(void)
{
    CU_ASSERT_EQUAL(http_build("GET /a%20b/c?x=1&y=%41 HTTP/1.1\r\nHost: example.org:81\r\n"
                               "User-Agent: t\r\nContent-Type: text/x\r\nAccept: a\r\n"
                               "Accept: b\r\nX_Spoof: bad\r\n\r\n"), WEFT_OK);
    ASSERT_VAR("REQUEST_METHOD", "GET");
    ASSERT_VAR("REQUEST_URI", "/a%20b/c?x=1&y=%41");
    ASSERT_VAR("PATH_INFO", "/a b/c");
    ASSERT_VAR("QUERY_STRING", "x=1&y=%41");
    ASSERT_VAR("SERVER_PROTOCOL", "HTTP/1.1");
    ASSERT_VAR("SERVER_NAME", "example.org");
    ASSERT_VAR("SERVER_PORT", "81");
    ASSERT_VAR("REMOTE_ADDR", "10.0.0.7");
    ASSERT_VAR("REMOTE_PORT", "5555");
    ASSERT_VAR("HTTP_HOST", "example.org:81");
    ASSERT_VAR("HTTP_USER_AGENT", "t");
    ASSERT_VAR("CONTENT_TYPE", "text/x");
    CU_ASSERT_PTR_NULL(var("HTTP_CONTENT_TYPE"));
    ASSERT_VAR("HTTP_ACCEPT", "a, b");
    /* An underscore name would alias X-Spoof: dropped. */
    CU_ASSERT_PTR_NULL(var("HTTP_X_SPOOF"));
    CU_ASSERT_EQUAL(req.pub.path_info.len, 6);
    CU_ASSERT_EQUAL(req.pub.method.len, 3);
    CU_ASSERT_EQUAL(req.pub.content_length, 0);
    CU_ASSERT_TRUE(req.pub.flags & WEFT_REQ_KEEPALIVE);
}

static void
test_http_head_in_pieces(void)
{
    const char *head = "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
                       "X-Long-Header-Name: some value here\r\n\r\nhello";
    size_t      i, n = strlen(head);
    int         rc = WEFT_AGAIN;

    reset_conn(&http_ls);
    for (i = 0; i < n && rc == WEFT_AGAIN; i++) {
        feed(head + i, 1);
        rc = weft_http_parse_head(&conn);
    }
    CU_ASSERT_EQUAL(rc, WEFT_OK);
    CU_ASSERT_EQUAL(weft_http_build_request(&conn, &req), WEFT_OK);
    ASSERT_VAR("HTTP_X_LONG_HEADER_NAME", "some value here");
    ASSERT_VAR("CONTENT_LENGTH", "5");
    CU_ASSERT_EQUAL(req.pub.content_length, 5);
}

static void
test_http_percent_decoding(void)
{
    CU_ASSERT_EQUAL(http_build("GET /%2541/%zz/%4 HTTP/1.1\r\nHost: h\r\n\r\n"), WEFT_OK);
    /* Decoded once: %25 is '%', the rest stays; bad escapes are literal. */
    ASSERT_VAR("PATH_INFO", "/%41/%zz/%4");
    CU_ASSERT_EQUAL(http_build("GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

static void
test_http_host_rules(void)
{
    CU_ASSERT_EQUAL(http_build("GET / HTTP/1.1\r\n\r\n"), 400);
    CU_ASSERT_EQUAL(http_build("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
    CU_ASSERT_EQUAL(http_build("GET / HTTP/1.0\r\n\r\n"), WEFT_OK);
    ASSERT_VAR("SERVER_NAME", "127.0.0.1");
    ASSERT_VAR("SERVER_PORT", "8080");
    CU_ASSERT_FALSE(req.pub.flags & WEFT_REQ_KEEPALIVE);
    CU_ASSERT_EQUAL(http_build("GET http://abs.example:99/p?q HTTP/1.1\r\nHost: other\r\n\r\n"),
                    WEFT_OK);
    ASSERT_VAR("SERVER_NAME", "abs.example");
    ASSERT_VAR("SERVER_PORT", "99");
    ASSERT_VAR("PATH_INFO", "/p");
    CU_ASSERT_EQUAL(http_build("GET / HTTP/1.1\r\nHost: [::1]:8000\r\n\r\n"), WEFT_OK);
    ASSERT_VAR("SERVER_NAME", "[::1]");
    ASSERT_VAR("SERVER_PORT", "8000");
}

static void
test_http_smuggling_shapes(void)
{
    CU_ASSERT_EQUAL(http_build("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), 400);
    CU_ASSERT_EQUAL(http_build("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                               "Content-Length: 3\r\n\r\n"), 400);
    CU_ASSERT_EQUAL(http_build("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                               "Content-Length: 4\r\n\r\nabcd"), 400);
    CU_ASSERT_EQUAL(http_build("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -3\r\n\r\n"), 400);
    CU_ASSERT_EQUAL(http_build("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\nab"),
                    400);
    CU_ASSERT_EQUAL(http_build("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), 400);
}

static void
test_http_bad_heads(void)
{
    CU_ASSERT_EQUAL(http_build("\x16\x03\x01\x02\x00garbage\r\n\r\n"), 400);
    CU_ASSERT_EQUAL(http_build("GET / HTTP/9.9\r\nHost: h\r\n\r\n"), 505);
    CU_ASSERT_EQUAL(http_build("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505);
    CU_ASSERT_EQUAL(http_build("GET / HTTP/1.1\r\nHost: h\r\nExpect: teapot\r\n\r\n"), 417);
    CU_ASSERT_EQUAL(http_build("GET / HTTP/1.1\r\nHost: h\r\nBad\x01Name: x\r\n\r\n"), 400);
}

/*
 * Repeated fields join, in order, into one variable.  Forty Cookie lines (as
 * a proxy that splits cookies sends them) used to overflow the arena, which
 * kept a full copy of the growing value per repeat, and got 431.
 */
static void
test_http_repeated_fields_join(void)
{
    char        *head = malloc(65536), *want = malloc(65536);
    const char  *got;
    size_t       i, n = 0, w = 0;

    n += (size_t) sprintf(head, "GET / HTTP/1.1\r\nHost: h\r\n");
    for (i = 0; i < 40; i++) {
        n += (size_t) sprintf(head + n, "Cookie: c%02zu=%090d\r\nX-Other: %zu\r\n", i, 0, i);
        w += (size_t) sprintf(want + w, "%sc%02zu=%090d", i ? "; " : "", i, 0);
    }
    strcpy(head + n, "\r\n");
    CU_ASSERT_EQUAL(http_build(head), WEFT_OK);
    got = var("HTTP_COOKIE");
    CU_ASSERT_PTR_NOT_NULL(got);
    if (got != NULL) {
        CU_ASSERT_STRING_EQUAL(got, want);      /* crumbs join with "; " */
    }
    got = var("HTTP_X_OTHER");
    CU_ASSERT_PTR_NOT_NULL(got);
    if (got != NULL)
        CU_ASSERT_EQUAL(strncmp(got, "0, 1, 2, 3, ", 12), 0);
    /* Each name once: 10 fixed variables (SCRIPT_NAME among them), HTTP_HOST,
     * HTTP_COOKIE, HTTP_X_OTHER. */
    CU_ASSERT_EQUAL(req.pub.nvars, 13);

    /* Names differ in case only: one variable, the first's value first. */
    CU_ASSERT_EQUAL(http_build("GET / HTTP/1.1\r\nHost: h\r\nx-a: 1\r\nX-B: b\r\n"
                               "X-A: 2\r\n\r\n"), WEFT_OK);
    ASSERT_VAR("HTTP_X_A", "1, 2");
    ASSERT_VAR("HTTP_X_B", "b");
    free(head);
    free(want);
}

/* The arena is sized to the head: the longest URL and every field fit. */
static void
test_http_arena_fits_the_head(void)
{
    char   *head = malloc(65536);
    size_t  n;

    n = (size_t) sprintf(head, "GET /");
    memset(head + n, 'p', 6000);
    n += 6000;
    head[n++] = '?';
    memset(head + n, 'q', 6000);
    n += 6000;
    n += (size_t) sprintf(head + n, " HTTP/1.1\r\nHost: [::1]:8081\r\nA: \r\nB:\r\n\r\n");
    CU_ASSERT_EQUAL(http_build(head), WEFT_OK);
    CU_ASSERT_EQUAL(req.pub.path_info.len, 6001);
    CU_ASSERT_EQUAL(req.pub.query_string.len, 6000);
    ASSERT_VAR("SERVER_NAME", "[::1]");
    ASSERT_VAR("SERVER_PORT", "8081");
    ASSERT_VAR("HTTP_A", "");
    CU_ASSERT(req.arena_len <= req.arena_cap);
    free(head);
}

static void
test_http_limits(void)
{
    char   *head;
    size_t  i, n = 0;

    /* More fields than --max-headers: 431. */
    head = malloc(65536);
    n += (size_t) sprintf(head, "GET / HTTP/1.1\r\nHost: h\r\n");
    for (i = 0; i < (size_t) weft_conf.max_headers + 1; i++)
        n += (size_t) sprintf(head + n, "X-%zu: v\r\n", i);
    strcpy(head + n, "\r\n");
    CU_ASSERT_EQUAL(http_build(head), 431);
    free(head);

    /* A body over --limit-post: 413 before the app sees it. */
    weft_conf.limit_post = 10;
    CU_ASSERT_EQUAL(http_build("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n"), 413);
    CU_ASSERT_EQUAL(http_build("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n"),
                    WEFT_OK);
    weft_conf.limit_post = 0;
}

static void
test_http_obs_fold(void)
{
    CU_ASSERT_EQUAL(http_build("GET / HTTP/1.1\r\nHost: h\r\nX-F: a\r\n b\r\n\r\n"), WEFT_OK);
    {
        const char *v = var("HTTP_X_F");
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        CU_ASSERT_PTR_NULL(strchr(v, '\r'));
        CU_ASSERT_PTR_NULL(strchr(v, '\n'));
    }
}

/* Drain a chunked body through the decoder into out. */
static int
decode_all(char *out, size_t *outlen)
{
    size_t n = 0;

    for (;;) {
        int rc = conn.body_len ? WEFT_OK : weft_http_body_step(&conn);
        if (rc == WEFT_ERROR)
            return WEFT_ERROR;
        if (conn.body_len) {
            memcpy(out + n, conn.body_ptr, conn.body_len);
            n += conn.body_len;
            conn.body_len = 0;
            continue;
        }
        if (conn.body_done)
            break;
        if (rc == WEFT_AGAIN)
            return WEFT_AGAIN;
    }
    *outlen = n;
    return WEFT_OK;
}

static void
test_http_chunked(void)
{
    char   out[256];
    size_t n = 0;

    CU_ASSERT_EQUAL(http_build("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"), WEFT_OK);
    CU_ASSERT_TRUE(req.pub.flags & WEFT_REQ_CHUNKED_BODY);
    CU_ASSERT_EQUAL(req.pub.content_length, -1);
    CU_ASSERT_EQUAL(decode_all(out, &n), WEFT_OK);
    CU_ASSERT_EQUAL(n, 11);
    CU_ASSERT_NSTRING_EQUAL(out, "hello world", 11);

    /* A bad chunk size that arrives with the head: the head is refused. */
    CU_ASSERT_EQUAL(http_build("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "zz\r\nhello\r\n0\r\n\r\n"), 400);

    /* One that arrives later fails the body. */
    CU_ASSERT_EQUAL(http_build("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"),
                    WEFT_OK);
    CU_ASSERT_EQUAL(decode_all(out, &n), WEFT_AGAIN);
    feed("3\r\nabc\r\nzz\r\n", 12);
    CU_ASSERT_EQUAL(decode_all(out, &n), WEFT_ERROR);
    CU_ASSERT_EQUAL(conn.body_error, 400);

    CU_ASSERT_EQUAL(http_build("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"),
                    WEFT_OK);
    feed("fffffffffffffffffff\r\n", 21);
    CU_ASSERT_EQUAL(decode_all(out, &n), WEFT_ERROR);
}

static void
test_http_pipelined(void)
{
    CU_ASSERT_EQUAL(http("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"),
                    WEFT_OK);
    CU_ASSERT_EQUAL(weft_http_build_request(&conn, &req), WEFT_OK);
    ASSERT_VAR("PATH_INFO", "/1");
    /* The second request is left unparsed until the first is answered. */
    CU_ASSERT(conn.in_end - conn.in_pos == strlen("GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"));
    CU_ASSERT_EQUAL(weft_body_discard(&conn), WEFT_OK);
    weft_conn_compact(&conn);
    weft_vars_reset(&req);
    CU_ASSERT_EQUAL(weft_http_parse_head(&conn), WEFT_OK);
    CU_ASSERT_EQUAL(weft_http_build_request(&conn, &req), WEFT_OK);
    ASSERT_VAR("PATH_INFO", "/2");
}

/* ------------------------------------------------------------ uwsgi */

static size_t
put_var(char *p, const char *k, const char *v)
{
    size_t kl = strlen(k), vl = strlen(v);

    p[0] = (char) (kl & 0xff);
    p[1] = (char) (kl >> 8);
    memcpy(p + 2, k, kl);
    p[2 + kl] = (char) (vl & 0xff);
    p[3 + kl] = (char) (vl >> 8);
    memcpy(p + 4 + kl, v, vl);
    return 4 + kl + vl;
}

/* A packet with the given vars; returns its full length. */
static size_t
packet(char *out, unsigned char m1, const char *const *kv)
{
    size_t n = 4;

    for (; kv[0] != NULL; kv += 2)
        n += put_var(out + n, kv[0], kv[1]);
    out[0] = (char) m1;
    out[1] = (char) ((n - 4) & 0xff);
    out[2] = (char) ((n - 4) >> 8);
    out[3] = 0;
    return n;
}

static void
test_uwsgi_packet(void)
{
    static const char *const kv[] = {
        "REQUEST_METHOD", "POST", "REQUEST_URI", "/x?y", "PATH_INFO", "/x",
        "QUERY_STRING", "y", "SERVER_PROTOCOL", "HTTP/1.1", "CONTENT_LENGTH", "4",
        "HTTP_HOST", "h", NULL
    };
    char   p[1024];
    size_t n = packet(p, 5, kv), i;

    reset_conn(&uwsgi_ls);
    /* Byte by byte: AGAIN until the whole packet is in. */
    for (i = 0; i < n - 1; i++) {
        feed(p + i, 1);
        CU_ASSERT_EQUAL(weft_uwsgi_parse_head(&conn), WEFT_AGAIN);
    }
    feed(p + n - 1, 1);
    feed("body", 4);
    CU_ASSERT_EQUAL_FATAL(weft_uwsgi_parse_head(&conn), WEFT_OK);
    CU_ASSERT_EQUAL_FATAL(weft_uwsgi_build_request(&conn, &req), WEFT_OK);
    CU_ASSERT_EQUAL(req.pub.modifier1, 5);
    CU_ASSERT_EQUAL(req.pub.content_length, 4);
    /* 7 sent; the facts add SERVER_NAME and SERVER_PORT (from HTTP_HOST and
     * the socket) and SCRIPT_NAME. */
    CU_ASSERT_EQUAL(req.pub.nvars, 10);
    ASSERT_VAR("HTTP_HOST", "h");
    ASSERT_VAR("SERVER_NAME", "h");
    ASSERT_VAR("SCRIPT_NAME", "");
    CU_ASSERT_NSTRING_EQUAL(req.pub.method.data, "POST", 4);
    CU_ASSERT_NSTRING_EQUAL(req.pub.path_info.data, "/x", 2);
    CU_ASSERT_EQUAL(conn.in_end - conn.in_pos, 4);    /* the body is left */
}

static void
test_uwsgi_malformed(void)
{
    static const char *const kv[] = { "A", "1", NULL };
    static const char *const badlen[] = { "CONTENT_LENGTH", "12x", NULL };
    char   p[1024];
    size_t n;

    /* A size over --buffer-size. */
    reset_conn(&uwsgi_ls);
    feed("\0\xff\xff\0", 4);
    CU_ASSERT_EQUAL(weft_uwsgi_parse_head(&conn), WEFT_ERROR);

    /* A zero-length key. */
    reset_conn(&uwsgi_ls);
    memcpy(p, "\0\x06\0\0" "\0\0" "\x02\0" "ab", 10);
    feed(p, 10);
    CU_ASSERT_EQUAL(weft_uwsgi_parse_head(&conn), WEFT_OK);
    CU_ASSERT_EQUAL(weft_uwsgi_build_request(&conn, &req), WEFT_ERROR);

    /* A value length past the end of the packet. */
    reset_conn(&uwsgi_ls);
    n = packet(p, 0, kv);
    p[4 + 2 + 1] = 0x7f;                 /* value length of "A" */
    feed(p, n);
    CU_ASSERT_EQUAL(weft_uwsgi_parse_head(&conn), WEFT_OK);
    CU_ASSERT_EQUAL(weft_uwsgi_build_request(&conn, &req), WEFT_ERROR);

    /* A key length past the end. */
    reset_conn(&uwsgi_ls);
    n = packet(p, 0, kv);
    p[4] = 0x40;
    feed(p, n);
    CU_ASSERT_EQUAL(weft_uwsgi_parse_head(&conn), WEFT_OK);
    CU_ASSERT_EQUAL(weft_uwsgi_build_request(&conn, &req), WEFT_ERROR);

    /* A trailing byte that cannot be a variable. */
    reset_conn(&uwsgi_ls);
    n = packet(p, 0, kv);
    p[n] = 'x';
    p[1] = (char) (p[1] + 1);
    feed(p, n + 1);
    CU_ASSERT_EQUAL(weft_uwsgi_parse_head(&conn), WEFT_OK);
    CU_ASSERT_EQUAL(weft_uwsgi_build_request(&conn, &req), WEFT_ERROR);

    /* CONTENT_LENGTH that is not a number: refused with the head, since
     * the loop needs the length to buffer the body. */
    reset_conn(&uwsgi_ls);
    n = packet(p, 0, badlen);
    feed(p, n);
    CU_ASSERT_EQUAL(weft_uwsgi_parse_head(&conn), WEFT_ERROR);
    CU_ASSERT_EQUAL(conn.head_error, 0);

    /* Truncated header: not an error, just more to come. */
    reset_conn(&uwsgi_ls);
    feed("\0\x05", 2);
    CU_ASSERT_EQUAL(weft_uwsgi_parse_head(&conn), WEFT_AGAIN);

    /* An empty packet is a request with only the facts' variables
     * (SERVER_NAME, SERVER_PORT, PATH_INFO, SCRIPT_NAME). */
    reset_conn(&uwsgi_ls);
    feed("\0\0\0\0", 4);
    CU_ASSERT_EQUAL(weft_uwsgi_parse_head(&conn), WEFT_OK);
    CU_ASSERT_EQUAL(weft_uwsgi_build_request(&conn, &req), WEFT_OK);
    CU_ASSERT_EQUAL(req.pub.nvars, 4);
}

int
main(void)
{
    static const weft_tap_test_t http_tests[] = {
        { "a GET becomes CGI variables", test_http_get },
        { "a head arriving byte by byte", test_http_head_in_pieces },
        { "PATH_INFO is percent-decoded once", test_http_percent_decoding },
        { "Host rules and SERVER_NAME", test_http_host_rules },
        { "request smuggling shapes are 400", test_http_smuggling_shapes },
        { "malformed heads", test_http_bad_heads },
        { "header count and body limits", test_http_limits },
        { "repeated fields join into one variable", test_http_repeated_fields_join },
        { "the arena fits the head", test_http_arena_fits_the_head },
        { "an obsolete line fold becomes spaces", test_http_obs_fold },
        { "chunked bodies, good and bad", test_http_chunked },
        { "pipelined requests stay apart", test_http_pipelined },
        { NULL, NULL }
    };
    static const weft_tap_test_t uwsgi_tests[] = {
        { "a packet becomes CGI variables", test_uwsgi_packet },
        { "malformed packets", test_uwsgi_malformed },
        { NULL, NULL }
    };

    weft_tap_suite("http", http_tests);
    weft_tap_suite("uwsgi", uwsgi_tests);
    return weft_tap_run();
}
