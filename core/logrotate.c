/*
 * core/logrotate.c - --log-maxsize: a log file past that size is renamed
 * (to --log-backupname, else to FILE.EPOCH) and opened anew.  Every process
 * checks after its own writes; one that finds the file already renamed by
 * another just reopens.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app_guard.h"
#include "conf.h"
#include "opts.h"

int
weft_logrotate_check(int fd, const char *path, int dup_std)
{
    struct stat here, there;
    char        backup[4096];
    int         nfd;

    if (weft_conf.log_maxsize == 0 || path == NULL || fstat(fd, &here) != 0
        || !S_ISREG(here.st_mode) || (size_t) here.st_size < weft_conf.log_maxsize)
        return fd;
    if (stat(path, &there) == 0 && there.st_dev == here.st_dev && there.st_ino == here.st_ino) {
        if (weft_conf.log_backupname != NULL)
            snprintf(backup, sizeof(backup), "%s", weft_conf.log_backupname);
        else
            snprintf(backup, sizeof(backup), "%s.%lld", path, (long long) time(NULL));
        if (rename(path, backup) != 0)
            return fd;
    }
    nfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (nfd < 0)
        return fd;
    dup2(nfd, fd);
    if (dup_std && fd != 1)
        dup2(nfd, 1);
    if (dup_std && fd != 2)
        dup2(nfd, 2);
    close(nfd);
    weft_app_guard_std_moved();         /* the new fds are the originals */
    return fd;
}
