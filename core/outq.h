/*
 * core/outq.h - response bytes waiting for the socket.
 *
 * With a suspend engine a core simply waits for the socket to drain.
 * Without one, a write that would block is copied here (a file range is
 * kept as a dup'd fd and an offset), and the core drains it from the loop
 * before it calls the application again.
 */
#ifndef WEFT_CORE_OUTQ_H
#define WEFT_CORE_OUTQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

typedef struct weft_seg_s  weft_seg_t;
typedef struct weft_outq_s weft_outq_t;

struct weft_outq_s {
    weft_seg_t  *head;
    weft_seg_t **tail;
    size_t       bytes;
};

void weft_outq_init(weft_outq_t *q);
int  weft_outq_empty(const weft_outq_t *q);

/* Copy the unsent part of iov (skip the first `skip` bytes of it). */
int  weft_outq_push_iov(weft_outq_t *q, const struct iovec *iov, int n, size_t skip);

/* Queue len bytes of fd from offset (fd is duplicated). */
int  weft_outq_push_file(weft_outq_t *q, int fd, int64_t offset, int64_t len);

/* Write as much as the socket takes: WEFT_OK when empty, WEFT_AGAIN when
 * the socket is full, WEFT_ERROR when the peer is gone. */
int  weft_outq_drain(weft_outq_t *q, int sock);

void weft_outq_clear(weft_outq_t *q);

#endif
