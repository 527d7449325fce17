/*
 * core/reexec.c - graceful reload by re-executing weft in place.
 *
 * The listen sockets survive exec (FD_CLOEXEC is cleared on them) and are
 * described in WEFT_LISTEN_FDS as "fd proto addr" lines; the new image takes
 * the one whose address and protocol match instead of binding again, so the
 * kernel keeps queueing connections throughout.  WEFT_DRAINING lists the old
 * workers, "pid deadline" pairs.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <weft/status.h>
#include "buf.h"
#include "listen.h"
#include "log.h"
#include "reexec.h"

static char   **saved_argv;
static char     saved_cwd[PATH_MAX];
static char     saved_exe[PATH_MAX];

typedef struct {
    int   fd;
    int   proto;
    char *addr;
    int   taken;
} inherited_t;

static inherited_t *inherited;
static unsigned     ninherited;
static pid_t       *old_pids;
static unsigned    *old_ids;
static double      *old_deadlines;
static unsigned     nold;

static void
parse_environment(void)
{
    const char *env = getenv("WEFT_LISTEN_FDS");
    char       *copy, *line, *save = NULL;

    if (env != NULL && (copy = strdup(env)) != NULL) {
        for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            int  fd, proto, n = 0;
            void *p;

            if (sscanf(line, "%d %d %n", &fd, &proto, &n) < 2 || n == 0)
                continue;
            p = realloc(inherited, (ninherited + 1) * sizeof(*inherited));
            if (p == NULL)
                break;
            inherited = p;
            inherited[ninherited].fd = fd;
            inherited[ninherited].proto = proto;
            inherited[ninherited].addr = strdup(line + n);
            inherited[ninherited].taken = 0;
            ninherited++;
        }
        free(copy);
    }
    env = getenv("WEFT_DRAINING");
    if (env != NULL) {
        const char *p = env;
        long        pid;
        unsigned    id;
        double      deadline;
        int         n;

        while (sscanf(p, "%ld %u %lf%n", &pid, &id, &deadline, &n) == 3) {
            pid_t    *np = realloc(old_pids, (nold + 1) * sizeof(*np));
            unsigned *ni = np ? realloc(old_ids, (nold + 1) * sizeof(*ni)) : NULL;
            double   *nd = ni ? realloc(old_deadlines, (nold + 1) * sizeof(*nd)) : NULL;
            if (np != NULL)
                old_pids = np;
            if (ni != NULL)
                old_ids = ni;
            if (nd == NULL)
                break;
            old_deadlines = nd;
            old_pids[nold] = (pid_t) pid;
            old_ids[nold] = id;
            old_deadlines[nold] = deadline;
            nold++;
            p += n;
        }
    }
    unsetenv("WEFT_LISTEN_FDS");
    unsetenv("WEFT_DRAINING");
}

void
weft_reexec_init(int argc, char **argv)
{
    ssize_t n;

    saved_argv = argv;
    if (getcwd(saved_cwd, sizeof(saved_cwd)) == NULL)
        saved_cwd[0] = '\0';
    n = readlink("/proc/self/exe", saved_exe, sizeof(saved_exe) - 1);
    saved_exe[n > 0 ? n : 0] = '\0';
    parse_environment();
}

int
weft_reexec_listener(const char *addr, int proto)
{
    unsigned i;

    for (i = 0; i < ninherited; i++) {
        if (!inherited[i].taken && inherited[i].proto == proto && inherited[i].addr
            && strcmp(inherited[i].addr, addr) == 0) {
            inherited[i].taken = 1;
            fcntl(inherited[i].fd, F_SETFD, FD_CLOEXEC);
            return inherited[i].fd;
        }
    }
    return -1;
}

unsigned
weft_reexec_count(const char *prefix)
{
    unsigned i, n = 0;

    for (i = 0; i < ninherited; i++)
        n += !inherited[i].taken && inherited[i].addr
             && strncmp(inherited[i].addr, prefix, strlen(prefix)) == 0;
    return n;
}

int
weft_reexec_next(const char *prefix, const char **addr, int *proto)
{
    unsigned i;

    for (i = 0; i < ninherited; i++) {
        if (!inherited[i].taken && inherited[i].addr
            && strncmp(inherited[i].addr, prefix, strlen(prefix)) == 0) {
            inherited[i].taken = 1;
            fcntl(inherited[i].fd, F_SETFD, FD_CLOEXEC);
            *addr = inherited[i].addr;
            *proto = inherited[i].proto;
            return inherited[i].fd;
        }
    }
    return -1;
}

void
weft_reexec_close_unused(void)
{
    unsigned i;

    for (i = 0; i < ninherited; i++) {
        if (!inherited[i].taken) {
            weft_log(WEFT_LOG_INFO, "closing %s: the new configuration does not listen there",
                     inherited[i].addr ? inherited[i].addr : "?");
            close(inherited[i].fd);
        }
        free(inherited[i].addr);
    }
    free(inherited);
    inherited = NULL;
    ninherited = 0;
}

unsigned
weft_reexec_inherited(const pid_t **pids, const unsigned **ids, const double **deadlines)
{
    *pids = old_pids;
    *ids = old_ids;
    *deadlines = old_deadlines;
    return nold;
}

void
weft_reexec(const pid_t *pids, const unsigned *ids, const double *deadlines, unsigned n)
{
    weft_buf_t fds = { 0 }, old = { 0 };
    unsigned   i;

    for (i = 0; i < weft_nlisteners; i++) {
        weft_listener_t *ls = &weft_listeners[i];
        int              flags = fcntl(ls->fd, F_GETFD);

        fcntl(ls->fd, F_SETFD, flags & ~FD_CLOEXEC);
        weft_buf_printf(&fds, "%d %d %s\n", ls->fd, ls->proto, ls->name);
    }
    for (i = 0; i < n; i++)
        weft_buf_printf(&old, "%ld %u %.3f ", (long) pids[i], ids[i], deadlines[i]);
    if (weft_buf_append(&fds, "", 1) != WEFT_OK || weft_buf_append(&old, "", 1) != WEFT_OK) {
        weft_log(WEFT_LOG_ERROR, "reload: out of memory");
        return;
    }
    setenv("WEFT_LISTEN_FDS", fds.data, 1);
    setenv("WEFT_DRAINING", old.data, 1);
    if (saved_cwd[0] != '\0' && chdir(saved_cwd) != 0)
        weft_log(WEFT_LOG_WARN, "reload: cannot go back to %s: %m", saved_cwd);
    weft_log(WEFT_LOG_INFO, "re-executing %s", saved_exe[0] ? saved_exe : saved_argv[0]);
    execv(saved_exe[0] ? saved_exe : saved_argv[0], saved_argv);
    weft_log(WEFT_LOG_ERROR, "reload: cannot execute %s: %m",
             saved_exe[0] ? saved_exe : saved_argv[0]);
    unsetenv("WEFT_LISTEN_FDS");
    unsetenv("WEFT_DRAINING");
    weft_buf_free(&fds);
    weft_buf_free(&old);
}
