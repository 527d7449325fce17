/*
 * t/unit/test_outq.c - the connection's output queue: copies, references and
 * file ranges go out in order; only copies count as `copied`; every
 * reference is released exactly once, and only by weft_outq_release(),
 * whether it was sent, dropped with the queue, or done with at once.
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <weft/status.h>

#include "outq.h"
#include "tap.h"

static int released[4];

static void
count_release(void *arg)
{
    released[(int) (intptr_t) arg]++;
}

/* A non-blocking socket pair with a small send buffer. */
static void
pair(int sv[2])
{
    int small = 4096;

    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
}

/* Read what is there into out (at most cap); returns the bytes read. */
static size_t
slurp(int fd, char *out, size_t cap)
{
    size_t  got = 0;
    ssize_t n;

    while (got < cap && (n = read(fd, out + got, cap - got)) > 0)
        got += (size_t) n;
    return got;
}

static void
test_order_and_accounting(void)
{
    static char big[200000];
    char        got[300000];
    size_t      have = 0;
    weft_outq_t q;
    weft_seg_t *ref;
    struct iovec iov = { (void *) "head:", 5 };
    char        path[] = "/tmp/weft-outq-XXXXXX";
    int         sv[2], fd, rc;

    memset(released, 0, sizeof(released));
    memset(big, 'r', sizeof(big));
    pair(sv);
    fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    unlink(path);
    CU_ASSERT(write(fd, "..file..", 8) == 8);

    weft_outq_init(&q);
    CU_ASSERT(weft_outq_push_iov(&q, &iov, 1, 0) == WEFT_OK);
    ref = weft_outq_ref_new(big, sizeof(big), count_release, (void *) 0);
    CU_ASSERT_FATAL(ref != NULL);
    weft_outq_push_ref(&q, ref, big, sizeof(big));
    CU_ASSERT(weft_outq_push_file(&q, fd, 2, 4) == WEFT_OK);
    close(fd);                             /* the queue has its own */
    CU_ASSERT(q.copied == 5);
    CU_ASSERT(q.bytes == 5 + sizeof(big) + 4);

    while ((rc = weft_outq_drain(&q, sv[0])) == WEFT_AGAIN) {
        have += slurp(sv[1], got + have, sizeof(got) - have);
        weft_outq_release(&q);
        if (have < 5 + sizeof(big))
            CU_ASSERT(released[0] == 0);   /* not before its last byte */
    }
    CU_ASSERT(rc == WEFT_OK);
    CU_ASSERT(q.bytes == 0 && q.copied == 0);
    have += slurp(sv[1], got + have, sizeof(got) - have);
    CU_ASSERT(have == 5 + sizeof(big) + 4);
    CU_ASSERT(memcmp(got, "head:", 5) == 0);
    CU_ASSERT(memcmp(got + 5, big, sizeof(big)) == 0);
    CU_ASSERT(memcmp(got + 5 + sizeof(big), "file", 4) == 0);
    weft_outq_release(&q);
    CU_ASSERT(released[0] == 1);
    weft_outq_release(&q);
    CU_ASSERT(released[0] == 1);
    close(sv[0]);
    close(sv[1]);
}

static void
test_dropped_and_retired(void)
{
    static char big[100000];
    weft_outq_t q;
    weft_seg_t *sent, *queued, *unused;
    int         sv[2];

    memset(released, 0, sizeof(released));
    pair(sv);
    weft_outq_init(&q);

    sent = weft_outq_ref_new("done", 4, count_release, (void *) 1);
    weft_outq_retire(&q, sent);            /* went out at once */
    queued = weft_outq_ref_new(big, sizeof(big), count_release, (void *) 2);
    weft_outq_push_ref(&q, queued, big + 10, sizeof(big) - 10);
    CU_ASSERT(q.copied == 0);
    CU_ASSERT(q.bytes == sizeof(big) - 10);
    unused = weft_outq_ref_new("never", 5, count_release, (void *) 3);
    weft_outq_ref_free(unused);            /* never taken: never released */

    CU_ASSERT(weft_outq_drain(&q, sv[0]) == WEFT_AGAIN);
    close(sv[1]);                          /* the client goes away */
    CU_ASSERT(weft_outq_drain(&q, sv[0]) == WEFT_ERROR);
    CU_ASSERT(released[2] == 0);           /* only weft_outq_release() calls it */
    weft_outq_clear(&q);
    CU_ASSERT(weft_outq_empty(&q) && q.bytes == 0);
    CU_ASSERT(released[1] == 0 && released[2] == 0);
    weft_outq_release(&q);
    CU_ASSERT(released[1] == 1);
    CU_ASSERT(released[2] == 1);
    CU_ASSERT(released[3] == 0);
    close(sv[0]);
}

int
main(void)
{
    static const weft_tap_test_t tests[] = {
        { "copies, references and files go out in order", test_order_and_accounting },
        { "references are released once, sent or dropped", test_dropped_and_retired },
        { NULL, NULL }
    };

    signal(SIGPIPE, SIG_IGN);              /* as in a worker */
    weft_tap_suite("outq", tests);
    return weft_tap_run();
}
