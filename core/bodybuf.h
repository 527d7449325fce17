/*
 * core/bodybuf.h - a request body as the core keeps it: in memory up to
 * --body-buffer-size, then in an unlinked temporary file, so it can be read
 * again from any position (api->body_seek).  A zeroed weft_bodybuf_t is an
 * empty body.
 */
#ifndef WEFT_CORE_BODYBUF_H
#define WEFT_CORE_BODYBUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
    char     *mem;          /* the body while it fits in memory */
    size_t    mem_cap;
    uint64_t  len;          /* bytes kept, in memory or in the file */
    int       fd;           /* the temporary file, when spilled */
    unsigned  spilled:1;
    char     *cache;        /* a window of the file, for peek() */
    uint64_t  cache_off;
    size_t    cache_len;
} weft_bodybuf_t;

/* An empty body (no memory, no file). */
void    weft_bodybuf_init(weft_bodybuf_t *bb);

/*
 * Append n bytes.  `expect` is how long the whole body will be when known
 * (-1 otherwise): a body that fits gets one allocation of that size.  Past
 * `limit` bytes of memory the body moves to an unlinked temporary file in
 * $TMPDIR (or /tmp).  WEFT_ERROR, with errno, when memory or the file
 * fails (logged).
 */
int     weft_bodybuf_append(weft_bodybuf_t *bb, const void *p, size_t n, int64_t expect,
                            size_t limit);

/*
 * Point *p at the kept bytes from `off` on: returns how many are there in
 * one piece (at least 1 unless off >= len), 0 at or past the end, -1 when
 * the file cannot be read (errno).  *p stays valid until the next call.
 */
ssize_t weft_bodybuf_peek(weft_bodybuf_t *bb, uint64_t off, const char **p);

/* 1 when the body went to a temporary file. */
#define weft_bodybuf_spilled(bb)  ((bb)->spilled)

/* Free the memory and close the file; the body is empty again. */
void    weft_bodybuf_free(weft_bodybuf_t *bb);

#endif
