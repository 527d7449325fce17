/*
 * core/procname.c - process names (--procname-prefix, --auto-procname), as
 * ps and top show them:
 *
 *  - the kernel's comm name (ps -o comm, top, pgrep): prctl(PR_SET_NAME),
 *    15 bytes at most;
 *  - the command line (ps aux, ps -f, /proc/PID/cmdline): written over the
 *    memory the kernel gave argv and the environment strings, which sit end
 *    to end.  weft_procname_init() moves the environment to the heap and
 *    hands the rest of weft a copy of argv first, so nothing reads the old
 *    strings afterwards (the re-exec of a reload uses that copy).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "conf.h"
#include "opts.h"

extern char **environ;

static char  *title;                /* argv[0]'s memory, to the last byte */
static size_t title_room;           /* of argv and environ, end to end */
/* The copies, kept for good (volatile: never read, the stores must stay,
 * so LeakSanitizer sees them): unsetenv() drops entries from environ, not
 * the strings, and setenv() may leave the array for one of its own. */
static char **volatile argv_copy;
static char **volatile env_copy;
static char **volatile env_moved;

char **
weft_procname_init(int argc, char **argv)
{
    char  **copy = calloc((size_t) argc + 1, sizeof(*copy));
    char  **env;
    char   *end;
    size_t  n = 0;
    int     i;

    if (copy == NULL)
        return argv;
    argv_copy = copy;
    for (i = 0; i < argc; i++)
        if ((copy[i] = strdup(argv[i])) == NULL)
            return argv;
    /* The area: argv's strings, then environ's, while each starts where
     * the one before it ended. */
    end = argv[0] + strlen(argv[0]) + 1;
    for (i = 1; i < argc && argv[i] == end; i++)
        end = argv[i] + strlen(argv[i]) + 1;
    for (env = environ; *env != NULL; env++)
        n++;
    {
        char **moved = calloc(n + 1, sizeof(*moved));
        char **strings = calloc(n + 1, sizeof(*strings));
        size_t k;

        if (moved == NULL || strings == NULL)
            return copy;
        env_copy = strings;
        for (k = 0; k < n; k++) {
            if (environ[k] == end)
                end = environ[k] + strlen(environ[k]) + 1;
            if ((moved[k] = strdup(environ[k])) == NULL)
                return copy;
            strings[k] = moved[k];
        }
        env_moved = moved;
        environ = moved;
    }
    title = argv[0];
    title_room = (size_t) (end - argv[0]);
    return copy;
}

void
weft_procname_set(const char *name)
{
    char full[256];

    if (weft_conf.procname_prefix == NULL && !weft_conf.auto_procname)
        return;
    snprintf(full, sizeof(full), "%s%s",
             weft_conf.procname_prefix ? weft_conf.procname_prefix : "", name);
    prctl(PR_SET_NAME, full, 0, 0, 0);
    if (title != NULL && title_room > 1) {
        memset(title, 0, title_room);
        snprintf(title, title_room, "%s", full);
    }
}
