/*
 * core/buf.c - a growable byte buffer.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include "buf.h"

int
weft_buf_reserve(weft_buf_t *b, size_t more)
{
    size_t cap;
    char  *p;

    if (b->cap - b->len >= more)
        return WEFT_OK;
    cap = b->cap ? b->cap : 256;
    while (cap - b->len < more) {
        if (cap > ((size_t) -1) / 2)
            return WEFT_ERROR;
        cap *= 2;
    }
    p = realloc(b->data, cap);
    if (p == NULL)
        return WEFT_ERROR;
    b->data = p;
    b->cap = cap;
    return WEFT_OK;
}

int
weft_buf_append(weft_buf_t *b, const void *p, size_t n)
{
    if (weft_buf_reserve(b, n) != WEFT_OK)
        return WEFT_ERROR;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return WEFT_OK;
}

int
weft_buf_printf(weft_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int     n;

    if (weft_buf_reserve(b, 64) != WEFT_OK)
        return WEFT_ERROR;
    va_start(ap, fmt);
    n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return WEFT_ERROR;
    if ((size_t) n >= b->cap - b->len) {
        if (weft_buf_reserve(b, (size_t) n + 1) != WEFT_OK)
            return WEFT_ERROR;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t) n;
    return WEFT_OK;
}

void
weft_buf_reset(weft_buf_t *b, size_t keep)
{
    b->len = 0;
    if (b->cap > keep)
        weft_buf_free(b);
}

void
weft_buf_free(weft_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
