/*
 * core/logger.c - uWSGI's --logger and --req-logger: where the server log
 * and the access lines go, when not to the log file (--logto, stderr).
 *
 *   stdio                    stderr
 *   file:PATH                PATH, appending (rotated by --log-maxsize)
 *   syslog[:IDENT[,FAC]]     the local syslog socket, /dev/log (a test may
 *                            point $WEFT_SYSLOG_SOCKET elsewhere)
 *
 * A name in front ("logger = mine file:/x") is uWSGI's log routing, which
 * weft does not do: every line goes to every logger of its kind.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <weft/status.h>
#include "conf.h"
#include "opts.h"

#define MAX_TARGETS 16

enum { T_STDIO, T_FILE, T_SYSLOG };

typedef struct {
    int    kind;
    int    req;           /* --req-logger */
    int    fd;
    char  *path;
    char   ident[64];
    int    facility;
} target_t;

static target_t targets[MAX_TARGETS];
static unsigned ntargets;
static int      have[2];  /* targets for the server log, for access lines */

/* A syslog facility's number by name, or -1. */
static int
facility_code(const char *s)
{
    static const char *const fac[] = {
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp",
        "cron", "authpriv", "ftp", NULL
    };
    int i;

    for (i = 0; fac[i] != NULL; i++)
        if (strcmp(s, fac[i]) == 0)
            return i;
    if (strncmp(s, "local", 5) == 0 && s[5] >= '0' && s[5] <= '7' && s[6] == '\0')
        return 16 + (s[5] - '0');
    return -1;
}

int
weft_logger_add(const char *spec, int req, char *err, size_t errlen)
{
    const char *sp = strchr(spec, ' ');
    const char *type = spec;
    target_t   *t;

    /* "[name] type": the name routes logs in uWSGI; weft sends every line
     * to every logger. */
    if (sp != NULL && strchr(spec, ':') > sp) {
        type = sp;
    } else if (sp != NULL && strchr(spec, ':') == NULL) {
        type = sp;
    }
    while (*type == ' ')
        type++;
    if (ntargets == MAX_TARGETS) {
        snprintf(err, errlen, "at most %d loggers", MAX_TARGETS);
        return WEFT_ERROR;
    }
    t = &targets[ntargets];
    memset(t, 0, sizeof(*t));
    t->req = req;
    t->fd = -1;
    if (strcmp(type, "stdio") == 0 || strcmp(type, "stderr") == 0) {
        t->kind = T_STDIO;
        t->fd = 2;
    } else if (strncmp(type, "file:", 5) == 0 && type[5] != '\0') {
        t->kind = T_FILE;
        t->path = strdup(type + 5);
        t->fd = t->path ? open(t->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640) : -1;
        if (t->fd < 0) {
            snprintf(err, errlen, "cannot open %s: %s", type + 5, strerror(errno));
            free(t->path);
            return WEFT_ERROR;
        }
    } else if (strcmp(type, "syslog") == 0 || strncmp(type, "syslog:", 7) == 0) {
        const char *arg = type[6] == ':' ? type + 7 : "";
        const char *comma = strchr(arg, ',');
        size_t      n = comma ? (size_t) (comma - arg) : strlen(arg);

        t->kind = T_SYSLOG;
        snprintf(t->ident, sizeof(t->ident), "%.*s", (int) (n ? n : 4), n ? arg : "weft");
        t->facility = 3;                    /* daemon */
        if (comma != NULL && (t->facility = facility_code(comma + 1)) < 0) {
            snprintf(err, errlen, "'%s' is not a syslog facility (user, daemon, local0..local7...)",
                     comma + 1);
            return WEFT_ERROR;
        }
    } else {
        snprintf(err, errlen, "'%s' is not a logger weft has (stdio, file:PATH, "
                 "syslog[:IDENT[,FACILITY]])", type);
        return WEFT_ERROR;
    }
    ntargets++;
    have[req] = 1;
    return WEFT_OK;
}

int
weft_logger_req_active(void)
{
    return have[1];
}

/* Write all of p to fd, retrying short writes; give up on an error. */
static void
write_fd(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t) w;
    }
}

/* One datagram per line: "<PRI>Mmm dd hh:mm:ss IDENT[PID]: text". */
static void
write_syslog(target_t *t, const char *p, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t      len = nl ? (size_t) (nl - p) : n;
        char        msg[2048], when[32];
        time_t      now = time(NULL);
        struct tm   tm;
        int         sev = 6, m;

        if (__atomic_load_n(&t->fd, __ATOMIC_ACQUIRE) < 0) {
            struct sockaddr_un sun;
            const char        *path = getenv("WEFT_SYSLOG_SOCKET");
            int                fd, none = -1;

            memset(&sun, 0, sizeof(sun));
            sun.sun_family = AF_UNIX;
            snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path ? path : "/dev/log");
            fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd >= 0 && connect(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0) {
                close(fd);
                fd = -1;
            }
            if (fd < 0)
                return;                     /* no syslog here: drop, never block */
            /* --threads: the first thread's socket is kept, a racer's closed. */
            if (!__atomic_compare_exchange_n(&t->fd, &none, fd, 0, __ATOMIC_ACQ_REL,
                                             __ATOMIC_ACQUIRE))
                close(fd);
        }
        if (memmem(p, len, " ERROR ", 7) != NULL)
            sev = 3;
        else if (memmem(p, len, " WARN ", 6) != NULL)
            sev = 4;
        localtime_r(&now, &tm);
        strftime(when, sizeof(when), "%b %e %H:%M:%S", &tm);
        m = snprintf(msg, sizeof(msg), "<%d>%s %s[%ld]: %.*s", t->facility * 8 + sev, when,
                     t->ident, (long) getpid(), (int) (len > 1900 ? 1900 : len), p);
        if (m > 0)
            send(t->fd, msg, (size_t) m < sizeof(msg) ? (size_t) m : sizeof(msg) - 1,
                 MSG_DONTWAIT | MSG_NOSIGNAL);
        if (nl == NULL)
            break;
        n -= len + 1;
        p = nl + 1;
    }
}

int
weft_logger_write(int req, const char *p, size_t n)
{
    unsigned i;
    int      want = req && have[1] ? 1 : 0;

    if (!have[want])
        return 0;
    for (i = 0; i < ntargets; i++) {
        target_t *t = &targets[i];

        if (t->req != want)
            continue;
        switch (t->kind) {
        case T_STDIO:
            write_fd(2, p, n);
            break;
        case T_FILE:
            write_fd(t->fd, p, n);
            weft_logrotate_check(t->fd, t->path, 0);
            break;
        case T_SYSLOG:
            write_syslog(t, p, n);
            break;
        }
    }
    return 1;
}

void
weft_logger_reopen(void)
{
    unsigned i;

    for (i = 0; i < ntargets; i++) {
        target_t *t = &targets[i];
        int       fd;

        if (t->kind != T_FILE)
            continue;
        fd = open(t->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (fd >= 0) {
            dup2(fd, t->fd);
            close(fd);
        }
    }
}
