/*
 * core/path.c - opening a path beneath a directory without leaving it
 * (static files, and CGI through api->open_beneath).  See path.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "path.h"

#define OPENAT2_RETRIES 4       /* EAGAIN: a rename raced the resolution */

static int have_openat2 = 1;

/* The path the kernel has for fd (its /proc/self/fd link), or -1. */
static ssize_t
fd_path(int fd, char *buf, size_t len)
{
    char    link[64];
    ssize_t n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, buf, len - 1);
    if (n < 0 || (size_t) n >= len - 1)
        return -1;
    buf[n] = '\0';
    return n;
}

/* Is the object fd refers to the root or under it?  0 when it is not, or
 * when that cannot be told (no /proc): refusing is the safe answer. */
static int
is_beneath(int rootfd, int fd)
{
    char    root[PATH_MAX], obj[PATH_MAX];
    ssize_t rl = fd_path(rootfd, root, sizeof(root));

    if (rl <= 0 || fd_path(fd, obj, sizeof(obj)) < 0 || root[0] != '/')
        return 0;
    if (rl == 1)
        return 1;                               /* the root is "/" */
    return strncmp(obj, root, (size_t) rl) == 0 && (obj[rl] == '\0' || obj[rl] == '/');
}

/*
 * The slow way: open path (symlinks and all) as O_PATH, which touches
 * nothing (no fifo blocks, no tty becomes ours), see where it landed, and
 * only then open that same object with the caller's flags.
 */
static int
open_checked(int rootfd, const char *path, int flags)
{
    int  fd = openat(rootfd, path, O_PATH | O_CLOEXEC | (flags & (O_NOFOLLOW | O_DIRECTORY)));
    int  reopened, saved;
    char link[64];

    if (fd < 0)
        return -1;
    if (!is_beneath(rootfd, fd)) {
        close(fd);
        errno = EXDEV;
        return -1;
    }
    if (flags & O_PATH)
        return fd;
    /* Through the fd's magic link: the object itself, not its name again. */
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    reopened = open(link, (flags & ~O_NOFOLLOW) | O_CLOEXEC);
    saved = errno;
    close(fd);
    errno = saved;
    return reopened;
}

void
weft_path_use_openat2(int on)
{
    have_openat2 = on;
}

int
weft_open_beneath(int rootfd, const char *path, int flags)
{
    int tries = 0, fd;

    while (*path == '/')
        path++;
    if (*path == '\0')
        path = ".";
    flags |= O_CLOEXEC;
    while (have_openat2) {
        struct open_how how;

        memset(&how, 0, sizeof(how));
        how.flags = (uint64_t) flags;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
        fd = (int) syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
        if (fd >= 0)
            return fd;
        if (errno == EAGAIN && ++tries < OPENAT2_RETRIES)
            continue;
        if (errno == ENOSYS)
            have_openat2 = 0;               /* before Linux 5.6 */
        else if (errno != EXDEV)
            return -1;
        /* EXDEV: the path leaves the root, or takes an absolute symlink
         * that may lead back inside: the slow way decides. */
        break;
    }
    return open_checked(rootfd, path, flags);
}
