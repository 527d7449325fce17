/*
 * core/route_parse.c - the route options: recorded in order as given,
 * parsed, compiled and checked once at start-up.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include "inifile.h"
#include "log.h"
#include "route.h"

int           weft_routes_active;
weft_route_t *weft_routes;
unsigned      weft_nroutes;

/* The options as given, with their kind, until weft_routes_setup(). */
typedef struct {
    weft_route_kind_t kind;
    char             *text;
} given_t;

static given_t  *given;
static unsigned  ngiven;

static const char *const kind_names[] = {
    "route", "route-if", "route-if-not", "route-run", "route-label"
};

int
weft_route_option(weft_route_kind_t kind, const char *value, char *err, size_t errlen)
{
    given_t *g = realloc(given, (ngiven + 1) * sizeof(*given));

    if (g == NULL || (g[ngiven].text = strdup(value)) == NULL) {
        if (g != NULL)
            given = g;
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    given = g;
    g[ngiven++].kind = kind;
    weft_routes_active = 1;
    return WEFT_OK;
}

static const struct {
    const char       *name;
    weft_route_cond_t cond;
    int               operands;
} conds[] = {
    { "empty", WEFT_RCOND_EMPTY, 1 },
    { "equal", WEFT_RCOND_EQUAL, 2 },     { "isequal", WEFT_RCOND_EQUAL, 2 },
    { "eq", WEFT_RCOND_EQUAL, 2 },
    { "startswith", WEFT_RCOND_STARTSWITH, 2 },
    { "endswith", WEFT_RCOND_ENDSWITH, 2 },
    { "regexp", WEFT_RCOND_REGEXP, 2 },   { "re", WEFT_RCOND_REGEXP, 2 },
    { "contains", WEFT_RCOND_CONTAINS, 2 },
    { "isfile", WEFT_RCOND_ISFILE, 1 },
    { "isdir", WEFT_RCOND_ISDIR, 1 },
    { "ishigher", WEFT_RCOND_ISHIGHER, 2 },
    { "islower", WEFT_RCOND_ISLOWER, 2 },
};

static const struct {
    const char      *name;
    weft_route_act_t act;
    int              code;
} acts[] = {
    { "donotlog", WEFT_RACT_DONOTLOG, 0 },
    { "break", WEFT_RACT_BREAK, 0 },
    { "return", WEFT_RACT_RETURN, 0 },      { "break-with-status", WEFT_RACT_RETURN, 0 },
    { "addheader", WEFT_RACT_ADDHEADER, 0 },
    { "delheader", WEFT_RACT_DELHEADER, 0 }, { "remheader", WEFT_RACT_DELHEADER, 0 },
    { "redirect", WEFT_RACT_REDIRECT, 302 }, { "redirect-302", WEFT_RACT_REDIRECT, 302 },
    { "redirect-301", WEFT_RACT_REDIRECT, 301 },
    { "redirect-permanent", WEFT_RACT_REDIRECT, 301 },
    { "rewrite", WEFT_RACT_REWRITE, 0 },
    { "rewrite-last", WEFT_RACT_REWRITE_LAST, 0 },
    { "setpathinfo", WEFT_RACT_SETPATHINFO, 0 },
    { "addvar", WEFT_RACT_ADDVAR, 0 },
    { "basicauth", WEFT_RACT_BASICAUTH, 0 },
    { "chunked", WEFT_RACT_CHUNKED, 0 },
    { "last", WEFT_RACT_LAST, 0 },           { "continue", WEFT_RACT_LAST, 0 },
    { "goto", WEFT_RACT_GOTO, 0 },
};

/* A copy of s[0..n) that lives as long as the process; NULL: no memory. */
static char *
dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* Compile a pattern (with JIT when the library has it). */
static pcre2_code *
compile(const char *pattern, char *err, size_t errlen)
{
    int         ec;
    PCRE2_SIZE  off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR) pattern, PCRE2_ZERO_TERMINATED, 0, &ec, &off,
                                   NULL);

    if (re == NULL) {
        PCRE2_UCHAR msg[160];

        pcre2_get_error_message(ec, msg, sizeof(msg));
        snprintf(err, errlen, "bad regexp '%s' at offset %zu: %s", pattern, (size_t) off,
                 (const char *) msg);
        return NULL;
    }
    (void) pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);   /* falls back to the interpreter */
    return re;
}

