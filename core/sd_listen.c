/*
 * core/sd_listen.c - socket activation: listening sockets handed over by
 * systemd (sd_listen_fds(3)'s documented protocol: $LISTEN_PID is ours,
 * $LISTEN_FDS sockets from fd 3 on, $LISTEN_FDNAMES their names, colon
 * separated).
 *
 * A handed-over socket bound where a --http-socket or --socket asks is
 * used for it instead of binding again; the others are served as they
 * come: the uwsgi protocol for a socket named "uwsgi" (FileDescriptorName=
 * in the .socket unit), HTTP for any other.  The variables are taken out of
 * the environment, so neither the apps nor a re-executed weft see them: a
 * reload hands the sockets on as every listener is (reexec.c).
 */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <weft/status.h>
#include "log.h"
#include "sd_listen.h"

#define SD_LISTEN_FDS_START 3
#define SD_MAX              64

typedef struct {
    int   fd;
    char *name;
    int   taken;
} activated_t;

static activated_t activated[SD_MAX];
static unsigned    nactivated;

void
weft_sd_listen_init(void)
{
    const char *pid = getenv("LISTEN_PID");
    const char *fds = getenv("LISTEN_FDS");
    const char *names = getenv("LISTEN_FDNAMES");
    char       *copy = names ? strdup(names) : NULL, *save = NULL, *name;
    long        n = fds ? atol(fds) : 0;
    long        i;

    if (pid != NULL && atol(pid) == (long) getpid() && n > 0) {
        if (n > SD_MAX) {
            weft_log(WEFT_LOG_WARN, "LISTEN_FDS=%ld: using the first %d sockets", n, SD_MAX);
            n = SD_MAX;
        }
        name = copy ? strtok_r(copy, ":", &save) : NULL;
        for (i = 0; i < n; i++) {
            int fd = SD_LISTEN_FDS_START + (int) i;
            int flags = fcntl(fd, F_GETFD);

            if (flags < 0) {
                weft_log(WEFT_LOG_WARN, "LISTEN_FDS: fd %d is not open: skipped", fd);
            } else {
                fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
                activated[nactivated].fd = fd;
                activated[nactivated].name = strdup(name ? name : "unknown");
                nactivated++;
            }
            name = name ? strtok_r(NULL, ":", &save) : NULL;
        }
    }
    free(copy);
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
}

unsigned
weft_sd_listen_count(void)
{
    return nactivated;
}

/* Whether fd is bound where addr (":PORT", "HOST:PORT", "[V6]:PORT", a
 * UNIX path) says. */
static int
bound_at(int fd, const char *addr)
{
    struct sockaddr_storage ss;
    socklen_t               len = sizeof(ss);
    char                    host[NI_MAXHOST], port[NI_MAXSERV], want_host[NI_MAXHOST];
    const char             *colon = strrchr(addr, ':');
    struct addrinfo         hints, *res, *ai;
    int                     match = 0;

    if (getsockname(fd, (struct sockaddr *) &ss, &len) != 0)
        return 0;
    if (colon == NULL)
        return ss.ss_family == AF_UNIX
               && strcmp(((struct sockaddr_un *) &ss)->sun_path, addr) == 0;
    if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)
        return 0;
    if (getnameinfo((struct sockaddr *) &ss, len, host, sizeof(host), port, sizeof(port),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0
        || strcmp(port, colon + 1) != 0)
        return 0;
    snprintf(want_host, sizeof(want_host), "%.*s", (int) (colon - addr), addr);
    if (want_host[0] == '[') {                       /* [V6] */
        memmove(want_host, want_host + 1, strlen(want_host));
        want_host[strcspn(want_host, "]")] = '\0';
    }
    if (want_host[0] == '\0' || strcmp(want_host, "0.0.0.0") == 0 || strcmp(want_host, "*") == 0)
        return strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(want_host, NULL, &hints, &res) != 0)
        return 0;
    for (ai = res; ai != NULL && !match; ai = ai->ai_next) {
        char h[NI_MAXHOST];

        if (getnameinfo(ai->ai_addr, ai->ai_addrlen, h, sizeof(h), NULL, 0, NI_NUMERICHOST) == 0)
            match = strcmp(h, host) == 0;
    }
    freeaddrinfo(res);
    return match;
}

int
weft_sd_listen_take(const char *addr)
{
    unsigned i;

    for (i = 0; i < nactivated; i++) {
        if (!activated[i].taken && bound_at(activated[i].fd, addr)) {
            activated[i].taken = 1;
            return activated[i].fd;
        }
    }
    return -1;
}

int
weft_sd_listen_next(const char **name)
{
    unsigned i;

    for (i = 0; i < nactivated; i++) {
        if (!activated[i].taken) {
            activated[i].taken = 1;
            *name = activated[i].name;
            return activated[i].fd;
        }
    }
    return -1;
}
