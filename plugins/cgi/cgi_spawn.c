/*
 * plugins/cgi/cgi_spawn.c - starting a script, killing it, reaping it.
 *
 * posix_spawn(3) (a vfork-style clone in glibc) starts the script directly,
 * never through a shell: argv is the script's absolute path, or the
 * helper's fixed words followed by it, and nothing of the request ever
 * becomes an argument.  The child gets a process group of its own, so a
 * timeout or a vanished client kills everything the script started; the
 * signals the worker ignores (SIGPIPE) are reset to their defaults, the
 * signal mask is emptied, and every fd above 2 is closed.
 *
 * Every script started is on a list until it is reaped, so a stopping
 * worker can kill and reap what is left; a process that does not die at
 * once from SIGKILL (stuck in the kernel) is reaped later instead of
 * stopping the worker.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgi.h"

#define MAX_ARGS        34
#define KILL_WAIT_MS    200          /* how long cgi_kill() waits for death */

static int       devnull = -1;
static sigset_t  sig_defaults;      /* reset in the child: what we ignore */
static int       sig_defaults_ready;

/* Killed but not dead yet. */
static pid_t    *strays;
static unsigned  nstrays, strays_cap;

/* Started and not reaped: a small set of pids, for worker exit. */
static pid_t    *live;
static unsigned  nlive, live_cap;

static int
pid_add(pid_t **set, unsigned *n, unsigned *cap, pid_t pid)
{
    if (*n == *cap) {
        unsigned c = *cap ? *cap * 2 : 16;
        pid_t   *p = realloc(*set, c * sizeof(pid_t));
        if (p == NULL)
            return -1;
        *set = p;
        *cap = c;
    }
    (*set)[(*n)++] = pid;
    return 0;
}

static void
pid_remove(pid_t *set, unsigned *n, pid_t pid)
{
    unsigned i;

    for (i = 0; i < *n; i++)
        if (set[i] == pid) {
            set[i] = set[--*n];
            return;
        }
}

int
cgi_spawn_init(void)
{
    devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0) {
        cgi_api->log(WEFT_LOG_ERROR, "cgi: cannot open /dev/null: %s", strerror(errno));
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

/* The signals this worker ignores, which a script would otherwise inherit
 * ignored (exec keeps SIG_IGN).  Read once, after the worker set them. */
static void
prepare_signals(void)
{
    struct sigaction sa;
    int              sig;

    sigemptyset(&sig_defaults);
    sigaddset(&sig_defaults, SIGPIPE);
    for (sig = 1; sig < SIGRTMIN; sig++)
        if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &sa) == 0
            && sa.sa_handler == SIG_IGN)
            sigaddset(&sig_defaults, sig);
    sig_defaults_ready = 1;
}

static void
reap_strays(void)
{
    unsigned i = 0;

    while (i < nstrays) {
        if (waitpid(strays[i], NULL, WNOHANG) != 0)
            strays[i] = strays[--nstrays];
        else
            i++;
    }
}

static void
close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* A fresh pipe end has no status flags to keep: set O_NONBLOCK alone. */
static int
nonblocking(int fd)
{
    return fcntl(fd, F_SETFL, O_NONBLOCK);
}

