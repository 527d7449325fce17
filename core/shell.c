/*
 * core/shell.c - starting a shell command from the master: the one place
 * that knows how a child that is not a worker is set up.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "shell.h"

/* Contract: see shell.h. */
pid_t
weft_shell_start(const char *cmd, const char *dir, int flags)
{
    pid_t    pid = fork();
    sigset_t none;
    int      sig, fd;

    if (pid < 0) {
        weft_log(WEFT_LOG_ERROR, "cannot fork for \"%s\": %m", cmd);
        return -1;
    }
    if (pid > 0)
        return pid;

    for (sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (flags & WEFT_SHELL_SESSION)
        setsid();
    else if (flags & WEFT_SHELL_GROUP)
        setpgid(0, 0);
    if (flags & WEFT_SHELL_DIE_WITH)
        prctl(PR_SET_PDEATHSIG, SIGTERM);
    fd = open("/dev/null", O_RDONLY);
    if (fd >= 0 && fd != 0) {
        dup2(fd, 0);
        close(fd);
    }
    if (dir != NULL && chdir(dir) != 0) {
        weft_log(WEFT_LOG_ERROR, "cannot change to %s for \"%s\": %m", dir, cmd);
        _exit(127);
    }
    execl("/bin/sh", "sh", "-c", cmd, (char *) NULL);
    weft_log(WEFT_LOG_ERROR, "cannot execute /bin/sh for \"%s\": %m", cmd);
    _exit(127);
}

/* Contract: see shell.h. */
int
weft_shell_run(const char *cmd)
{
    pid_t pid = weft_shell_start(cmd, NULL, 0);
    int   status;

    if (pid < 0)
        return -1;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

/* Contract: see shell.h. */
void
weft_shell_describe(char *buf, size_t len, int status)
{
    if (WIFSIGNALED(status)) {
        const char *s = sigabbrev_np(WTERMSIG(status));
        snprintf(buf, len, "was killed by SIG%s", s ? s : "?");
    } else {
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
    }
}
