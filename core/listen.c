/*
 * core/listen.c - address parsing and listening sockets, opened once (in
 * the master, before fork) and shared by every worker.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <weft/status.h>
#include "conf.h"
#include "listen.h"
#include "log.h"
#include "reexec.h"
#include "sd_listen.h"

/* The name of a listener systemd handed over without an address. */
#define SD_PREFIX "systemd:"

weft_listener_t *weft_listeners;
unsigned         weft_nlisteners;

static int
open_unix(weft_listener_t *ls, const char *path, int backlog, const char *mode,
          char *err, size_t errlen)
{
    struct sockaddr_un sun;
    struct stat        st;
    int                fd;

    if (strlen(path) >= sizeof(sun.sun_path)) {
        snprintf(err, errlen, "%s: a UNIX socket path must be shorter than %zu bytes",
                 path, sizeof(sun.sun_path));
        return WEFT_ERROR;
    }
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, path);

    /* Remove a stale socket left by a previous run, never another file. */
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "%s exists and is not a socket", path);
            return WEFT_ERROR;
        }
        unlink(path);
    }

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0
        || listen(fd, backlog) != 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return WEFT_ERROR;
    }
    if (mode != NULL && chmod(path, (mode_t) strtol(mode, NULL, 8)) != 0) {
        snprintf(err, errlen, "cannot chmod %s to %s: %s", path, mode, strerror(errno));
        close(fd);
        return WEFT_ERROR;
    }
    ls->fd = fd;
    ls->is_unix = 1;
    ls->host[0] = '\0';
    ls->port[0] = '\0';
    return WEFT_OK;
}

static int
open_inet(weft_listener_t *ls, const char *addr, int backlog, char *err, size_t errlen)
{
    char             host[256];
    const char      *colon, *port;
    struct addrinfo  hints, *res = NULL, *ai;
    int              fd = -1, rc, one = 1;

    if (addr[0] == '[') {
        const char *end = strchr(addr, ']');
        if (end == NULL || end[1] != ':' || (size_t) (end - addr - 1) >= sizeof(host)) {
            snprintf(err, errlen, "%s: an IPv6 address is written [ADDR]:PORT", addr);
            return WEFT_ERROR;
        }
        memcpy(host, addr + 1, (size_t) (end - addr - 1));
        host[end - addr - 1] = '\0';
        port = end + 2;
    } else {
        colon = strrchr(addr, ':');
        if ((size_t) (colon - addr) >= sizeof(host)) {
            snprintf(err, errlen, "%s: host name too long", addr);
            return WEFT_ERROR;
        }
        memcpy(host, addr, (size_t) (colon - addr));
        host[colon - addr] = '\0';
        port = colon + 1;
    }
    if (*port == '\0' || strspn(port, "0123456789") != strlen(port) || atoi(port) > 65535) {
        snprintf(err, errlen, "%s: '%s' is not a port number", addr, port);
        return WEFT_ERROR;
    }

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    /* ":PORT" listens on every IPv4 address, as uWSGI does. */
    rc = getaddrinfo(host[0] ? host : "0.0.0.0", port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", addr, gai_strerror(rc));
        return WEFT_ERROR;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0)
            break;
        rc = errno;
        close(fd);
        fd = -1;
        errno = rc;
    }
    if (fd < 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(errno));
        freeaddrinfo(res);
        return WEFT_ERROR;
    }
    freeaddrinfo(res);

    {
        struct sockaddr_storage ss;
        socklen_t               len = sizeof(ss);
        char                    sport[NI_MAXSERV];

        getsockname(fd, (struct sockaddr *) &ss, &len);
        getnameinfo((struct sockaddr *) &ss, len, ls->host, sizeof(ls->host), sport,
                    sizeof(sport), NI_NUMERICHOST | NI_NUMERICSERV);
        snprintf(ls->port, sizeof(ls->port), "%.7s", sport);
    }
    ls->fd = fd;
    ls->is_unix = 0;
    return WEFT_OK;
}

int
weft_listener_open(weft_listener_t *ls, const char *addr, int proto, int backlog,
                   const char *chmod_mode, char *err, size_t errlen)
{
    int rc;

    memset(ls, 0, sizeof(*ls));
    ls->proto = proto;
    ls->modifier1 = -1;
    if (addr[0] == '\0') {
        snprintf(err, errlen, "empty socket address");
        return WEFT_ERROR;
    }
    if (strchr(addr, ':') == NULL)
        rc = open_unix(ls, addr, backlog, chmod_mode, err, errlen);
    else
        rc = open_inet(ls, addr, backlog, err, errlen);
    if (rc == WEFT_OK)
        ls->name = strdup(addr);
    return rc;
}

