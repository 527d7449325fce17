/*
 * core/outq.h - response bytes waiting for the socket.
 *
 * A write that would block is queued here: copied (memory), kept by
 * reference (api->write_ref: the caller's own buffer, released when sent),
 * or, for a file range, as a dup'd fd and an offset.  The queue is drained
 * from the loop while the core waits for something else, and after the core
 * is given back (the connection keeps its queue: a slow reader holds no
 * core once the app is done).  Only copies cost memory; `copied` counts
 * them, and --offload-buffer-size caps them per connection (response.c).
 *
 * References that are done with (sent, or dropped with the queue) wait in a
 * `done` list until weft_outq_release(), which callers run where a plugin's
 * release callback may run: never inside a call of the plugin API.
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
    size_t       bytes;     /* queued bytes of every kind */
    size_t       copied;    /* of which copies in memory */
    weft_seg_t  *done;      /* references waiting for their release */
};

void weft_outq_init(weft_outq_t *q);
int  weft_outq_empty(const weft_outq_t *q);

/* Copy the unsent part of iov (skip the first `skip` bytes of it). */
int  weft_outq_push_iov(weft_outq_t *q, const struct iovec *iov, int n, size_t skip);

/* Queue len bytes of fd from offset (fd is duplicated). */
int  weft_outq_push_file(weft_outq_t *q, int fd, int64_t offset, int64_t len);

/* A reference to the caller's buf, not yet queued: NULL when out of memory.
 * Then exactly one of: weft_outq_push_ref() (queue its unsent tail, from
 * `p`), weft_outq_retire() (done with: release it later) or
 * weft_outq_ref_free() (never taken: no release at all). */
weft_seg_t *weft_outq_ref_new(const void *buf, size_t len, void (*release)(void *),
                              void *arg);
void weft_outq_push_ref(weft_outq_t *q, weft_seg_t *s, const void *p, size_t len);
void weft_outq_retire(weft_outq_t *q, weft_seg_t *s);
void weft_outq_ref_free(weft_seg_t *s);

/* Write as much as the socket takes: WEFT_OK when empty, WEFT_AGAIN when
 * the socket is full, WEFT_ERROR when the peer is gone. */
int  weft_outq_drain(weft_outq_t *q, int sock);

/* Drop everything queued (references move to the done list). */
void weft_outq_clear(weft_outq_t *q);

/* Call the release of every reference that is done with, once each. */
void weft_outq_release(weft_outq_t *q);

#endif
