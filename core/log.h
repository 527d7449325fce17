/*
 * core/log.h - the server log: lifecycle, errors and (later) access lines.
 */
#ifndef WEFT_CORE_LOG_H
#define WEFT_CORE_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <weft/api.h>

/* Lines above this level are dropped (WEFT_LOG_INFO by default). */
extern int weft_log_level;

/* Write one line at `level`: "time [pid] LEVEL text".  Never fails loudly. */
void weft_log(int level, const char *fmt, ...) WEFT_PRINTF(2, 3);
void weft_vlog(int level, const char *fmt, va_list ap);

/* Write raw bytes (whole lines) to the log, retrying short writes. */
void weft_log_write(const char *p, size_t n);

/* Send the log to fd (default 2).  The caller keeps fd open. */
void weft_log_set_fd(int fd);
int  weft_log_fd(void);

/* Send the log, and stdout and stderr with it (so apps' prints and
 * tracebacks land there too), to FILE, appending.  WEFT_ERROR with err. */
int  weft_log_open(const char *path, char *err, size_t errlen);

/* Reopen the --logto file (after log rotation; SIGUSR1). */
void weft_log_reopen(void);

/* Print "weft: message" to stderr, for start-up errors before the log
 * exists and for --help-style output. */
void weft_die_msg(const char *fmt, ...) WEFT_PRINTF(1, 2);

#endif
