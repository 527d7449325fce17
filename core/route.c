/*
 * core/route.c - running the request chain: each rule's subject or
 * condition, then its action, until an action stops the chain.
 *
 * Everything runs on the main loop between the request's parse and its
 * dispatch, never suspended: the expansion buffers and the one match data
 * block are the worker's, made once, so a request allocates nothing here
 * (the route state a core keeps is made the first time it is needed).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <weft/status.h>
#include "conn.h"
#include "log.h"
#include "proto.h"
#include "route.h"
#include "threads.h"

#define EXPAND_MAX 8192
#define MAX_CAPS   10

static WEFT_TLS pcre2_match_data *md;   /* per serving thread, like the rest */
static WEFT_TLS int               quiet;     /* the early pass: failures not logged */
/* A condition's two expanded operands: per serving thread, made at its
 * first condition (--threads: off each thread's static TLS block). */
typedef struct {
    char a[EXPAND_MAX], b[EXPAND_MAX];
} operands_t;
static WEFT_TLS operands_t       *ops;
#define buf_a (ops->a)
#define buf_b (ops->b)

/* Match re against s: the captures into caps; 1 on a match. */
static int
match(const pcre2_code *re, const char *s, size_t len, weft_route_caps_t *caps)
{
    int rc;

    if (md == NULL && (md = pcre2_match_data_create(MAX_CAPS, NULL)) == NULL)
        return 0;
    rc = pcre2_match(re, (PCRE2_SPTR) s, len, 0, 0, md, NULL);
    if (rc < 0)
        return 0;
    caps->subject = s;
    caps->ovector = pcre2_get_ovector_pointer(md);
    caps->n = rc == 0 ? MAX_CAPS : rc;
    return 1;
}

/* A number operand: what strtoll makes of it, 0 for none. */
static long long
number(const char *s)
{
    return strtoll(s, NULL, 10);
}

/* Evaluate a rule's condition: 1 true, 0 false, -1 a template too long. */
static int
condition(weft_req_t *r, const weft_route_t *rt, weft_route_caps_t *caps)
{
    ssize_t     al, bl = 0;
    struct stat st;

    if (ops == NULL && (ops = malloc(sizeof(*ops))) == NULL) {
        weft_log(WEFT_LOG_ERROR, "routes: out of memory");
        return 0;
    }
    if ((al = weft_route_expand(r, rt->a, NULL, buf_a, sizeof(buf_a))) < 0)
        return -1;
    if (rt->b != NULL && rt->cond != WEFT_RCOND_REGEXP
        && (bl = weft_route_expand(r, rt->b, NULL, buf_b, sizeof(buf_b))) < 0)
        return -1;
    switch (rt->cond) {
    case WEFT_RCOND_EMPTY:
        return al == 0;
    case WEFT_RCOND_EQUAL:
        return al == bl && memcmp(buf_a, buf_b, (size_t) al) == 0;
    case WEFT_RCOND_STARTSWITH:
        return al >= bl && memcmp(buf_a, buf_b, (size_t) bl) == 0;
    case WEFT_RCOND_ENDSWITH:
        return al >= bl && memcmp(buf_a + al - bl, buf_b, (size_t) bl) == 0;
    case WEFT_RCOND_CONTAINS:
        return strstr(buf_a, buf_b) != NULL;
    case WEFT_RCOND_REGEXP:
        return match(rt->re, buf_a, (size_t) al, caps);
    case WEFT_RCOND_ISFILE:
        return stat(buf_a, &st) == 0 && S_ISREG(st.st_mode);
    case WEFT_RCOND_ISDIR:
        return stat(buf_a, &st) == 0 && S_ISDIR(st.st_mode);
    case WEFT_RCOND_ISHIGHER:
        return number(buf_a) > number(buf_b);
    case WEFT_RCOND_ISLOWER:
        return number(buf_a) < number(buf_b);
    case WEFT_RCOND_NONE:
        break;
    }
    return 0;
}

/* Answer 500 for a rule that could not run (one ERROR line). */
static int
fail(weft_req_t *r, const weft_route_t *rt, const char *why)
{
    struct weft_route_req_s *st = weft_route_state(r);

    if (!quiet)
        weft_log(WEFT_LOG_ERROR, "%.*s %.*s: route '%s': %s", (int) r->pub.method.len,
                 r->pub.method.data, (int) r->pub.uri.len, r->pub.uri.data, rt->text, why);
    if (st == NULL)
        return WEFT_ERROR;
    st->answer = 500;
    st->text_body = 1;
    return WEFT_DONE;
}

int
weft_route_answers_early(weft_conn_t *c)
{
    static WEFT_TLS weft_req_t scratch;
    int               rc, head_error = c->head_error;

    scratch.conn = c;
    if (weft_proto_build_request(c, &scratch) != WEFT_OK) {
        c->head_error = head_error;     /* the core's own build reports it */
        return 0;
    }
    quiet = 1;
    rc = weft_route_request(&scratch);
    quiet = 0;
    scratch.conn = NULL;
    return rc != WEFT_OK;
}

int
weft_route_request(weft_req_t *r)
{
    unsigned i = 0, jumps = 0;

    r->no_log = 0;
    r->route_head = 0;
    r->route_chunked = 0;
    if (r->route != NULL) {
        r->route->answer = 0;
        r->route->text_body = 0;
        r->route->nedits = 0;
        r->route->used = 0;
        r->route->reason = r->route->location = r->route->realm = NULL;
    }
    while (i < weft_nroutes) {
        const weft_route_t *rt = &weft_routes[i];
        weft_route_caps_t   caps = { NULL, NULL, 0 };
        int                 hit, rc;

        switch (rt->kind) {
        case WEFT_ROUTE_REGEXP:
            hit = match(rt->re, r->pub.path_info.data, r->pub.path_info.len, &caps);
            break;
        case WEFT_ROUTE_IF:
        case WEFT_ROUTE_IF_NOT:
            hit = condition(r, rt, &caps);
            if (hit < 0)
                return fail(r, rt, "a value is longer than 8192 bytes");
            if (rt->kind == WEFT_ROUTE_IF_NOT)
                hit = !hit;
            break;
        case WEFT_ROUTE_RUN:
            hit = 1;
            break;
        default:
            hit = 0;            /* a label */
            break;
        }
        if (!hit) {
            i++;
            continue;
        }
        rc = weft_route_action(r, rt, &caps);
        switch (rc) {
        case WEFT_ROUTE_NEXT:
            i++;
            break;
        case WEFT_ROUTE_GOTO:
            if (++jumps > 1000)
                return fail(r, rt, "1000 jumps: the rules loop; the request is stopped");
            i = rt->target;
            break;
        case WEFT_ROUTE_CONTINUE:
            return WEFT_OK;
        case WEFT_ROUTE_BREAK:
            return WEFT_DONE;
        default:
            return fail(r, rt, "out of room for what it sets");
        }
    }
    return WEFT_OK;
}
