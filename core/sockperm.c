/*
 * core/sockperm.c - what happens to the UNIX sockets' files: their owner
 * (--chown-socket) and their removal at exit (--vacuum).
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <weft/status.h>
#include "conf.h"
#include "listen.h"
#include "log.h"
#include "opts.h"

/* The file of a UNIX listener, or NULL (abstract sockets have none). */
static const char *
socket_path(const weft_listener_t *ls)
{
    const char *p = ls->name;

    if (!ls->is_unix || p == NULL)
        return NULL;
    if (strncmp(p, "unix:", 5) == 0)
        p += 5;
    return p[0] == '@' ? NULL : p;
}

/* A user or group by name or number; WEFT_ERROR when there is none. */
static int
lookup_id(const char *s, int group, unsigned *id)
{
    char *end;

    if (group) {
        struct group *g = getgrnam(s);
        if (g != NULL) {
            *id = g->gr_gid;
            return WEFT_OK;
        }
    } else {
        struct passwd *p = getpwnam(s);
        if (p != NULL) {
            *id = p->pw_uid;
            return WEFT_OK;
        }
    }
    *id = (unsigned) strtoul(s, &end, 10);
    return (*s != '\0' && *end == '\0') ? WEFT_OK : WEFT_ERROR;
}

int
weft_sockets_chown(const char *spec)
{
    char     user[256], *colon;
    unsigned uid, gid = (unsigned) -1;
    unsigned i;

    snprintf(user, sizeof(user), "%s", spec);
    colon = strchr(user, ':');
    if (colon != NULL)
        *colon++ = '\0';
    if (lookup_id(user, 0, &uid) != WEFT_OK) {
        weft_log(WEFT_LOG_ERROR, "--chown-socket %s: no such user '%s'", spec, user);
        return WEFT_ERROR;
    }
    if (colon != NULL && *colon != '\0' && lookup_id(colon, 1, &gid) != WEFT_OK) {
        weft_log(WEFT_LOG_ERROR, "--chown-socket %s: no such group '%s'", spec, colon);
        return WEFT_ERROR;
    }
    for (i = 0; i < weft_nlisteners; i++) {
        const char *path = socket_path(&weft_listeners[i]);

        if (path == NULL)
            continue;
        if (chown(path, (uid_t) uid, (gid_t) gid) != 0) {
            weft_log(WEFT_LOG_ERROR, "--chown-socket: cannot chown %s to %s: %m", path, spec);
            return WEFT_ERROR;
        }
    }
    return WEFT_OK;
}

/* Remove a pidfile weft wrote (NULL: none), saying so. */
static void
remove_pidfile(const char *path)
{
    if (path != NULL && unlink(path) == 0)
        weft_log(WEFT_LOG_INFO, "vacuum: removed %s", path);
}

void
weft_sockets_vacuum(void)
{
    unsigned i;

    for (i = 0; i < weft_nlisteners; i++) {
        const char *path = socket_path(&weft_listeners[i]);
        struct stat st;

        /* Only a socket: never a file someone put there since. */
        if (path == NULL || lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
            continue;
        if (unlink(path) == 0)
            weft_log(WEFT_LOG_INFO, "vacuum: removed %s", path);
        else
            weft_log(WEFT_LOG_WARN, "vacuum: cannot remove %s: %m", path);
    }
    remove_pidfile(weft_conf.pidfile);
    remove_pidfile(weft_conf.safe_pidfile);
}