/* "name:arg" (or "name") into the rule's action. */
static int
parse_action(const char *s, weft_route_t *out, char *err, size_t errlen)
{
    const char *colon = strchr(s, ':');
    size_t      nl = colon ? (size_t) (colon - s) : strlen(s);
    const char *arg = colon ? colon + 1 : "";
    size_t      i;

    for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
        if (strlen(acts[i].name) == nl && strncmp(acts[i].name, s, nl) == 0)
            break;
    if (nl == 0 || i == sizeof(acts) / sizeof(acts[0])) {
        snprintf(err, errlen, "unsupported route action '%.*s' (weft has: donotlog, break, return, addheader, delheader, redirect, redirect-301, redirect-302, rewrite, rewrite-last, setpathinfo, addvar, basicauth, chunked, last, continue, goto)",
                 (int) nl, s);
        return WEFT_DECLINED;
    }
    out->act = acts[i].act;
    out->code = acts[i].code;
    if ((out->arg = dup_n(arg, strlen(arg))) == NULL) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    switch (out->act) {
    case WEFT_RACT_BREAK:
    case WEFT_RACT_RETURN: {
        char *end;
        long  code;

        if (*arg == '\0' && out->act == WEFT_RACT_BREAK)
            break;                                  /* close, no response */
        code = strtol(out->arg, &end, 10);
        if (end == out->arg || code < 100 || code > 999 || (*end != '\0' && *end != ' ')) {
            snprintf(err, errlen, "%s: needs a status code (100-999), got '%s'",
                     out->act == WEFT_RACT_BREAK ? "break" : "return", arg);
            return WEFT_ERROR;
        }
        out->code = (int) code;
        while (*end == ' ')
            end++;
        /* arg keeps only the reason, if any, in its own block. */
        memmove((char *) out->arg, end, strlen(end) + 1);
        break;
    }
    case WEFT_RACT_GOTO:
        if (*arg == '\0') {
            snprintf(err, errlen, "goto: needs a label");
            return WEFT_ERROR;
        }
        out->label = out->arg;
        break;
    case WEFT_RACT_ADDHEADER:
        if (strchr(arg, ':') == NULL) {
            snprintf(err, errlen, "addheader: needs 'Name: value', got '%s'", arg);
            return WEFT_ERROR;
        }
        break;
    case WEFT_RACT_ADDVAR:
        if (strchr(arg, '=') == NULL || *arg == '=') {
            snprintf(err, errlen, "addvar: needs 'KEY=VALUE', got '%s'", arg);
            return WEFT_ERROR;
        }
        break;
    case WEFT_RACT_DELHEADER:
    case WEFT_RACT_REDIRECT:
    case WEFT_RACT_REWRITE:
    case WEFT_RACT_REWRITE_LAST:
        if (*arg == '\0') {
            snprintf(err, errlen, "%.*s: needs an argument", (int) nl, s);
            return WEFT_ERROR;
        }
        break;
    case WEFT_RACT_BASICAUTH:
        if (strchr(arg, ',') == NULL) {
            snprintf(err, errlen, "basicauth: needs 'REALM,USER:PASSWORD' or 'REALM,HTPASSWD-FILE', got '%s'", arg);
            return WEFT_ERROR;
        }
        break;
    default:
        break;
    }
    return WEFT_OK;
}

