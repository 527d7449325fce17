/*
 * core/sd_notify.c - telling the service manager how weft is doing, by
 * systemd's documented datagram protocol (sd_notify(3)): one datagram of
 * "KEY=VALUE" lines to the unix socket named in $NOTIFY_SOCKET (a path, or
 * "@name" in the abstract namespace).
 *
 *   READY=1        once the workers serve (and again after a reload);
 *   RELOADING=1    as a SIGHUP reload begins (with MONOTONIC_USEC=, as
 *                  Type=notify-reload wants);
 *   STOPPING=1     as a shutdown begins;
 *   STATUS=...     what weft is doing, in words, about once a second;
 *   WATCHDOG=1     every half of $WATCHDOG_USEC, when the unit sets
 *                  WatchdogSec= (and $WATCHDOG_PID, if set, is ours).
 *
 * Only the process systemd started speaks: the master, or the only process
 * without one.  The variables stay in the environment, so the image a
 * reload re-executes (the same pid) speaks too.  Without $NOTIFY_SOCKET
 * every call is a test of one int.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <weft/status.h>
#include "clock.h"
#include "log.h"
#include "sd_notify.h"

static int                sd_fd = -1;
static struct sockaddr_un sd_addr;
static socklen_t          sd_addrlen;
static double             watchdog_every;   /* seconds; 0: no watchdog */
static double             watchdog_next;
static char               last_status[256];

int
weft_sd_init(void)
{
    const char *path = getenv("NOTIFY_SOCKET");
    const char *usec = getenv("WATCHDOG_USEC");
    const char *wpid = getenv("WATCHDOG_PID");
    size_t      len;

    if (path == NULL || path[0] == '\0' || sd_fd >= 0)
        return sd_fd >= 0;
    len = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sd_addr.sun_path)) {
        weft_log(WEFT_LOG_WARN, "NOTIFY_SOCKET=%s is not a unix socket path or @name: "
                 "not telling the service manager anything", path);
        return 0;
    }
    memset(&sd_addr, 0, sizeof(sd_addr));
    sd_addr.sun_family = AF_UNIX;
    memcpy(sd_addr.sun_path, path, len);
    if (path[0] == '@')
        sd_addr.sun_path[0] = '\0';         /* the abstract namespace */
    sd_addrlen = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + len);
    sd_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sd_fd < 0) {
        weft_log(WEFT_LOG_WARN, "cannot make a socket for NOTIFY_SOCKET: %s", strerror(errno));
        return 0;
    }
    if (usec != NULL && (wpid == NULL || atol(wpid) == (long) getpid())) {
        char  *end;
        double us = strtod(usec, &end);

        if (*end == '\0' && us > 0) {
            watchdog_every = us / 2e6;
            watchdog_next = weft_clock();
        }
    }
    return 1;
}

void
weft_sd_notify(const char *fmt, ...)
{
    char    msg[512];
    va_list ap;
    int     n;

    if (sd_fd < 0)
        return;
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n <= 0 || (size_t) n >= sizeof(msg))
        return;
    if (sendto(sd_fd, msg, (size_t) n, MSG_NOSIGNAL, (struct sockaddr *) &sd_addr,
               sd_addrlen) < 0 && errno != EAGAIN)
        weft_log(WEFT_LOG_DEBUG, "NOTIFY_SOCKET: %s", strerror(errno));
}

void
weft_sd_reloading(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    weft_sd_notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
                   (unsigned long long) ts.tv_sec * 1000000ULL
                   + (unsigned long long) ts.tv_nsec / 1000ULL);
}

void
weft_sd_status(const char *fmt, ...)
{
    char    status[sizeof(last_status)];
    va_list ap;

    if (sd_fd < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(status, sizeof(status), fmt, ap);
    va_end(ap);
    if (strcmp(status, last_status) == 0)
        return;
    memcpy(last_status, status, sizeof(status));
    weft_sd_notify("STATUS=%s", status);
}

double
weft_sd_tick(double now)
{
    if (watchdog_every <= 0)
        return 0;
    if (now >= watchdog_next) {
        weft_sd_notify("WATCHDOG=1");
        watchdog_next = now + watchdog_every;
    }
    return watchdog_every;
}
