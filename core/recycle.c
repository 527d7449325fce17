/*
 * core/recycle.c - the master's reasons to recycle a worker that uWSGI
 * users set (--max-worker-lifetime, --reload-on-as), and what
 * --harakiri-verbose says of a worker about to be killed.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "opts.h"

/* The address space of pid in KiB (0 when unknown). */
static long
as_kib(pid_t pid)
{
    char  path[64];
    long  pages = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%ld/statm", (long) pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld", &pages) != 1)
        pages = 0;
    fclose(f);
    return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

int
weft_recycle_reason(pid_t pid, double spawned, double now, char *why, size_t len)
{
    if (weft_conf.max_worker_lifetime > 0 && spawned > 0
        && now - spawned >= (double) weft_conf.max_worker_lifetime) {
        snprintf(why, len, "lived %.0f s, --max-worker-lifetime %ld", now - spawned,
                 weft_conf.max_worker_lifetime);
        return 1;
    }
    if (weft_conf.reload_on_as > 0) {
        long kib = as_kib(pid);
        if (kib > weft_conf.reload_on_as * 1024) {
            snprintf(why, len, "has %.1f MiB of address space, over --reload-on-as %ld",
                     (double) kib / 1024, weft_conf.reload_on_as);
            return 1;
        }
    }
    return 0;
}

/* Read a small /proc file of pid into buf, one line. */
static void
proc_line(pid_t pid, const char *name, char *buf, size_t len)
{
    char   path[64];
    FILE  *f;
    size_t n = 0;

    buf[0] = '\0';
    snprintf(path, sizeof(path), "/proc/%ld/%s", (long) pid, name);
    f = fopen(path, "r");
    if (f == NULL)
        return;
    n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
}

void
weft_harakiri_verbose(pid_t pid)
{
    char wchan[128], sys[256], stat[64];

    if (!weft_conf.harakiri_verbose)
        return;
    proc_line(pid, "wchan", wchan, sizeof(wchan));
    proc_line(pid, "syscall", sys, sizeof(sys));
    proc_line(pid, "stat", stat, sizeof(stat));
    weft_log(WEFT_LOG_ERROR, "HARAKIRI (verbose): pid %ld waits in %s; syscall: %s; stat: %.40s",
             (long) pid, wchan[0] && strcmp(wchan, "0") != 0 ? wchan : "(running)",
             sys[0] ? sys : "(unknown)", stat);
}
