/*
 * core/ini_expand.c - placeholders and the substitutions of a value, in
 * uWSGI's order: $(ENV), then @(file), then %(placeholder) and %(expr).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include "ini_dialect.h"
#include "options.h"

typedef struct {
    char *name;     /* '_' as '-' */
    char *value;
    int   used;
} ph_t;

static ph_t   *phs;
static size_t  nphs, phs_cap;

/* A malloc'd copy of name with every '_' as '-'. */
static char *
norm(const char *name)
{
    char *s = strdup(name), *p;

    if (s != NULL)
        for (p = s; *p; p++)
            if (*p == '_')
                *p = '-';
    return s;
}

/* The placeholder called name, or NULL. */
static ph_t *
find(const char *name)
{
    char  *n = norm(name);
    size_t i;

    if (n == NULL)
        return NULL;
    for (i = 0; i < nphs; i++)
        if (strcmp(phs[i].name, n) == 0) {
            free(n);
            return &phs[i];
        }
    free(n);
    return NULL;
}

/* Set name to value; an existing one is changed only if replace. */
static int
ph_store(const char *name, const char *value, int replace)
{
    ph_t *p = find(name);
    char *v;

    if (p != NULL && !replace)
        return WEFT_OK;
    if ((v = strdup(value)) == NULL)
        return WEFT_ERROR;
    if (p != NULL) {
        free(p->value);
        p->value = v;
        return WEFT_OK;
    }
    if (nphs == phs_cap) {
        size_t cap = phs_cap ? phs_cap * 2 : 32;
        ph_t  *np = realloc(phs, cap * sizeof(*np));
        if (np == NULL) {
            free(v);
            return WEFT_ERROR;
        }
        phs = np;
        phs_cap = cap;
    }
    phs[nphs].name = norm(name);
    phs[nphs].value = v;
    phs[nphs].used = 0;
    if (phs[nphs].name == NULL) {
        free(v);
        return WEFT_ERROR;
    }
    nphs++;
    return WEFT_OK;
}

int
weft_ini_ph_set(const char *name, const char *value)
{
    return ph_store(name, value, 0);
}

int
weft_ini_ph_replace(const char *name, const char *value)
{
    return ph_store(name, value, 1);
}

void
weft_ini_ph_forget(const char *name)
{
    ph_t *p = find(name);

    if (p == NULL)
        return;
    free(p->name);
    free(p->value);
    *p = phs[--nphs];
}

const char *
weft_ini_ph_get(const char *name)
{
    ph_t *p = find(name);

    if (p == NULL)
        return NULL;
    p->used = 1;
    return p->value;
}

int
weft_ini_ph_used(const char *name)
{
    ph_t *p = find(name);

    return p != NULL && p->used;
}

void
weft_ini_ph_reset(void)
{
    size_t i;

    for (i = 0; i < nphs; i++) {
        free(phs[i].name);
        free(phs[i].value);
    }
    free(phs);
    phs = NULL;
    nphs = phs_cap = 0;
}