int
cgi_spawn(cgi_proc_t *p, const cgi_script_t *s, char **envp, int with_stdin)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t          attr;
    int                        in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
    char                      *argv[MAX_ARGS + 2];
    unsigned                   argc = 0, i;
    const char                *prog = s->filename;
    sigset_t                   none;
    pid_t                      pid;
    int                        rc;

    if (nstrays > 0)
        reap_strays();
    if (!sig_defaults_ready)
        prepare_signals();
    if (s->helper != NULL) {
        for (i = 0; i < s->helper->argc && i < MAX_ARGS; i++)
            argv[argc++] = s->helper->argv[i];
        prog = s->helper->argv[0];
    }
    argv[argc++] = s->filename;
    argv[argc] = NULL;

    if ((with_stdin && pipe2(in, O_CLOEXEC) != 0) || pipe2(out, O_CLOEXEC) != 0
        || pipe2(err, O_CLOEXEC) != 0
        || (with_stdin && nonblocking(in[1]) != 0) || nonblocking(out[0]) != 0
        || nonblocking(err[0]) != 0) {
        rc = errno;
        goto done;
    }

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, with_stdin ? in[0] : devnull, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addchdir_np(&fa, s->dir);
#if defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 34)
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
#endif
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK
                                    | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr, 0);
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &sig_defaults);

    rc = posix_spawn(&pid, prog, &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc == 0) {
        p->pid = pid;
        p->in_fd = in[1];
        p->out_fd = out[0];
        p->err_fd = err[0];
        p->pid_fd = -1;
        p->reaped = 0;
        p->wstatus = 0;
        in[1] = out[0] = err[0] = -1;
        if (pid_add(&live, &nlive, &live_cap, pid) != 0)
            cgi_api->log(WEFT_LOG_WARN, "cgi: out of memory tracking pid %ld", (long) pid);
        /*
         * Let the script run first.  On a busy CPU the worker would
         * otherwise be woken by each write of its head and go back to
         * sleep on the pipe (a dozen context switches for a shell "echo"
         * script instead of three); with a CPU to spare this costs nothing.
         */
        sched_yield();
    }

done:
    close_fd(&in[0]);
    close_fd(&in[1]);
    close_fd(&out[0]);
    close_fd(&out[1]);
    close_fd(&err[0]);
    close_fd(&err[1]);
    return rc;
}

static void
reaped(cgi_proc_t *p, int wstatus)
{
    p->reaped = 1;
    p->wstatus = wstatus;
    pid_remove(live, &nlive, p->pid);
}

int
cgi_reap(cgi_proc_t *p)
{
    int   st = 0;
    pid_t w;

    if (p->pid <= 0 || p->reaped)
        return 1;
    do
        w = waitpid(p->pid, &st, WNOHANG);
    while (w < 0 && errno == EINTR);
    if (w == 0)
        return 0;
    reaped(p, w == p->pid ? st : 0);
    return 1;
}

int
cgi_pidfd(cgi_proc_t *p)
{
#ifdef SYS_pidfd_open
    if (p->pid_fd < 0 && p->pid > 0 && !p->reaped)
        p->pid_fd = (int) syscall(SYS_pidfd_open, p->pid, 0);   /* close-on-exec */
    return p->pid_fd;
#else
    return -1;
#endif
}

void
cgi_close_fds(cgi_proc_t *p)
{
    close_fd(&p->in_fd);
    close_fd(&p->out_fd);
    close_fd(&p->err_fd);
    close_fd(&p->pid_fd);
}

void
cgi_kill(cgi_proc_t *p)
{
    unsigned waited;

    cgi_close_fds(p);
    if (p->pid <= 0 || p->reaped)
        return;
    kill(-p->pid, SIGKILL);
    kill(p->pid, SIGKILL);              /* in case it left its group */
    for (waited = 0; waited < KILL_WAIT_MS * 4; waited++) {
        struct timespec quarter = { 0, 250000 };

        if (cgi_reap(p))
            return;
        nanosleep(&quarter, NULL);
    }
    cgi_api->log(WEFT_LOG_WARN, "cgi: pid %ld is not dead %d ms after SIGKILL; it will be reaped later",
                 (long) p->pid, KILL_WAIT_MS);
    pid_remove(live, &nlive, p->pid);
    if (pid_add(&strays, &nstrays, &strays_cap, p->pid) != 0)
        cgi_api->log(WEFT_LOG_WARN, "cgi: out of memory: pid %ld will stay a zombie",
                     (long) p->pid);
    p->reaped = 1;
}

void
cgi_spawn_exit(void)
{
    unsigned i;

    for (i = 0; i < nlive; i++) {
        kill(-live[i], SIGKILL);
        kill(live[i], SIGKILL);
        waitpid(live[i], NULL, 0);
    }
    for (i = 0; i < nstrays; i++)
        waitpid(strays[i], NULL, 0);
    nlive = nstrays = 0;
    if (devnull >= 0) {
        close(devnull);
        devnull = -1;
    }
}
