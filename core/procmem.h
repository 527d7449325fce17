/*
 * core/procmem.h - a process's memory, from /proc/PID/statm.
 */
#ifndef WEFT_CORE_PROCMEM_H
#define WEFT_CORE_PROCMEM_H

#include <stdint.h>
#include <sys/types.h>

/* pid's resident set and address space size in bytes (either may be NULL).
 * 0, or -1 when the process cannot be read (both set to 0). */
int weft_proc_memory(pid_t pid, uint64_t *rss, uint64_t *vsz);

#endif
