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
    weft_seg_t  *next;
    int          fd;       /* -1: memory (a copy, or a reference) */
    int64_t      offset;   /* file: next offset to send */
    size_t       len;      /* bytes left */
    const char  *p;        /* memory: the next byte to send */
    void       (*release)(void *arg);   /* a reference: its owner's release */
    void        *arg;
    unsigned     ref:1;    /* p points into the owner's buffer */
    char         data[];   /* a copy's bytes */
};

void
weft_outq_init(weft_outq_t *q)
{
    q->head = NULL;
    q->tail = &q->head;
    q->bytes = 0;
    q->copied = 0;
    q->done = NULL;
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
    q->bytes += s->len;
    if (s->fd < 0 && !s->ref)
        q->copied += s->len;
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
    s->p = s->data;
    s->release = NULL;
    s->ref = 0;
    push(q, s);
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
    s->p = NULL;
    s->release = NULL;
    s->ref = 0;
    push(q, s);
    return WEFT_OK;
}

weft_seg_t *
weft_outq_ref_new(const void *buf, size_t len, void (*release)(void *), void *arg)
{
    weft_seg_t *s = malloc(sizeof(*s));

    if (s == NULL)
        return NULL;
    s->fd = -1;
    s->offset = 0;
    s->len = len;
    s->p = buf;
    s->release = release;
    s->arg = arg;
    s->ref = 1;
    return s;
}

void
weft_outq_push_ref(weft_outq_t *q, weft_seg_t *s, const void *p, size_t len)
{
    s->p = p;
    s->len = len;
    push(q, s);
}

void
weft_outq_retire(weft_outq_t *q, weft_seg_t *s)
{
    s->next = q->done;
    q->done = s;
}

void
weft_outq_ref_free(weft_seg_t *s)
{
    free(s);
}

static void
pop(weft_outq_t *q)
{
    weft_seg_t *s = q->head;

    q->head = s->next;
    if (q->head == NULL)
        q->tail = &q->head;
    q->bytes -= s->len;
    if (s->fd < 0 && !s->ref)
        q->copied -= s->len;
    if (s->ref) {
        weft_outq_retire(q, s);
        return;
    }
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
            n = write(sock, s->p, s->len);
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
        if (s->fd < 0)
            s->p += n;
        s->len -= (size_t) n;
        q->bytes -= (size_t) n;
        if (s->fd < 0 && !s->ref)
            q->copied -= (size_t) n;
    }
    return WEFT_OK;
}

void
weft_outq_clear(weft_outq_t *q)
{
    while (q->head != NULL)
        pop(q);
    q->bytes = 0;
    q->copied = 0;
}

void
weft_outq_release(weft_outq_t *q)
{
    while (q->done != NULL) {
        weft_seg_t *s = q->done;

        q->done = s->next;
        if (s->release != NULL)
            s->release(s->arg);
        free(s);
    }
}
