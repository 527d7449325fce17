/*
 * core/procmem.c - a process's memory, from /proc/PID/statm.
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "procmem.h"

int
weft_proc_memory(pid_t pid, uint64_t *rss, uint64_t *vsz)
{
    char  path[64];
    long  pages = 0, resident = 0, psz = sysconf(_SC_PAGESIZE);
    FILE *f;
    int   rc = 0;

    snprintf(path, sizeof(path), "/proc/%ld/statm", (long) pid);
    f = fopen(path, "r");
    if (f == NULL || fscanf(f, "%ld %ld", &pages, &resident) != 2) {
        pages = resident = 0;
        rc = -1;
    }
    if (f != NULL)
        fclose(f);
    if (rss != NULL)
        *rss = (uint64_t) resident * (uint64_t) psz;
    if (vsz != NULL)
        *vsz = (uint64_t) pages * (uint64_t) psz;
    return rc;
}
