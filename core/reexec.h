/*
 * core/reexec.h - replacing the running image with a fresh one (graceful
 * reload), keeping its pid, its listen sockets and its children.
 */
#ifndef WEFT_CORE_REEXEC_H
#define WEFT_CORE_REEXEC_H

#include <sys/types.h>

/* Remember how weft was started (call first thing in main). */
void weft_reexec_init(int argc, char **argv);

/*
 * Execute weft again with the same arguments from the directory it was
 * started in.  The listen sockets stay open and are handed over; `pids` are
 * children of the old image (draining workers `ids`) the new one must wait
 * for, and kill at `deadlines`.  Returns only when exec failed (logged).
 */
void weft_reexec(const pid_t *pids, const unsigned *ids, const double *deadlines, unsigned n);

/* In the new image: the inherited listen socket for addr and proto, or -1. */
int weft_reexec_listener(const char *addr, int proto);

/* In the new image: how many inherited listen sockets not yet taken have a
 * name starting with prefix; the next of them (taken), with its name and
 * protocol, or -1. */
unsigned weft_reexec_count(const char *prefix);
int      weft_reexec_next(const char *prefix, const char **addr, int *proto);

/* Close inherited listen sockets the new configuration did not take. */
void weft_reexec_close_unused(void);

/* In the new image: the old generation still draining (pids, their worker
 * ids, their deadlines). */
unsigned weft_reexec_inherited(const pid_t **pids, const unsigned **ids,
                               const double **deadlines);

#endif
