/*
 * core/threads.c - --threads N: a worker serving on N OS threads.
 *
 * N serving threads (1 .. N) each run the whole serving path on their own:
 * their own libevent base, their own cores (thread t's core ids from
 * (t - 1) * per-thread cores, so the scoreboard has an entry for each
 * thread's request and harakiri sees it), their own connections, FIFO and
 * access-log buffer -- every such variable of the core is thread-local
 * (WEFT_TLS, threads.h).  Each watches the shared listen sockets and
 * accepts for itself, as uWSGI's threads each run their accept loop; one
 * with no free core stops accepting, so connections go to the threads
 * that can serve them.
 *
 * Thread 0, the worker's first (where the app was loaded and worker_init()
 * ran), serves nothing: it handles the signals, at once even while every
 * serving thread is inside the app; the others block them.  To stop, the
 * thread that decides (a signal on thread 0, --max-requests or a recycle
 * on any) asks the others through one eventfd each; each drains its own
 * requests (graceful) or leaves its loop at once (hard).
 * A serving thread whose loop is over runs its languages' thread_exit(),
 * counts itself out and tells thread 0, then stays parked until the
 * process exits (its thread-local buffers stay reachable: nothing to free
 * one by one).  Thread 0 leaves its loop only once every other thread's
 * is over, so worker_exit() never runs beside a request.
 *
 * The interpreter lock: a language's request() takes it for itself
 * (Python takes the GIL around the app and gives it back between calls),
 * and a thread's blocking wait inside request() gives it up through the
 * language's without_lock() (wait.c).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include <weft/status.h>
#include "log.h"
#include "loop_lock.h"
#include "registry.h"
#include "threads.h"
#include "worker.h"

/* A hard stop waits this long (seconds) for the threads still inside a
 * request, then leaves them. */
#define HARD_STOP_WAIT 2

WEFT_TLS unsigned weft_thread_index;

typedef struct {
    pthread_t thread;
    int       fd;                   /* its control eventfd */
} thread_slot_t;

static thread_slot_t  *slots;       /* [0 .. N], made by thread 0 */
static unsigned        nslots;
static unsigned        running;     /* serving threads still in their loop */
static int             stop_level;  /* 0: none, 1: graceful, 2: now */
static uint64_t        served;      /* the worker's requests, all threads */
static int             failed;      /* an extra thread could not start serving */
static unsigned        nready;      /* serving threads through thread_init() */
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  done_cond = PTHREAD_COND_INITIALIZER;

static WEFT_TLS struct event ctl_ev;

