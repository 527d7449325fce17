/*
 * core/app_guard.c - repair what an app breaks in its worker.
 *
 * Standard fds.  os.close(1), $stdout.close or `close STDOUT` in an app
 * closes the worker's fd 1 (or 0, or 2).  The next descriptor the worker
 * opens takes that number: an accepted client becomes "stdout", so the
 * next print() writes into somebody's response, and with fd 2 the log is
 * lost.  The worker keeps a copy of each standard fd from its start and
 * puts back one the app closed when it is found closed: accept() hands out
 * its number, or a write of the log to it fails with EBADF.  Nothing is
 * checked per request: a request costs no system call for this.
 *
 * Fork.  A child the app forks is a copy of the worker: same listeners,
 * same client sockets, same event loop (an epoll instance shared with the
 * parent).  Should it come back into weft -- the app returns, or writes,
 * in the child -- it would answer a request its parent answers too, and
 * could take events from the parent's loop.  The fork handler closes the
 * child's copies of the sockets (close(2) only: a libevent call would
 * change the parent's epoll set), and the child leaves with _exit(0) at
 * the first point it is back in the core.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app_guard.h"
#include "conn.h"
#include "listen.h"
#include "log.h"

#define SAVED_FD_MIN 10

typedef struct {
    int saved;            /* a CLOEXEC copy, or -1: was not open at start */
} std_fd_t;

static std_fd_t std_fds[3] = { { -1 }, { -1 }, { -1 } };
static const char *const std_names[3] = { "stdin", "stdout", "stderr" };
static volatile int forked_child;
static pid_t        worker_pid;
static int          guard_ready;

/* In a fork()ed child of the worker (any fork: the app's, a library's;
 * a child that execs loses these fds anyway, they are CLOEXEC). */
static void
on_fork_child(void)
{
    unsigned i;

    forked_child = 1;
    for (i = 0; i < weft_nlisteners; i++)
        close(weft_listeners[i].fd);
    weft_conns_close_fds();
}

/* Keep a copy of each of fds 0-2 as it is now. */
static void
save_std_fds(void)
{
    int fd;

    for (fd = 0; fd < 3; fd++) {
        struct stat st;

        if (std_fds[fd].saved >= 0)
            continue;
        /* Started without it: /dev/null holds the number (the lowest free
         * fd is this one, the ones below are open by now). */
        if (fstat(fd, &st) != 0 && (open("/dev/null", O_RDWR) != fd || fstat(fd, &st) != 0))
            continue;
        std_fds[fd].saved = fcntl(fd, F_DUPFD_CLOEXEC, SAVED_FD_MIN);
    }
}

void
weft_app_guard_init(void)
{
    worker_pid = getpid();
    save_std_fds();
    if (!guard_ready && pthread_atfork(NULL, NULL, on_fork_child) == 0)
        guard_ready = 1;
}

void
weft_app_guard_std_moved(void)
{
    int fd;

    if (worker_pid == 0 || getpid() != worker_pid)
        return;
    for (fd = 0; fd < 3; fd++) {
        if (std_fds[fd].saved >= 0)
            close(std_fds[fd].saved);
        std_fds[fd].saved = -1;
    }
    save_std_fds();
}

int
weft_app_guard_forked(void)
{
    return forked_child && getpid() != worker_pid;
}

void
weft_app_guard_exit(const weft_req_t *r)
{
    if (!weft_app_guard_forked())
        return;
    weft_log(WEFT_LOG_WARN, "%.*s %.*s: a process the app forked (pid %ld) came back into weft: "
             "it exits here, its parent (pid %ld) answers the request",
             r ? (int) r->pub.method.len : 0, r ? r->pub.method.data : "",
             r ? (int) r->pub.uri.len : 0, r ? r->pub.uri.data : "",
             (long) getpid(), (long) worker_pid);
    _exit(0);
}

void
weft_app_guard_check(const weft_req_t *r)
{
    weft_app_guard_exit(r);
}

int
weft_app_guard_repair(int fd)
{
    int rc;

    if (fd < 0 || fd > 2 || std_fds[fd].saved < 0 || weft_app_guard_forked())
        return 0;
    while ((rc = dup2(std_fds[fd].saved, fd)) < 0 && errno == EINTR)
        ;
    if (rc < 0)
        return 0;
    /* Put back first: this line may be written to that very fd. */
    weft_log(WEFT_LOG_WARN, "the app closed fd %d (%s): put back", fd, std_names[fd]);
    return 1;
}

int
weft_app_guard_fd(int fd)
{
    int moved;

    if (fd > 2)
        return fd;
    moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (std_fds[fd].saved >= 0) {
        while (dup2(std_fds[fd].saved, fd) < 0 && errno == EINTR)
            ;
    } else {
        close(fd);
    }
    weft_log(WEFT_LOG_WARN, "the app closed fd %d (%s): put back", fd, std_names[fd]);
    return moved;
}
