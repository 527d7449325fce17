/*
 * core/outq.c - response bytes waiting for the socket.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <weft/status.h>
#include "outq.h"

struct weft_seg_s {
    weft_seg_t *next;
    int         fd;       /* -1: memory */
    int64_t     offset;   /* file: next offset to send */
    size_t      len;      /* bytes left */
    size_t      pos;      /* memory: bytes of data already sent */
    char        data[];
};

void
weft_outq_init(weft_outq_t *q)
{
    q->head = NULL;
    q->tail = &q->head;
    q->bytes = 0;
}

int
weft_outq_empty(const weft_outq_t *q)
{
    return q->head == NULL;
}

static void
push(weft_outq_t *q, weft_seg_t *s)
{
    s->next = NULL;
    *q->tail = s;
    q->tail = &s->next;
}

int
weft_outq_push_iov(weft_outq_t *q, const struct iovec *iov, int n, size_t skip)
{
    size_t      total = 0, off = 0;
    weft_seg_t *s;
    int         i;

    for (i = 0; i < n; i++)
        total += iov[i].iov_len;
    if (skip >= total)
        return WEFT_OK;
    s = malloc(sizeof(*s) + total - skip);
    if (s == NULL)
        return WEFT_ERROR;
    for (i = 0; i < n; i++) {
        const char *p = iov[i].iov_base;
        size_t      len = iov[i].iov_len;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        memcpy(s->data + off, p + skip, len - skip);
        off += len - skip;
        skip = 0;
    }
    s->fd = -1;
    s->offset = 0;
    s->len = off;
    s->pos = 0;
    push(q, s);
    q->bytes += off;
    return WEFT_OK;
}

int
weft_outq_push_file(weft_outq_t *q, int fd, int64_t offset, int64_t len)
{
    weft_seg_t *s;

    if (len <= 0)
        return WEFT_OK;
    s = malloc(sizeof(*s));
    if (s == NULL)
        return WEFT_ERROR;
    s->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (s->fd < 0) {
        free(s);
        return WEFT_ERROR;
    }
    s->offset = offset;
    s->len = (size_t) len;
    s->pos = 0;
    push(q, s);
    q->bytes += (size_t) len;
    return WEFT_OK;
}

static void
pop(weft_outq_t *q)
{
    weft_seg_t *s = q->head;

    q->head = s->next;
    if (q->head == NULL)
        q->tail = &q->head;
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}

int
weft_outq_drain(weft_outq_t *q, int sock)
{
    while (q->head != NULL) {
        weft_seg_t *s = q->head;
        ssize_t     n;

        if (s->len == 0) {
            pop(q);
            continue;
        }
        if (s->fd < 0) {
            n = write(sock, s->data + s->pos, s->len);
        } else {
            off_t off = (off_t) s->offset;
            n = sendfile(sock, s->fd, &off, s->len > 0x7ffff000 ? 0x7ffff000 : s->len);
            if (n == 0)      /* the file shrank under us */
                return WEFT_ERROR;
            if (n > 0)
                s->offset = off;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN ? WEFT_AGAIN : WEFT_ERROR;
        }
        s->pos += (size_t) n;
        s->len -= (size_t) n;
        q->bytes -= (size_t) n;
    }
    return WEFT_OK;
}

void
weft_outq_clear(weft_outq_t *q)
{
    while (q->head != NULL)
        pop(q);
    q->bytes = 0;
}
