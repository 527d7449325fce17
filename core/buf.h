/*
 * core/buf.h - a growable byte buffer.
 */
#ifndef WEFT_CORE_BUF_H
#define WEFT_CORE_BUF_H

#include <stddef.h>

typedef struct weft_buf_s weft_buf_t;

struct weft_buf_s {
    char   *data;
    size_t  len;
    size_t  cap;
};

/* Make room for `more` bytes after len; WEFT_ERROR when out of memory. */
int  weft_buf_reserve(weft_buf_t *b, size_t more);
int  weft_buf_append(weft_buf_t *b, const void *p, size_t n);
int  weft_buf_printf(weft_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Empty it; give the memory back when it grew past keep bytes. */
void weft_buf_reset(weft_buf_t *b, size_t keep);
void weft_buf_free(weft_buf_t *b);

#endif
