/*
 * core/accesslog.h - one line per request, in the common log format (with
 * the duration, worker and core appended) or in JSON (--log-format json).
 * Hostile bytes in the request are escaped, never written raw.
 */
#ifndef WEFT_CORE_ACCESSLOG_H
#define WEFT_CORE_ACCESSLOG_H

#include <stddef.h>

#include "request.h"

/* Log a finished request (unless --disable-logging). */
void weft_accesslog(weft_req_t *r);

/* Write buffered lines out (at quiet moments and before a worker exits). */
void weft_accesslog_flush(void);

/* Escape n bytes of s into out (of outlen bytes, NUL-terminated) for the
 * common format (\xHH for quotes, backslashes and non-printables) or JSON
 * (\" \\ and \u00HH).  Returns the length written. */
size_t weft_log_escape(char *out, size_t outlen, const char *s, size_t n, int json);

#endif