/* "name:a;b" into the rule's condition. */
static int
parse_cond(const char *s, size_t len, weft_route_t *out, char *err, size_t errlen)
{
    const char *colon = memchr(s, ':', len);
    size_t      nl = colon ? (size_t) (colon - s) : len;
    size_t      i;
    char       *args, *semi;

    for (i = 0; i < sizeof(conds) / sizeof(conds[0]); i++)
        if (strlen(conds[i].name) == nl && strncmp(conds[i].name, s, nl) == 0)
            break;
    if (i == sizeof(conds) / sizeof(conds[0])) {
        snprintf(err, errlen, "unsupported route condition '%.*s' (weft has: empty, equal, startswith, endswith, regexp, re, contains, isfile, isdir, ishigher, islower)",
                 (int) nl, s);
        return WEFT_DECLINED;
    }
    if (colon == NULL) {
        snprintf(err, errlen, "%s: needs ':' and its operand%s", conds[i].name,
                 conds[i].operands == 2 ? "s split by ';'" : "");
        return WEFT_ERROR;
    }
    out->cond = conds[i].cond;
    if ((args = dup_n(colon + 1, len - nl - 1)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    out->a = args;
    semi = strchr(args, ';');
    if (conds[i].operands == 2) {
        if (semi == NULL) {
            snprintf(err, errlen, "%s: needs two operands split by ';', got '%s'", conds[i].name,
                     args);
            return WEFT_ERROR;
        }
        *semi = '\0';
        out->b = semi + 1;
    }
    if (out->cond == WEFT_RCOND_REGEXP && (out->re = compile(out->b, err, errlen)) == NULL)
        return WEFT_ERROR;
    return WEFT_OK;
}

int
weft_route_parse(weft_route_kind_t kind, const char *text, weft_route_t *out, char *err,
                 size_t errlen)
{
    const char *sp;

    memset(out, 0, sizeof(*out));
    out->kind = kind;
    out->text = text;
    while (*text == ' ' || *text == '\t')
        text++;
    if (*text == '\0') {
        snprintf(err, errlen, "empty rule");
        return WEFT_ERROR;
    }
    if (kind == WEFT_ROUTE_LABEL) {
        out->label = text;
        return WEFT_OK;
    }
    if (kind == WEFT_ROUTE_RUN)
        return parse_action(text, out, err, errlen);

    sp = text + strcspn(text, " \t");
    if (*sp == '\0') {
        snprintf(err, errlen, "needs a %s and an action split by a space",
                 kind == WEFT_ROUTE_REGEXP ? "regexp" : "condition");
        return WEFT_ERROR;
    }
    if (kind == WEFT_ROUTE_REGEXP) {
        char *pattern = dup_n(text, (size_t) (sp - text));

        if (pattern == NULL) {
            snprintf(err, errlen, "out of memory");
            return WEFT_ERROR;
        }
        out->re = compile(pattern, err, errlen);
        free(pattern);
        if (out->re == NULL)
            return WEFT_ERROR;
    } else {
        int rc = parse_cond(text, (size_t) (sp - text), out, err, errlen);

        if (rc != WEFT_OK)
            return rc;
    }
    while (*sp == ' ' || *sp == '\t')
        sp++;
    return parse_action(sp, out, err, errlen);
}

int
weft_routes_setup(void)
{
    char     err[512];
    unsigned i, j;

    if (ngiven == 0)
        return WEFT_OK;
    weft_routes = calloc(ngiven, sizeof(*weft_routes));
    if (weft_routes == NULL) {
        weft_log(WEFT_LOG_ERROR, "out of memory for %u routes", ngiven);
        return WEFT_ERROR;
    }
    for (i = 0, j = 0; i < ngiven; i++) {
        int rc = weft_route_parse(given[i].kind, given[i].text, &weft_routes[j], err,
                                  sizeof(err));

        /* An action or condition weft does not have is said, and the rule
         * left out, as for an option weft does not honour: an error only
         * under --strict.  A malformed rule is always an error. */
        if (rc == WEFT_DECLINED && !weft_ini_strict) {
            weft_log(WEFT_LOG_WARN, "--%s \"%s\": %s: the rule is left out (an error under --strict)",
                     kind_names[given[i].kind], given[i].text, err);
            weft_route_free(&weft_routes[j]);
            continue;
        }
        if (rc != WEFT_OK) {
            weft_log(WEFT_LOG_ERROR, "--%s \"%s\": %s", kind_names[given[i].kind], given[i].text,
                     err);
            return WEFT_ERROR;
        }
        j++;
    }
    weft_nroutes = j;
    for (i = 0; i < weft_nroutes; i++) {
        weft_route_t *rt = &weft_routes[i];

        if (rt->act != WEFT_RACT_GOTO)
            continue;
        for (j = 0; j < weft_nroutes; j++)
            if (weft_routes[j].kind == WEFT_ROUTE_LABEL
                && strcmp(weft_routes[j].label, rt->label) == 0)
                break;
        if (j == weft_nroutes) {
            weft_log(WEFT_LOG_ERROR, "--%s \"%s\": goto: no --route-label %s",
                     kind_names[rt->kind], rt->text, rt->label);
            return WEFT_ERROR;
        }
        rt->target = j;
    }
    weft_log(WEFT_LOG_INFO, "%u route rule%s", weft_nroutes, weft_nroutes == 1 ? "" : "s");
    return WEFT_OK;
}

void
weft_route_free(weft_route_t *rt)
{
    free((char *) rt->a);
    free((char *) rt->arg);
    if (rt->re != NULL)
        pcre2_code_free(rt->re);
    memset(rt, 0, sizeof(*rt));
}

void
weft_routes_reset(void)
{
    unsigned i;

    for (i = 0; i < ngiven; i++)
        free(given[i].text);
    free(given);
    given = NULL;
    ngiven = 0;
    for (i = 0; i < weft_nroutes; i++)
        weft_route_free(&weft_routes[i]);
    free(weft_routes);
    weft_routes = NULL;
    weft_nroutes = 0;
    weft_routes_active = 0;
}
