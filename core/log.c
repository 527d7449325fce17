/*
 * core/log.c - one write(2) per line, so lines from several workers sharing
 * a file or pipe never interleave.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

int weft_log_level = WEFT_LOG_INFO;

static int log_fd = 2;

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

void
weft_log_set_fd(int fd)
{
    log_fd = fd;
}

int
weft_log_fd(void)
{
    return log_fd;
}

static void
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += w;
        n -= (size_t) w;
    }
}

void
weft_vlog(int level, const char *fmt, va_list ap)
{
    char        line[2048];
    struct tm   tm;
    time_t      now;
    size_t      n;
    int         r;

    if (level > weft_log_level)
        return;
    if (level < WEFT_LOG_ERROR)
        level = WEFT_LOG_ERROR;
    if (level > WEFT_LOG_DEBUG)
        level = WEFT_LOG_DEBUG;

    now = time(NULL);
    localtime_r(&now, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
    r = snprintf(line + n, sizeof(line) - n, " [%ld] %s ", (long) getpid(),
                 level_names[level]);
    if (r > 0)
        n += (size_t) r;

    r = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    if (r > 0)
        n = n + (size_t) r < sizeof(line) - 1 ? n + (size_t) r : sizeof(line) - 2;
    while (n > 0 && line[n - 1] == '\n')
        n--;
    line[n++] = '\n';
    write_all(log_fd, line, n);
}

void
weft_log(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    weft_vlog(level, fmt, ap);
    va_end(ap);
}

void
weft_die_msg(const char *fmt, ...)
{
    char    line[2048];
    va_list ap;
    int     r;
    size_t  n;

    memcpy(line, "weft: ", 6);
    va_start(ap, fmt);
    r = vsnprintf(line + 6, sizeof(line) - 8, fmt, ap);
    va_end(ap);
    n = 6 + (r > 0 ? ((size_t) r < sizeof(line) - 8 ? (size_t) r : sizeof(line) - 8) : 0);
    line[n++] = '\n';
    write_all(2, line, n);
}
