/*
 * core/bodybuf.c - a request body kept in memory, then in an unlinked
 * temporary file (O_TMPFILE, or mkstemp and unlink where the file system
 * has no O_TMPFILE): no name is ever left behind, even after a crash.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <weft/status.h>
#include "bodybuf.h"
#include "log.h"

#define MEM_START   4096
#define CACHE_SIZE  65536

void
weft_bodybuf_init(weft_bodybuf_t *bb)
{
    memset(bb, 0, sizeof(*bb));
}

void
weft_bodybuf_free(weft_bodybuf_t *bb)
{
    free(bb->mem);
    free(bb->cache);
    if (bb->spilled)
        close(bb->fd);
    weft_bodybuf_init(bb);
}

/* An unlinked read-write file in $TMPDIR (or /tmp): the fd, or -1. */
static int
open_temp(void)
{
    const char *dir = getenv("TMPDIR");
    char        path[PATH_MAX];
    int         fd;

    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
#ifdef O_TMPFILE
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
#endif
    if (snprintf(path, sizeof(path), "%s/weft-body-XXXXXX", dir) >= (int) sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/* Write all n bytes at the file's end. */
static int
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC;
            return WEFT_ERROR;
        }
        p += w;
        n -= (size_t) w;
    }
    return WEFT_OK;
}

/* Move what memory holds to a new temporary file. */
static int
spill(weft_bodybuf_t *bb)
{
    int fd = open_temp();

    if (fd < 0) {
        weft_log(WEFT_LOG_ERROR, "cannot create a temporary file for a request body in %s: %s",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", strerror(errno));
        return WEFT_ERROR;
    }
    if (write_all(fd, bb->mem, (size_t) bb->len) != WEFT_OK) {
        int e = errno;
        weft_log(WEFT_LOG_ERROR, "cannot write a request body to its temporary file: %s",
                 strerror(e));
        close(fd);
        errno = e;
        return WEFT_ERROR;
    }
    free(bb->mem);
    bb->mem = NULL;
    bb->mem_cap = 0;
    bb->fd = fd;
    bb->spilled = 1;
    return WEFT_OK;
}

int
weft_bodybuf_append(weft_bodybuf_t *bb, const void *p, size_t n, int64_t expect, size_t limit)
{
    if (n == 0)
        return WEFT_OK;
    if (!bb->spilled && bb->len + n > limit && spill(bb) != WEFT_OK)
        return WEFT_ERROR;
    if (bb->spilled) {
        if (write_all(bb->fd, p, n) != WEFT_OK) {
            weft_log(WEFT_LOG_ERROR, "cannot write a request body to its temporary file: %s",
                     strerror(errno));
            return WEFT_ERROR;
        }
        bb->len += n;
        return WEFT_OK;
    }
    if (bb->len + n > bb->mem_cap) {
        size_t cap = bb->mem_cap ? bb->mem_cap : MEM_START;
        char  *m;

        if (expect >= 0 && (uint64_t) expect <= limit && (uint64_t) expect >= bb->len + n)
            cap = (size_t) expect;            /* the whole body, at once */
        while (cap < bb->len + n)
            cap *= 2;
        if (cap > limit)
            cap = limit;
        m = realloc(bb->mem, cap);
        if (m == NULL) {
            weft_log(WEFT_LOG_ERROR, "out of memory for a request body of %llu bytes",
                     (unsigned long long) (bb->len + n));
            errno = ENOMEM;
            return WEFT_ERROR;
        }
        bb->mem = m;
        bb->mem_cap = cap;
    }
    memcpy(bb->mem + bb->len, p, n);
    bb->len += n;
    return WEFT_OK;
}

ssize_t
weft_bodybuf_peek(weft_bodybuf_t *bb, uint64_t off, const char **p)
{
    ssize_t n;

    if (off >= bb->len)
        return 0;
    if (!bb->spilled) {
        *p = bb->mem + off;
        return (ssize_t) (bb->len - off);
    }
    if (off >= bb->cache_off && off < bb->cache_off + bb->cache_len) {
        *p = bb->cache + (off - bb->cache_off);
        return (ssize_t) (bb->cache_off + bb->cache_len - off);
    }
    if (bb->cache == NULL && (bb->cache = malloc(CACHE_SIZE)) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    do
        n = pread(bb->fd, bb->cache, CACHE_SIZE, (off_t) off);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        if (n == 0)
            errno = EIO;
        bb->cache_len = 0;
        return -1;
    }
    bb->cache_off = off;
    bb->cache_len = (size_t) n;
    *p = bb->cache;
    return n;
}
