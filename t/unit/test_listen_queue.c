/*
 * t/unit/test_listen_queue.c - weft_listen_queue() counts connections the
 * kernel completed but nobody accepted yet, on TCP and UNIX listeners, and
 * reports the backlog the listener was given.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen_queue.h"
#include "tap.h"

enum { BACKLOG = 16, WAITING = 3 };

/* Connect WAITING clients to the listener at sa, leaving them unaccepted;
 * then the listener must report them, and none once they are accepted. */
static void
check_queue(int ls, const struct sockaddr *sa, socklen_t salen, int family)
{
    int      c[WAITING];
    unsigned max = 12345;

    CU_ASSERT_EQUAL(weft_listen_queue(ls, &max), 0);
    CU_ASSERT_EQUAL(max, BACKLOG);
    for (int i = 0; i < WAITING; i++) {
        c[i] = socket(family, SOCK_STREAM, 0);
        CU_ASSERT_FATAL(c[i] >= 0);
        CU_ASSERT_EQUAL_FATAL(connect(c[i], sa, salen), 0);
    }
    /* a TCP handshake completes in the kernel before connect() returns */
    CU_ASSERT_EQUAL(weft_listen_queue(ls, &max), WAITING);
    CU_ASSERT_EQUAL(max, BACKLOG);
    for (int i = 0; i < WAITING; i++) {
        int a = accept(ls, NULL, NULL);
        CU_ASSERT(a >= 0);
        if (a >= 0)
            close(a);
    }
    CU_ASSERT_EQUAL(weft_listen_queue(ls, NULL), 0);
    for (int i = 0; i < WAITING; i++)
        close(c[i]);
}

static void
test_tcp(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t          len = sizeof sa;
    int                ls = socket(AF_INET, SOCK_STREAM, 0);

    CU_ASSERT_FATAL(ls >= 0);
    CU_ASSERT_EQUAL_FATAL(bind(ls, (struct sockaddr *) &sa, sizeof sa), 0);
    CU_ASSERT_EQUAL_FATAL(listen(ls, BACKLOG), 0);
    CU_ASSERT_EQUAL_FATAL(getsockname(ls, (struct sockaddr *) &sa, &len), 0);
    check_queue(ls, (struct sockaddr *) &sa, sizeof sa, AF_INET);
    close(ls);
}

static void
test_unix(void)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int                ls = socket(AF_UNIX, SOCK_STREAM, 0);

    snprintf(sa.sun_path, sizeof sa.sun_path, "/tmp/weft-lq-%d.sock", (int) getpid());
    unlink(sa.sun_path);
    CU_ASSERT_FATAL(ls >= 0);
    CU_ASSERT_EQUAL_FATAL(bind(ls, (struct sockaddr *) &sa, sizeof sa), 0);
    CU_ASSERT_EQUAL_FATAL(listen(ls, BACKLOG), 0);
    check_queue(ls, (struct sockaddr *) &sa, sizeof sa, AF_UNIX);
    close(ls);
    unlink(sa.sun_path);
}

static void
test_not_a_listener(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int fds[2];

    CU_ASSERT_EQUAL(weft_listen_queue(s, NULL), -1);
    close(s);
    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    CU_ASSERT_EQUAL(weft_listen_queue(fds[0], NULL), -1);
    close(fds[0]);
    close(fds[1]);
}

int
main(void)
{
    static const weft_tap_test_t tests[] = {
        { "a TCP listener's accept queue", test_tcp },
        { "a UNIX listener's accept queue", test_unix },
        { "not a listening socket", test_not_a_listener },
        { NULL, NULL }
    };

    weft_tap_suite("listen_queue", tests);
    return weft_tap_run();
}
