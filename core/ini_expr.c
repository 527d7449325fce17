/*
 * core/ini_expr.c - what is inside %( ): a placeholder, or uWSGI's
 * placeholder arithmetic, evaluated left to right.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include "ini_dialect.h"

#define MAX_WORDS 64

/* Whether the word w is one of the operators. */
static int
is_op(const char *w)
{
    return strcmp(w, "+") == 0 || strcmp(w, "-") == 0 || strcmp(w, "*") == 0
           || strcmp(w, "/") == 0 || strcmp(w, "++") == 0 || strcmp(w, "--") == 0;
}

/* A word's value: a placeholder's, else the word itself (a number). */
static const char *
operand(const char *w)
{
    const char *v = weft_ini_ph_get(w);

    return v != NULL ? v : w;
}

/* s as a whole number in *out, or WEFT_ERROR naming it and expr. */
static int
number(const char *s, long long *out, const char *expr, char *err, size_t errlen)
{
    char *end;

    errno = 0;
    *out = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0') {
        snprintf(err, errlen, "%%(%s): '%s' is not a number", expr, s);
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

int
weft_ini_expr(const char *expr, char **out, char *err, size_t errlen)
{
    char       *copy = strdup(expr), *words[MAX_WORDS], *save = NULL, *w;
    char        acc[512];
    int         n = 0, i, numeric = 0;
    long long   a, b;

    *out = NULL;
    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    for (w = strtok_r(copy, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
        if (n == MAX_WORDS) {
            snprintf(err, errlen, "%%(%s): more than %d words", expr, MAX_WORDS);
            free(copy);
            return WEFT_ERROR;
        }
        words[n++] = w;
    }
    if (n == 1 || n == 0) {
        const char *v = n ? weft_ini_ph_get(words[0]) : NULL;
        if (v != NULL && (*out = strdup(v)) == NULL) {
            snprintf(err, errlen, "out of memory");
            free(copy);
            return WEFT_ERROR;
        }
        free(copy);
        return WEFT_OK;
    }
    if (is_op(words[0]) && strcmp(words[0], "++") != 0 && strcmp(words[0], "--") != 0) {
        snprintf(err, errlen, "%%(%s): starts with an operator", expr);
        goto fail;
    }
    snprintf(acc, sizeof(acc), "%s", operand(words[0]));
    for (i = 1; i < n; i++) {
        const char *op = words[i];

        if (!is_op(op)) {                      /* two operands: joined */
            size_t l = strlen(acc);
            snprintf(acc + l, sizeof(acc) - l, "%s", operand(op));
            continue;
        }
        if (number(acc, &a, expr, err, errlen) != WEFT_OK)
            goto fail;
        numeric = 1;
        if (strcmp(op, "++") == 0 || strcmp(op, "--") == 0) {
            if (__builtin_add_overflow(a, op[0] == '+' ? 1 : -1, &a))
                goto range;
        } else {
            if (i + 1 >= n) {
                snprintf(err, errlen, "%%(%s): '%s' has nothing after it", expr, op);
                goto fail;
            }
            if (number(operand(words[++i]), &b, expr, err, errlen) != WEFT_OK)
                goto fail;
            switch (op[0]) {
            case '+':
                if (__builtin_add_overflow(a, b, &a))
                    goto range;
                break;
            case '-':
                if (__builtin_sub_overflow(a, b, &a))
                    goto range;
                break;
            case '*':
                if (__builtin_mul_overflow(a, b, &a))
                    goto range;
                break;
            case '/':
                if (b == 0) {
                    snprintf(err, errlen, "%%(%s): division by zero", expr);
                    goto fail;
                }
                if (a == LLONG_MIN && b == -1)
                    goto range;
                a /= b;
                break;
            }
        }
        snprintf(acc, sizeof(acc), "%lld", a);
    }
    (void) numeric;
    free(copy);
    if ((*out = strdup(acc)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    return WEFT_OK;

range:
    /* A 64-bit signed result, or a clear error (never a wrapped number,
     * and never undefined behaviour). */
    snprintf(err, errlen, "%%(%s): the result is out of range", expr);
fail:
    free(copy);
    return WEFT_ERROR;
}