int
weft_listener_adopt(weft_listener_t *ls, int fd, const char *addr, int proto)
{
    struct sockaddr_storage ss;
    socklen_t               len = sizeof(ss);
    char                    sport[NI_MAXSERV];

    memset(ls, 0, sizeof(*ls));
    ls->fd = fd;
    ls->proto = proto;
    ls->modifier1 = -1;
    ls->name = strdup(addr);
    /* systemd hands sockets over blocking unless NonBlocking=yes: the
     * workers accept until EAGAIN. */
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0
        || getsockname(fd, (struct sockaddr *) &ss, &len) != 0) {
        weft_log(WEFT_LOG_ERROR, "inherited socket %d for %s: %m", fd, addr);
        return WEFT_ERROR;
    }
    ls->is_unix = ss.ss_family == AF_UNIX;
    if (!ls->is_unix) {
        getnameinfo((struct sockaddr *) &ss, len, ls->host, sizeof(ls->host), sport,
                    sizeof(sport), NI_NUMERICHOST | NI_NUMERICSERV);
        snprintf(ls->port, sizeof(ls->port), "%.7s", sport);
    }
    return WEFT_OK;
}

int
weft_listeners_open_all(void)
{
    unsigned    n = (unsigned) (weft_conf.uwsgi_sockets.n + weft_conf.http_sockets.n), i, k = 0;
    unsigned    extra = weft_sd_listen_count() + weft_reexec_count(SD_PREFIX);
    char        err[512], name[300];
    const char *sd_name, *was;
    int         fd, proto;

    weft_listeners = calloc(n + extra + 1, sizeof(*weft_listeners));
    if (weft_listeners == NULL)
        return WEFT_ERROR;
    for (i = 0; i < n; i++) {
        int         http = i >= weft_conf.uwsgi_sockets.n;
        const char *addr = http ? weft_conf.http_sockets.v[i - weft_conf.uwsgi_sockets.n]
                                : weft_conf.uwsgi_sockets.v[i];

        int from = 0;               /* 1: the image before a reload; 2: systemd */

        proto = http ? WEFT_PROTO_HTTP : WEFT_PROTO_UWSGI;
        if ((fd = weft_reexec_listener(addr, proto)) >= 0)
            from = 1;
        else if ((fd = weft_sd_listen_take(addr)) >= 0)
            from = 2;
        if (fd >= 0) {
            /* Handed over: never closed, never bound again. */
            if (weft_listener_adopt(&weft_listeners[k], fd, addr, proto) != WEFT_OK)
                return WEFT_ERROR;
        } else if (weft_listener_open(&weft_listeners[k], addr, proto,
                                      (int) weft_conf.listen_backlog, weft_conf.chmod_socket,
                                      err, sizeof(err)) != WEFT_OK) {
            weft_log(WEFT_LOG_ERROR, "%s", err);
            return WEFT_ERROR;
        }
        if (http)
            weft_listeners[k].modifier1 = (int) weft_conf.http_modifier1;
        weft_log(WEFT_LOG_INFO, "%s %s (%s)", from == 1 ? "still listening on"
                 : from == 2 ? "listening (systemd's socket) on" : "listening on",
                 addr, http ? "http" : "uwsgi");
        k++;
    }
    /* Sockets systemd handed over that no address took, first from systemd
     * itself, then (after a reload) from the image before: served as they
     * come, named "systemd:NAME" so that a reload hands them on. */
    while ((fd = weft_sd_listen_next(&sd_name)) >= 0) {
        proto = strcmp(sd_name, "uwsgi") == 0 ? WEFT_PROTO_UWSGI : WEFT_PROTO_HTTP;
        snprintf(name, sizeof(name), SD_PREFIX "%s", sd_name);
        if (weft_listener_adopt(&weft_listeners[k], fd, name, proto) != WEFT_OK)
            return WEFT_ERROR;
        weft_log(WEFT_LOG_INFO, "listening on systemd's socket %s (%s)", sd_name,
                 proto == WEFT_PROTO_HTTP ? "http" : "uwsgi");
        k++;
    }
    while ((fd = weft_reexec_next(SD_PREFIX, &was, &proto)) >= 0) {
        if (weft_listener_adopt(&weft_listeners[k], fd, was, proto) != WEFT_OK)
            return WEFT_ERROR;
        weft_log(WEFT_LOG_INFO, "still listening on %s (%s)", was,
                 proto == WEFT_PROTO_HTTP ? "http" : "uwsgi");
        k++;
    }
    for (i = 0; i < k; i++)
        if (weft_listeners[i].proto == WEFT_PROTO_HTTP && i >= n)
            weft_listeners[i].modifier1 = (int) weft_conf.http_modifier1;
    weft_nlisteners = k;
    weft_reexec_close_unused();
    return WEFT_OK;
}
