/*
 * core/touch.c - --touch-reload and --touch-workers-reload: the master
 * looks at each file's modification time once a tick, and a change (the
 * file touched, written, made or removed) asks for a graceful reload of
 * everything, or of the workers alone.
 */
#include "config.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "conf.h"
#include "log.h"
#include "touch.h"

typedef struct {
    const char     *path;
    int             workers;        /* --touch-workers-reload */
    int             exists;
    struct timespec mtime;
} watched_t;

static watched_t *files;
static unsigned   nfiles;

/* Whether path's state differs from what w saw; w then sees it. */
static int
changed(watched_t *w)
{
    struct stat st;
    int         exists = stat(w->path, &st) == 0;
    int         differs = exists != w->exists
                          || (exists && (st.st_mtim.tv_sec != w->mtime.tv_sec
                                         || st.st_mtim.tv_nsec != w->mtime.tv_nsec));

    w->exists = exists;
    if (exists)
        w->mtime = st.st_mtim;
    return differs;
}

static void
watch_list(const weft_strlist_t *l, int workers)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        watched_t *w = &files[nfiles++];

        w->path = l->v[i];
        w->workers = workers;
        w->exists = 0;
        changed(w);
    }
}

int
weft_touch_init(void)
{
    size_t n = weft_conf.touch_reload.n + weft_conf.touch_workers_reload.n;

    if (n == 0)
        return 0;
    files = calloc(n, sizeof(*files));
    if (files == NULL)
        return -1;
    watch_list(&weft_conf.touch_reload, 0);
    watch_list(&weft_conf.touch_workers_reload, 1);
    return 0;
}

int
weft_touch_check(void)
{
    unsigned i;
    int      what = WEFT_TOUCH_NONE;

    for (i = 0; i < nfiles; i++) {
        if (!changed(&files[i]))
            continue;
        weft_log(WEFT_LOG_INFO, "%s changed (--touch-%sreload): %s", files[i].path,
                 files[i].workers ? "workers-" : "",
                 files[i].workers ? "replacing the workers" : "reloading");
        if (!files[i].workers)
            what = WEFT_TOUCH_RELOAD;
        else if (what == WEFT_TOUCH_NONE)
            what = WEFT_TOUCH_WORKERS;
    }
    return what;
}
