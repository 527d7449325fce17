/*
 * t/plugins/testloop.c - a minimal loop engine for the core's tests: its
 * own poll(2) loop and swapcontext coroutines, one per connection.  It
 * exercises the loop-engine ABI without Python or Perl, so harakiri,
 * recycling and graceful stop under a loop engine are tested in C.
 *
 *   weft --plugin testloop.so --testloop N ...   (N cores)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <weft/weft.h>

#define STACK_SIZE (256 * 1024)
#define MAX_WAIT   17

typedef struct co_s co_t;

struct co_s {
    ucontext_t  ctx;
    char       *stack;
    int         fd;              /* the connection it serves */
    unsigned    listener;
    int         done;
    /* what it waits for */
    int         nfds;
    int         fds[MAX_WAIT];
    short       events[MAX_WAIT];
    double      deadline;        /* 0: none */
    int         parked;
    int         runnable;
    int         result;          /* WEFT_OK, WEFT_TIMEOUT, WEFT_ERROR */
    unsigned    ready;
    co_t       *next;
};

static const weft_api_t       *api;
static ucontext_t              loop_ctx;
static co_t                   *all;          /* every live coroutine */
static co_t                   *current;
static int                     accepting = 1;
static int                     aborting;
static volatile sig_atomic_t   got_signal;
static int                     sigpipe_fds[2] = { -1, -1 };   /* wakes poll() */

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
on_signal(int sig)
{
    int saved = errno;

    got_signal = sig;
    if (write(sigpipe_fds[1], "s", 1) < 0) {
        /* the pipe is full: poll() wakes anyway */
    }
    errno = saved;
}

static void
trampoline(void)
{
    co_t *co = current;

    api->serve_connection(co->fd, co->listener);
    co->done = 1;
    /* back to the loop through uc_link */
}

static void
spawn(int fd, unsigned li)
{
    co_t *co = calloc(1, sizeof(*co));

    if (co == NULL) {
        close(fd);
        return;
    }
    co->stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (co->stack == MAP_FAILED) {
        free(co);
        close(fd);
        return;
    }
    co->fd = fd;
    co->listener = li;
    getcontext(&co->ctx);
    co->ctx.uc_stack.ss_sp = co->stack;
    co->ctx.uc_stack.ss_size = STACK_SIZE;
    co->ctx.uc_link = &loop_ctx;
    makecontext(&co->ctx, trampoline, 0);
    co->runnable = 1;
    co->next = all;
    all = co;
}

static void
run_co(co_t *co)
{
    co->runnable = 0;
    current = co;
    swapcontext(&loop_ctx, &co->ctx);
    current = NULL;
}

/* From a coroutine: back to the loop until runnable again. */
static void
switch_to_loop(void)
{
    co_t *co = current;
    swapcontext(&co->ctx, &loop_ctx);
}

static int
testloop_wait(const int *fds, const int *events, unsigned n, double timeout, unsigned *ready)
{
    co_t    *co = current;
    unsigned i;

    if (aborting)
        return WEFT_ERROR;
    if (n > MAX_WAIT)
        n = MAX_WAIT;
    for (i = 0; i < n; i++) {
        co->fds[i] = fds[i];
        co->events[i] = (short) ((events[i] & WEFT_READ ? POLLIN : 0)
                                 | (events[i] & WEFT_WRITE ? POLLOUT : 0));
    }
    co->nfds = (int) n;
    co->deadline = timeout >= 0 ? now() + timeout : 0;
    if (timeout == 0)
        co->deadline = now();            /* one turn of the loop */
    co->result = WEFT_TIMEOUT;
    switch_to_loop();
    co->nfds = 0;
    *ready = co->ready;
    return aborting ? WEFT_ERROR : co->result;
}

static void *
testloop_current(void)
{
    return current;
}

static void
testloop_park(void)
{
    current->parked = 1;
    switch_to_loop();
}

static void
testloop_wake(void *p)
{
    co_t *co = p;
    co->parked = 0;
    co->runnable = 1;
}

static void
testloop_stop(int graceful)
{
    accepting = 0;
    if (!graceful)
        aborting = 1;
}