int
weft_ini_ph_assign(const char *spec, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    char        name[256];
    const char *value;
    size_t      len;

    if (eq == NULL) {
        snprintf(err, errlen, "'%s' is not name=value", spec);
        return WEFT_ERROR;
    }
    while (*spec == ' ' || *spec == '\t')
        spec++;
    len = (size_t) (eq - spec);
    while (len > 0 && (spec[len - 1] == ' ' || spec[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof(name)) {
        snprintf(err, errlen, "'%s' has no placeholder name before '='", spec);
        return WEFT_ERROR;
    }
    memcpy(name, spec, len);
    name[len] = '\0';
    value = eq + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    if (weft_ini_ph_set(name, value) != WEFT_OK) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

/* A growable string. */
typedef struct {
    char   *p;
    size_t  n, cap;
} buf_t;

/* Append n bytes of s to b; WEFT_ERROR when memory runs out. */
static int
add(buf_t *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        char  *p;
        while (cap < b->n + n + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (p == NULL)
            return WEFT_ERROR;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return WEFT_OK;
}

/* The value of $(inside): VAR, VAR:-default, VAR-default. */
static const char *
env_value(char *inside)
{
    char       *dash = strchr(inside, '-');
    const char *v;

    if (dash != NULL && dash > inside && dash[-1] == ':') {
        dash[-1] = '\0';
        v = getenv(inside);
        return v != NULL && v[0] != '\0' ? v : dash + 1;
    }
    if (dash != NULL) {
        *dash = '\0';
        v = getenv(inside);
        return v != NULL ? v : dash + 1;
    }
    v = getenv(inside);
    return v != NULL ? v : "";
}

/* The contents of file path, its last newline left out (malloc'd). */
static char *
file_value(const char *path, char *err, size_t errlen)
{
    FILE  *f;
    buf_t  b = { NULL, 0, 0 };
    char   chunk[4096];
    size_t n;

    if (strstr(path, "://") != NULL) {
        snprintf(err, errlen, "@(%s): weft reads plain files only", path);
        return NULL;
    }
    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "@(%s): cannot read it: %s", path, strerror(errno));
        return NULL;
    }
    add(&b, "", 0);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (add(&b, chunk, n) != WEFT_OK)
            break;
    fclose(f);
    if (b.p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    while (b.n > 0 && (b.p[b.n - 1] == '\n' || b.p[b.n - 1] == '\r'))
        b.p[--b.n] = '\0';
    return b.p;
}

/* One pass: replace every SIGIL( ... ) of in. */
static int
pass(const char *in, char sigil, char **out, char *err, size_t errlen)
{
    buf_t       b = { NULL, 0, 0 };
    const char *s = in;

    add(&b, "", 0);
    for (;;) {
        const char *open = s, *close;
        char       *inside, *val = NULL;
        const char *v = NULL;
        size_t      len;

        while ((open = strchr(open, sigil)) != NULL && open[1] != '(')
            open++;
        if (open == NULL) {
            add(&b, s, strlen(s));
            break;
        }
        close = strchr(open + 2, ')');
        if (close == NULL) {
            snprintf(err, errlen, "'%c(' without ')' in '%s'", sigil, in);
            free(b.p);
            return WEFT_ERROR;
        }
        add(&b, s, (size_t) (open - s));
        len = (size_t) (close - open - 2);
        inside = malloc(len + 1);
        if (inside == NULL)
            goto nomem;
        memcpy(inside, open + 2, len);
        inside[len] = '\0';
        if (sigil == '$') {
            v = env_value(inside);
        } else if (sigil == '@') {
            if ((val = file_value(inside, err, errlen)) == NULL) {
                free(inside);
                free(b.p);
                return WEFT_ERROR;
            }
            v = val;
        } else {
            if (weft_ini_expr(inside, &val, err, errlen) != WEFT_OK) {
                free(inside);
                free(b.p);
                return WEFT_ERROR;
            }
            v = val;
        }
        if (v == NULL)      /* an undefined %(name) stays as written */
            add(&b, open, (size_t) (close + 1 - open));
        else
            add(&b, v, strlen(v));
        free(val);
        free(inside);
        s = close + 1;
    }
    if (b.p == NULL)
        goto nomem;
    *out = b.p;
    return WEFT_OK;

nomem:
    free(b.p);
    snprintf(err, errlen, "out of memory");
    return WEFT_ERROR;
}

int
weft_ini_expand(const char *in, char **out, char *err, size_t errlen)
{
    static const char sigils[] = { '$', '@', '%' };
    char             *cur = strdup(in);
    int               i;

    if (cur == NULL) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    for (i = 0; i < 3; i++) {
        char *next;
        if (strchr(cur, sigils[i]) == NULL)
            continue;
        if (pass(cur, sigils[i], &next, err, errlen) != WEFT_OK) {
            free(cur);
            return WEFT_ERROR;
        }
        free(cur);
        cur = next;
    }
    *out = cur;
    return WEFT_OK;
}
