/*
 * plugins/cgi/cgi_spawn.c - starting a script, killing it, reaping it.
 *
 * A script runs from the file cgi_map() opened beneath its root and
 * checked (s->fd), never from its path again, so nothing can be swapped in
 * between the check and the exec.  posix_spawn(3) cannot execute an fd, so
 * the child is started the way glibc's posix_spawn starts one: clone(2)
 * with CLONE_VM | CLONE_VFORK on a stack of its own (no copy of the
 * worker's memory, the worker waits only until the exec, and the child
 * never touches the worker's stack, which may be a core's), and
 * does what posix_spawn did: a process group of its own, so a timeout or a
 * vanished client kills everything the script started; every signal back to
 * its default (the worker ignores SIGPIPE), an empty signal mask; stdin,
 * stdout and stderr on our pipes, every other fd closed; its directory as
 * cwd (s->dir_fd, opened beneath the root too).  Never a shell: argv is the
 * script's path (a name only: the kernel runs the fd), or a --cgi-helper's
 * fixed words followed by "/dev/fd/3", and nothing of the request ever
 * becomes an argument.
 *
 * fd 3: the script.  A binary is executed with execveat(fd, "",
 * AT_EMPTY_PATH) and fd 3 closed at the exec.  A #! script and a helper's
 * interpreter read the script through /dev/fd/3, so there fd 3 stays open
 * (read-only, the script itself; the kernel then names the script
 * /dev/fd/3 in the interpreter's argv, so $0 and sys.argv[0] say
 * /dev/fd/3: SCRIPT_FILENAME still has its path).
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
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgi.h"

#define MAX_ARGS        34
#define KILL_WAIT_MS    200          /* how long cgi_kill() waits for death */
#define SCRIPT_FD       3            /* the script, in the child */
#define SCRIPT_FD_PATH  "/dev/fd/3"
#define PARKED_FD       10           /* where the child parks fds first */

static int       devnull = -1;

/* Everything the child needs, made before vfork(): the child only makes
 * system calls. */
typedef struct {
    int           from[4];          /* become fds 0, 1, 2 and SCRIPT_FD */
    int           dir_fd;
    const char   *helper;           /* exec this with SCRIPT_FD open, or NULL:
                                       execute SCRIPT_FD itself */
    char *const  *argv;
    char *const  *envp;
    int           max_fd;           /* for kernels without close_range */
} spawn_plan_t;

/* The child's errno when it could not exec (shared: CLONE_VM). */
static volatile int child_errno;

/* The child's stack: one per worker, reused (the worker waits while the
 * child runs on it), so big enough for a sanitizer build's frames. */
#define CHILD_STACK     (256 * 1024)
static char *child_stack;

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

/* Close every fd from `from` up. */
static void
close_from(int from, int max_fd)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned) from, ~0U, 0) == 0)
        return;
#endif
    for (; from < max_fd; from++)
        close(from);
}

/*
 * The child, between clone() and exec: system calls only (it runs on the
 * worker's memory), and it never returns.
 */
static int
child(void *arg)
{
    const spawn_plan_t *p = arg;
    struct sigaction dfl;
    sigset_t         none;
    int              i, parked[4];

    /* No handler of the worker's may run here: each one back to default
     * before signals are let in again (they are all blocked now). */
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (i = 1; i < NSIG; i++)
        if (i != SIGKILL && i != SIGSTOP)
            sigaction(i, &dfl, NULL);
    if (setpgid(0, 0) != 0)
        goto fail;
    /* Park the sources above the targets first: a pipe may be fd 3. */
    for (i = 0; i < 4; i++)
        if (p->from[i] >= 0 && (parked[i] = fcntl(p->from[i], F_DUPFD, PARKED_FD)) < 0)
            goto fail;
    for (i = 0; i < 4; i++)
        if (p->from[i] >= 0 && dup2(parked[i], i) < 0)
            goto fail;
    if (fchdir(p->dir_fd) != 0)
        goto fail;
    close_from(SCRIPT_FD + 1, p->max_fd);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (p->helper != NULL) {
        execve(p->helper, p->argv, p->envp);
    } else {
        /* A binary needs no fd 3 after the exec.  A #! script does (its
         * interpreter opens /dev/fd/3): the kernel says ENOENT for one run
         * from a close-on-exec fd, before anything is lost; run it again
         * with fd 3 kept open. */
        fcntl(SCRIPT_FD, F_SETFD, FD_CLOEXEC);
        syscall(SYS_execveat, SCRIPT_FD, "", p->argv, p->envp, AT_EMPTY_PATH);
        if (errno == ENOENT) {
            fcntl(SCRIPT_FD, F_SETFD, 0);
            syscall(SYS_execveat, SCRIPT_FD, "", p->argv, p->envp, AT_EMPTY_PATH);
        }
    }
fail:
    child_errno = errno ? errno : ENOEXEC;
    _exit(127);
}

/* Start child(p) sharing our memory; we go on once it has exec'd or
 * exited.  Its pid, or -1 with errno. */
static pid_t
start_child(spawn_plan_t *p)
{
    if (child_stack == NULL) {
        void *st = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (st == MAP_FAILED)
            return -1;
        child_stack = st;
    }
    /* The stack grows down on every architecture Linux runs this on but
     * hppa, which weft does not build for. */
    return clone(child, child_stack + CHILD_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, p);
}

int
cgi_spawn(cgi_proc_t *p, const cgi_script_t *s, char **envp, int with_stdin)
{
    int            in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
    char          *argv[MAX_ARGS + 2];
    unsigned       argc = 0, i;
    spawn_plan_t   plan;
    struct rlimit  rl;
    sigset_t       all, old;
    pid_t          pid;
    int            rc;

    if (nstrays > 0)
        reap_strays();
    if (s->helper != NULL) {
        for (i = 0; i < s->helper->argc && i < MAX_ARGS; i++)
            argv[argc++] = s->helper->argv[i];
        argv[argc++] = (char *) SCRIPT_FD_PATH;
    } else {
        argv[argc++] = s->filename;
    }
    argv[argc] = NULL;

    if ((with_stdin && pipe2(in, O_CLOEXEC) != 0) || pipe2(out, O_CLOEXEC) != 0
        || pipe2(err, O_CLOEXEC) != 0
        || (with_stdin && nonblocking(in[1]) != 0) || nonblocking(out[0]) != 0
        || nonblocking(err[0]) != 0) {
        rc = errno;
        goto done;
    }

    plan.from[0] = with_stdin ? in[0] : devnull;
    plan.from[1] = out[1];
    plan.from[2] = err[1];
    plan.from[3] = s->fd;
    plan.dir_fd = s->dir_fd;
    plan.helper = s->helper != NULL ? s->helper->argv[0] : NULL;
    plan.argv = argv;
    plan.envp = envp;
    plan.max_fd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536
                  ? (int) rl.rlim_cur : 65536;

    /* Every signal blocked while the child shares our memory. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    child_errno = 0;
    pid = start_child(&plan);
    rc = pid < 0 ? errno : child_errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid > 0 && rc != 0) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
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
    if (child_stack != NULL) {
        munmap(child_stack, CHILD_STACK);
        child_stack = NULL;
    }
}
