/*
 * core/daemonize.c - going to the background (--daemonize LOGFILE) and
 * writing the pidfile (--pidfile, --safe-pidfile).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <weft/status.h>
#include "log.h"
#include "opts.h"

int
weft_daemonize(const char *logfile)
{
    char  err[512];
    pid_t pid;
    int   fd;

    /* Open the log first: a wrong path is said on the terminal. */
    if (weft_log_open(logfile, err, sizeof(err)) != 0) {
        weft_die_msg("--daemonize: %s", err);
        return WEFT_ERROR;
    }
    /* A reload re-executes the daemon itself: it stays where it is. */
    snprintf(err, sizeof(err), "%ld", (long) getpid());
    if (getenv("WEFT_DAEMONIZED") != NULL && strcmp(getenv("WEFT_DAEMONIZED"), err) == 0)
        return WEFT_OK;
    pid = fork();
    if (pid < 0) {
        weft_log(WEFT_LOG_ERROR, "--daemonize: cannot fork: %m");
        return WEFT_ERROR;
    }
    if (pid > 0)
        _exit(0);
    if (setsid() < 0) {
        weft_log(WEFT_LOG_ERROR, "--daemonize: setsid: %m");
        return WEFT_ERROR;
    }
    /* A second fork: the daemon is no session leader, so it can never get
     * a controlling terminal back. */
    pid = fork();
    if (pid < 0) {
        weft_log(WEFT_LOG_ERROR, "--daemonize: cannot fork: %m");
        return WEFT_ERROR;
    }
    if (pid > 0)
        _exit(0);
    fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        dup2(fd, 0);
        close(fd);
    }
    snprintf(err, sizeof(err), "%ld", (long) getpid());
    setenv("WEFT_DAEMONIZED", err, 1);
    weft_log(WEFT_LOG_INFO, "daemonized: pid %ld, logging to %s", (long) getpid(), logfile);
    return WEFT_OK;
}

int
weft_write_pidfile(const char *path, int safe)
{
    char  tmp[4096];
    FILE *f;

    if (path == NULL)
        return WEFT_OK;
    if (safe)
        snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long) getpid());
    else
        snprintf(tmp, sizeof(tmp), "%s", path);
    f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%ld\n", (long) getpid()) < 0 || fclose(f) != 0) {
        weft_log(WEFT_LOG_ERROR, "cannot write the pidfile %s: %m", tmp);
        return WEFT_ERROR;
    }
    if (safe && rename(tmp, path) != 0) {
        weft_log(WEFT_LOG_ERROR, "cannot rename %s to %s: %m", tmp, path);
        unlink(tmp);
        return WEFT_ERROR;
    }
    return WEFT_OK;
}
