/*
 * core/app_guard.h - what an app can break in the worker that runs it, and
 * the core's repair (app_guard.c): the standard file descriptors (an app
 * that closes stdout), and a fork (a child that comes back into weft).
 */
#ifndef WEFT_CORE_APP_GUARD_H
#define WEFT_CORE_APP_GUARD_H

#include "request.h"

/*
 * In a worker before it serves: keep a copy of fds 0, 1 and 2 (and what
 * each is), and register the fork handler.  A fork()ed child of the worker
 * closes its copies of the listeners and the client connections at once, so
 * it can neither accept nor keep a client waiting, nor write to one.
 */
void weft_app_guard_init(void);

/*
 * After the app returned from a request (r: for the log line).  In a
 * process the app forked: log one line and _exit(0), never serving, never
 * flushing the worker's buffers a second time.  In the worker it returns
 * at once: a closed standard fd is put back where it is found closed
 * (weft_app_guard_fd, weft_app_guard_repair), with no system call here.
 */
void weft_app_guard_check(const weft_req_t *r);

/*
 * A write to fd failed with EBADF: when fd is 0, 1 or 2 and the worker had
 * it at start, the app closed it; put it back (one WARN line) and return 1
 * (write again).  0 otherwise.
 */
int  weft_app_guard_repair(int fd);

/*
 * Whether this process is a child the app forked (the fork handler ran).
 * weft_app_guard_exit(r) is the check's first half: in such a child, one
 * line and _exit(0); otherwise it returns.
 */
int  weft_app_guard_forked(void);
void weft_app_guard_exit(const weft_req_t *r);

/*
 * The core itself put a new file on fd 1 or 2 (the log reopened or
 * rotated): take the fds as they are now for the originals.  Does nothing
 * before weft_app_guard_init().
 */
void weft_app_guard_std_moved(void);

/*
 * A freshly accepted fd: one of 0, 1, 2 means the app closed that standard
 * fd while a request ran.  The connection moves to a higher fd and the
 * standard one is put back (one WARN line); returns the fd to use, or -1
 * (fd closed) when it cannot be moved.
 */
int  weft_app_guard_fd(int fd);

#endif
