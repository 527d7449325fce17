/*
 * core/route.h - uWSGI's internal routing, the request chain: --route,
 * --route-if, --route-if-not, --route-run, --route-label.
 *
 * The rules are parsed, their regexps compiled (PCRE2, JIT when it can) and
 * their goto labels resolved once at start-up (route_parse.c).  A request
 * runs them on its core, after its variables are built and before static
 * files and the app (route.c).  Actions (route_actions.c) may change the
 * request's variables, ask for response header edits made when the head is
 * written, or answer the request themselves (weft_route_language).  ${VAR}
 * templates are expanded in route_vars.c.  With no rule set, every entry
 * point is one test of weft_routes_active.
 */
#ifndef WEFT_CORE_ROUTE_H
#define WEFT_CORE_ROUTE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <weft/language.h>

#include "request.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Which option a rule came from. */
typedef enum {
    WEFT_ROUTE_REGEXP,      /* --route REGEXP ACTION (PATH_INFO) */
    WEFT_ROUTE_IF,          /* --route-if COND ACTION */
    WEFT_ROUTE_IF_NOT,      /* --route-if-not COND ACTION */
    WEFT_ROUTE_RUN,         /* --route-run ACTION */
    WEFT_ROUTE_LABEL        /* --route-label NAME */
} weft_route_kind_t;

typedef enum {
    WEFT_RCOND_NONE,
    WEFT_RCOND_EMPTY, WEFT_RCOND_EQUAL, WEFT_RCOND_STARTSWITH, WEFT_RCOND_ENDSWITH,
    WEFT_RCOND_REGEXP, WEFT_RCOND_CONTAINS, WEFT_RCOND_ISFILE, WEFT_RCOND_ISDIR,
    WEFT_RCOND_ISHIGHER, WEFT_RCOND_ISLOWER
} weft_route_cond_t;

typedef enum {
    WEFT_RACT_NONE,
    WEFT_RACT_DONOTLOG, WEFT_RACT_BREAK, WEFT_RACT_RETURN, WEFT_RACT_ADDHEADER,
    WEFT_RACT_DELHEADER, WEFT_RACT_REDIRECT, WEFT_RACT_REWRITE, WEFT_RACT_REWRITE_LAST,
    WEFT_RACT_SETPATHINFO, WEFT_RACT_ADDVAR, WEFT_RACT_BASICAUTH, WEFT_RACT_CHUNKED,
    WEFT_RACT_LAST, WEFT_RACT_GOTO
} weft_route_act_t;

/* What an action tells the chain. */
enum {
    WEFT_ROUTE_NEXT,        /* the next rule */
    WEFT_ROUTE_CONTINUE,    /* stop routing: on to the app */
    WEFT_ROUTE_BREAK,       /* stop: the route answers (weft_route_language) */
    WEFT_ROUTE_GOTO         /* jump to the rule's label */
};

typedef struct weft_route_s weft_route_t;

struct weft_route_s {
    weft_route_kind_t  kind;
    const char        *text;        /* the option as given, for messages */
    pcre2_code        *re;          /* --route's pattern, or regexp:'s */
    weft_route_cond_t  cond;
    const char        *a, *b;       /* the condition's operands (templates;
                                       b is the pattern for regexp:) */
    weft_route_act_t   act;
    const char        *arg;         /* the action's argument (a template) */
    int                code;        /* break:, return:, redirect-30x: */
    unsigned           target;      /* goto: the label's rule */
    const char        *label;       /* --route-label's name, goto:'s target */
};

/* Captures of the rule's regexp: $0..$9. */
typedef struct {
    const char  *subject;
    PCRE2_SIZE  *ovector;
    int          n;                 /* pairs set, 0: none */
} weft_route_caps_t;

/* A request's routing state (one per core, made the first time a rule
 * needs it): the route's answer and the response header edits. */
#define WEFT_ROUTE_STORE 16384
#define WEFT_ROUTE_EDITS 32

typedef struct {
    int          del;               /* delheader (else addheader) */
    const char  *name, *value;
    size_t       nlen, vlen;
} weft_route_edit_t;

