/*
 * core/sd_notify.h - telling systemd how weft is doing (sd_notify.c).
 */
#ifndef WEFT_CORE_SD_NOTIFY_H
#define WEFT_CORE_SD_NOTIFY_H

/* Read $NOTIFY_SOCKET (and $WATCHDOG_USEC, $WATCHDOG_PID) once; 1 when
 * weft then speaks to a service manager.  Call it in the process systemd
 * started, before any fork. */
int    weft_sd_init(void);

/* Send one message of "KEY=VALUE" lines ("READY=1", "STOPPING=1");
 * nothing without a service manager.  Never blocks, never fails loudly. */
void   weft_sd_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* RELOADING=1 with the monotonic time, as a reload begins. */
void   weft_sd_reloading(void);

/* STATUS=... when it differs from the last one sent. */
void   weft_sd_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* At least every returned number of seconds (0: no watchdog asked for):
 * sends WATCHDOG=1 when it is due at `now` (weft_clock()). */
double weft_sd_tick(double now);

#endif