static int
testloop_run(void)
{
    unsigned nl = api->listener_count(), i;

    if (pipe2(sigpipe_fds, O_NONBLOCK | O_CLOEXEC) != 0)
        return WEFT_ERROR;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGQUIT, on_signal);

    for (;;) {
        struct pollfd pfd[4096];
        co_t         *owner[4096];
        int           n = 0, timeout = -1, rc;
        double        t = now();
        co_t        **pp, *co;

        if (got_signal) {
            int sig = got_signal;
            got_signal = 0;
            api->stop_worker(sig != SIGQUIT);
        }
        /* run what is runnable; reap finished coroutines */
        for (co = all; co != NULL; co = co->next)
            if (co->runnable && !co->done)
                run_co(co);
        for (pp = &all; *pp != NULL;) {
            co = *pp;
            if (co->done) {
                *pp = co->next;
                munmap(co->stack, STACK_SIZE);
                free(co);
            } else {
                pp = &co->next;
            }
        }
        if (!accepting && all == NULL)
            return WEFT_OK;

        pfd[n].fd = sigpipe_fds[0];
        pfd[n].events = POLLIN;
        owner[n++] = NULL;
        for (i = 0; accepting && i < nl && n < 4096; i++) {
            pfd[n].fd = api->listener_fd(i);
            pfd[n].events = POLLIN;
            owner[n++] = NULL;
        }
        for (co = all; co != NULL; co = co->next) {
            int k;
            if (co->parked || co->runnable)
                continue;
            for (k = 0; k < co->nfds && n < 4096; k++) {
                pfd[n].fd = co->fds[k];
                pfd[n].events = co->events[k];
                owner[n++] = co;
            }
            if (co->deadline > 0) {
                int ms = co->deadline <= t ? 0 : (int) ((co->deadline - t) * 1000) + 1;
                if (timeout < 0 || ms < timeout)
                    timeout = ms;
            }
        }
        for (co = all; co != NULL; co = co->next)
            if (co->runnable)
                timeout = 0;             /* woken meanwhile: do not sleep */
        if (aborting)
            timeout = 0;
        rc = poll(pfd, (nfds_t) n, timeout);
        if (rc < 0 && errno != EINTR)
            return WEFT_ERROR;
        t = now();
        for (i = 0; rc > 0 && i < (unsigned) n; i++) {
            if (pfd[i].revents == 0)
                continue;
            if (i == 0) {
                char drain[64];
                while (read(sigpipe_fds[0], drain, sizeof(drain)) > 0)
                    ;
            } else if (owner[i] == NULL) {
                int fd;
                while ((fd = api->accept(i - 1)) >= 0)
                    spawn(fd, i - 1);
            } else if (!owner[i]->runnable) {
                int k;
                co = owner[i];
                for (k = 0; k < co->nfds; k++)
                    if (co->fds[k] == pfd[i].fd) {
                        co->ready = (unsigned) k;
                        break;
                    }
                co->result = WEFT_OK;
                co->runnable = 1;
            }
        }
        for (co = all; co != NULL; co = co->next)
            if (!co->runnable && !co->parked && co->nfds >= 0 && co->deadline > 0
                && co->deadline <= t) {
                co->result = WEFT_TIMEOUT;
                co->runnable = 1;
            }
        if (aborting)
            for (co = all; co != NULL; co = co->next)
                if (!co->parked)
                    co->runnable = 1;
    }
}

static const weft_loop_engine_t testloop_engine = {
    .size = sizeof(weft_loop_engine_t),
    .name = "testloop",
    .run = testloop_run,
    .stop = testloop_stop,
    .wait = testloop_wait,
    .current = testloop_current,
    .park = testloop_park,
    .wake = testloop_wake,
    /* Its coroutines run on swapcontext stacks it made itself. */
    .flags = WEFT_ENGINE_OWNS_LOOP | WEFT_ENGINE_FOREIGN_STACK,
};

static int
set_testloop(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    if (api->select_engine("testloop") != WEFT_OK || api->set_option("async", value) != WEFT_OK) {
        snprintf(err, errlen, "cannot use the test loop engine");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

static const weft_option_t options[] = {
    { "testloop", 0, WEFT_OPT_CALLBACK, 0, NULL, "N",
      "run N cores on the test loop engine", 0, 0, set_testloop },
    WEFT_OPTION_END
};

static int
testloop_init(const weft_api_t *a)
{
    api = a;
    return api->register_loop_engine(&testloop_engine);
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .flags = WEFT_PLUGIN_LOOP_ENGINE,
    .name = "testloop",
    .version = "1.0",
    .summary = "a poll(2) and swapcontext loop engine for the core's tests",
    .options = options,
    .init = testloop_init,
};