struct weft_route_req_s {
    int                answer;      /* 0: none, else the status to send;
                                       -1: close without a response */
    int                text_body;   /* return: a text/plain body */
    const char        *reason;      /* break:CODE REASON */
    const char        *location;    /* redirect: */
    const char        *realm;       /* basicauth: a 401 */
    unsigned           nedits;
    weft_route_edit_t  edits[WEFT_ROUTE_EDITS];
    size_t             used;
    char               store[WEFT_ROUTE_STORE];
};

/* 1 once a rule is set: the one test the request path makes. */
extern int weft_routes_active;

/* ---------------------------------------------------------- route_parse.c */

/* The option callbacks (core_options.c): record a rule, in order. */
int weft_route_option(weft_route_kind_t kind, const char *value, char *err, size_t errlen);

/* Parse one rule into *out (regexps compiled).  WEFT_ERROR with a reason
 * naming what is wrong in err; WEFT_DECLINED, with the reason too, for an
 * action or condition weft does not have (uWSGI may). */
int weft_route_parse(weft_route_kind_t kind, const char *text, weft_route_t *out, char *err,
                     size_t errlen);

/* Free what a parsed rule holds (its operands, argument and pattern), and
 * clear it; a cleared rule is freed again as a no-op. */
void weft_route_free(weft_route_t *rt);

/* At start-up: parse every recorded rule, resolve goto labels.  WEFT_ERROR
 * (after an ERROR line that names the rule) when one is wrong. */
int weft_routes_setup(void);

/* The table weft_routes_setup() made. */
extern weft_route_t *weft_routes;
extern unsigned      weft_nroutes;

/* Forget every rule (unit tests). */
void weft_routes_reset(void);

/* ---------------------------------------------------------- route.c */

/* Run the chain for r: WEFT_OK to go on to static files and the app (the
 * variables may have changed), WEFT_DONE when weft_route_language answers. */
int weft_route_request(weft_req_t *r);

/* A head is in and the loop is about to buffer its body: whether the
 * chain answers this request itself (break:, return:, redirect:, a 401),
 * so the body is not read first.  Runs the chain on a scratch request of
 * the worker's: the request's core runs it again. */
int weft_route_answers_early(weft_conn_t *c);

/* ---------------------------------------------------------- route_vars.c */

/* Expand a template (${VAR}, ${cookie[n]}, ${qs[n]}, ${httptime[N]}, $0-$9)
 * into out (NUL-terminated); its length, or -1 when it needs more than cap. */
ssize_t weft_route_expand(weft_req_t *r, const char *tpl, const weft_route_caps_t *caps,
                          char *out, size_t cap);

/* The value of name=value in a list of pairs split by sep (cookies: ';',
 * query strings: '&'); NULL when absent. */
const char *weft_route_pair(const char *list, size_t len, char sep, const char *name,
                            size_t nlen, size_t *vlen);

/* Set (replace, or add) the variable key to a copy of value kept in the
 * request's route state; re-indexes the request.  WEFT_ERROR when out of
 * room. */
int weft_route_set_var(weft_req_t *r, const char *key, size_t kl, const char *value,
                       size_t vl);

/* The request's route state (made on first use), or NULL when out of
 * memory; reset for each request by weft_route_request(). */
struct weft_route_req_s *weft_route_state(weft_req_t *r);

/* A copy of s in the request's route state; NULL when out of room. */
const char *weft_route_keep(weft_req_t *r, const char *s, size_t n);

/* ---------------------------------------------------------- route_actions.c */

/* Run a matched rule's action: WEFT_ROUTE_NEXT/CONTINUE/BREAK/GOTO. */
int weft_route_action(weft_req_t *r, const weft_route_t *rt, const weft_route_caps_t *caps);

/* When the head is built (response.c, only if r->route_head): delheader
 * and addheader edits on the app's headers, and chunked: (*length: -1). */
void weft_route_head(weft_req_t *r, int64_t *length);

/* Answers the request with what a break:, return:, redirect: or
 * basicauth: action set. */
extern const weft_language_t weft_route_language;

#endif
