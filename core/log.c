/*
 * core/log.c - one write(2) per line, so lines from several workers sharing
 * a file or pipe never interleave.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app_guard.h"
#include "log.h"
#include "opts.h"

int weft_log_level = WEFT_LOG_INFO;

static int         log_fd = 2;

static void write_all(int fd, const char *p, size_t n);
static const char *log_path;

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

void
weft_log_set_fd(int fd)
{
    log_fd = fd;
}

int
weft_log_open(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    if (dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
        snprintf(err, errlen, "cannot redirect the log to %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    weft_app_guard_std_moved();         /* the new fds 1, 2 are the originals */
    log_path = path;
    log_fd = 2;
    return 0;
}

void
weft_log_reopen(void)
{
    char err[512];

    if (log_path != NULL && weft_log_open(log_path, err, sizeof(err)) != 0)
        weft_log(WEFT_LOG_ERROR, "%s", err);
    else if (log_path != NULL)
        weft_log(WEFT_LOG_INFO, "reopened the log %s", log_path);
    weft_logger_reopen();
}

int
weft_log_fd(void)
{
    return log_fd;
}

void
weft_log_write(const char *p, size_t n)
{
    /* Access lines: to --req-logger, else --logger, else the log. */
    if (weft_logger_write(1, p, n))
        return;
    write_all(log_fd, p, n);
    if (log_path != NULL)
        weft_logrotate_check(log_fd, log_path, 1);
}

static void
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR || (errno == EBADF && weft_app_guard_repair(fd)))
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
    if (weft_logger_write(0, line, n))
        return;
    write_all(log_fd, line, n);
    if (log_path != NULL)
        weft_logrotate_check(log_fd, log_path, 1);
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