int
weft_threads_check(void)
{
    unsigned i;

    if (!weft_threads_on()) {
        if (weft_conf.threads_stacksize > 0)
            weft_log(WEFT_LOG_WARN, "--threads-stacksize has no effect without --threads 2 or more");
        return WEFT_OK;
    }
    if (weft_conf.async > 1) {
        weft_log(WEFT_LOG_ERROR, "--threads %ld cannot run with --async %ld: each thread serves one request at a time (use --threads alone for apps that block, or --async with an engine for apps that cooperate)",
                 weft_conf.threads, weft_conf.async);
        return WEFT_ERROR;
    }
    if (weft_suspend_engine != NULL || weft_loop_engine != NULL) {
        weft_log(WEFT_LOG_ERROR, "--threads cannot run with the %s engine: an engine switches requests on one thread; use one or the other",
                 weft_engine_name());
        return WEFT_ERROR;
    }
    for (i = 0; i < weft_language_count(); i++) {
        const weft_language_t *l = weft_language_at(i);

        if (l->thread_init == NULL) {
            weft_log(WEFT_LOG_ERROR, "--threads: the %s plugin cannot serve requests on several threads of a worker (its interpreter runs on one thread); use --processes%s%s",
                     l->name, l->engine_hint ? " or " : "",
                     l->engine_hint ? l->engine_hint : "");
            return WEFT_ERROR;
        }
    }
    if (weft_conf.threads_stacksize > 0
        && (size_t) weft_conf.threads_stacksize * 1024 < (size_t) PTHREAD_STACK_MIN) {
        weft_log(WEFT_LOG_ERROR, "--threads-stacksize %ld: a thread's stack must be at least %zu KiB",
                 weft_conf.threads_stacksize, (size_t) PTHREAD_STACK_MIN / 1024);
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

/* The control eventfd's callback: a stop asked, or (thread 0) a thread
 * finished. */
static void
ctl_cb(evutil_socket_t fd, short what, void *arg)
{
    uint64_t v;
    ssize_t  n;
    int      level;

    WEFT_LOOP_LOCKED(ctl_cb, fd, what, arg);
    n = read(fd, &v, sizeof(v));
    level = __atomic_load_n(&stop_level, __ATOMIC_ACQUIRE);
    (void) n;
    (void) what;
    (void) arg;
    if (level > 0 && (!weft_worker_stopping || level == 2))
        weft_worker_stop_here(level == 1);
    weft_worker_check_stop();
}

int
weft_threads_watch(void)
{
    if (!weft_threads_on())
        return WEFT_OK;
    event_assign(&ctl_ev, weft_base, slots[weft_thread_index].fd, EV_READ | EV_PERSIST,
                 ctl_cb, NULL);
    if (event_add(&ctl_ev, NULL) != 0) {
        weft_log(WEFT_LOG_ERROR, "cannot watch thread %u's control eventfd", weft_thread_index);
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

static void
poke(unsigned i)
{
    uint64_t one = 1;
    ssize_t  n = write(slots[i].fd, &one, sizeof(one));

    (void) n;
}

void
weft_threads_stop_others(int graceful)
{
    int      want = graceful ? 1 : 2, cur;
    unsigned i;

    if (slots == NULL)
        return;
    cur = __atomic_load_n(&stop_level, __ATOMIC_ACQUIRE);
    while (cur < want
           && !__atomic_compare_exchange_n(&stop_level, &cur, want, 0, __ATOMIC_ACQ_REL,
                                           __ATOMIC_ACQUIRE))
        ;
    for (i = 0; i < nslots; i++)
        if (i != weft_thread_index)
            poke(i);
}

unsigned
weft_threads_running(void)
{
    return __atomic_load_n(&running, __ATOMIC_ACQUIRE);
}

uint64_t
weft_threads_count_request(void)
{
    return __atomic_add_fetch(&served, 1, __ATOMIC_RELAXED);
}

void
weft_threads_ready(int ok)
{
    pthread_mutex_lock(&done_lock);
    if (!ok)
        __atomic_store_n(&failed, 1, __ATOMIC_RELEASE);
    nready++;
    pthread_cond_broadcast(&done_cond);
    pthread_mutex_unlock(&done_lock);
}

void
weft_threads_done(void)
{
    pthread_mutex_lock(&done_lock);
    __atomic_sub_fetch(&running, 1, __ATOMIC_ACQ_REL);
    pthread_cond_broadcast(&done_cond);
    pthread_mutex_unlock(&done_lock);
    poke(0);
}

int
weft_threads_wait(void)
{
    struct timespec until;
    int             hard = __atomic_load_n(&stop_level, __ATOMIC_ACQUIRE) == 2, e = 0;

    if (slots == NULL)
        return WEFT_OK;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += HARD_STOP_WAIT;
    pthread_mutex_lock(&done_lock);
    while (__atomic_load_n(&running, __ATOMIC_ACQUIRE) > 0 && e != ETIMEDOUT)
        e = hard ? pthread_cond_timedwait(&done_cond, &done_lock, &until)
                 : pthread_cond_wait(&done_cond, &done_lock);
    pthread_mutex_unlock(&done_lock);
    if (__atomic_load_n(&running, __ATOMIC_ACQUIRE) > 0)
        return WEFT_AGAIN;
    return __atomic_load_n(&failed, __ATOMIC_ACQUIRE) ? WEFT_ERROR : WEFT_OK;
}

/* An extra thread: the signals stay with thread 0 (the faults a thread
 * causes itself are its own). */
static void
block_signals(void)
{
    sigset_t set;

    sigfillset(&set);
    sigdelset(&set, SIGSEGV);
    sigdelset(&set, SIGBUS);
    sigdelset(&set, SIGFPE);
    sigdelset(&set, SIGILL);
    sigdelset(&set, SIGTRAP);
    sigdelset(&set, SIGABRT);
    pthread_sigmask(SIG_SETMASK, &set, NULL);
}

static void *
thread_main(void *arg)
{
    weft_thread_index = (unsigned) (uintptr_t) arg;
    block_signals();
    if (weft_worker_thread_main(weft_thread_index) != WEFT_OK)
        weft_threads_stop_others(0);        /* thread 0 included: stop now */
    weft_threads_done();
    for (;;)
        pause();                    /* parked until the process exits */
    return NULL;
}

int
weft_threads_start(void)
{
    pthread_attr_t attr;
    sigset_t       all, old;
    unsigned       i, n = weft_conf_threads() + 1;     /* thread 0 and N serving */
    int            rc = WEFT_OK;

    if (!weft_threads_on())
        return WEFT_OK;
    slots = calloc(n, sizeof(*slots));
    if (slots == NULL) {
        weft_log(WEFT_LOG_ERROR, "out of memory for %u threads", n);
        return WEFT_ERROR;
    }
    nslots = n;
    for (i = 0; i < n; i++) {
        slots[i].fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (slots[i].fd < 0) {
            weft_log(WEFT_LOG_ERROR, "cannot make thread %u's control eventfd: %s", i,
                     strerror(errno));
            return WEFT_ERROR;
        }
    }
    if (weft_threads_watch() != WEFT_OK)
        return WEFT_ERROR;
    pthread_attr_init(&attr);
    if (weft_conf.threads_stacksize > 0)
        pthread_attr_setstacksize(&attr, (size_t) weft_conf.threads_stacksize * 1024);
    /* Born with every signal blocked: none lands on a thread before it
     * has set its own mask. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (i = 1; i < n; i++) {
        int e;

        __atomic_add_fetch(&running, 1, __ATOMIC_ACQ_REL);
        e = pthread_create(&slots[i].thread, &attr, thread_main, (void *) (uintptr_t) i);
        if (e != 0) {
            __atomic_sub_fetch(&running, 1, __ATOMIC_ACQ_REL);
            weft_log(WEFT_LOG_ERROR, "cannot start serving thread %u: %s", i, strerror(e));
            rc = WEFT_ERROR;
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    /* Every thread through its languages' thread_init() before the worker
     * says it is ready: no request runs beside a thread still starting. */
    pthread_mutex_lock(&done_lock);
    while (nready < i - 1)          /* the threads made: 1 .. i - 1 */
        pthread_cond_wait(&done_cond, &done_lock);
    pthread_mutex_unlock(&done_lock);
    if (__atomic_load_n(&failed, __ATOMIC_ACQUIRE))
        rc = WEFT_ERROR;
    if (rc != WEFT_OK)
        weft_threads_stop_others(0);
    return rc;
}
