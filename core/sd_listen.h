/*
 * core/sd_listen.h - listening sockets handed over by systemd
 * (sd_listen.c).
 */
#ifndef WEFT_CORE_SD_LISTEN_H
#define WEFT_CORE_SD_LISTEN_H

/* Adopt $LISTEN_FDS when $LISTEN_PID is ours, and take the variables out
 * of the environment.  Once, at start-up, before any socket is opened. */
void     weft_sd_listen_init(void);

/* How many sockets systemd handed over. */
unsigned weft_sd_listen_count(void);

/* The handed-over socket bound at addr (as --http-socket takes it), taken
 * for it; -1 when there is none. */
int      weft_sd_listen_take(const char *addr);

/* The next socket no address took, with its name ($LISTEN_FDNAMES,
 * "unknown" without one); -1 when none is left. */
int      weft_sd_listen_next(const char **name);

#endif
