/*
 * plugins/fiber/sched.c - the C half of the fiber scheduler: the primitives
 * Weft::FiberScheduler (sched_rb.c) calls, as singleton methods of
 * Weft::FiberEngine.  On a request's fiber they wait through weft's wait
 * API, which suspends only that core; anywhere else (the root fiber, a fiber
 * made outside a request, another thread) they block the way Ruby would
 * without a scheduler.
 *
 * Waking a blocked core (Mutex, Queue, ConditionVariable: the scheduler's
 * unblock) sets the core's flag in weft_fb_woken and writes a byte to the
 * core's wake-up pipe: one of WAKE_PIPES, core i on pipe i % WAKE_PIPES.
 * A parked core waits on its timer and on its pipe at once; every parked
 * core on that pipe sees it, drains it, and goes back to waiting unless its
 * own flag is set (the pipes are shared so that an unblock wakes a
 * sixteenth of the parked cores, not all of them, for 32 fds).  The flag is the truth, the pipe only
 * the kick: a core checks its flag before each wait, and on one thread an
 * unblock cannot fall between the check and the wait.
 */
#include "fiber.h"      /* first: ruby/config.h defines _GNU_SOURCE */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ruby/thread.h>

#define api weft_fb_api

/* IO::READABLE, IO::PRIORITY, IO::WRITABLE */
#define RB_READABLE 1
#define RB_PRIORITY 2
#define RB_WRITABLE 4

#define WAKE_PIPES 16

static int   wake_rd[WAKE_PIPES], wake_wr[WAKE_PIPES];
static int   have_pipes;
static VALUE aborted_class = Qnil;   /* Weft::FiberEngine::Aborted (a constant) */

/* The monotonic clock, in seconds. */
static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A timeout argument: < 0 for none (nil), else seconds (>= 0). */
static double
timeout_arg(VALUE t)
{
    double d;

    if (NIL_P(t))
        return -1;
    d = NUM2DBL(t);
    return d < 0 || isnan(d) ? 0 : d;
}

/* The wait API counts milliseconds, and 0 means "no timeout". */
static double
api_timeout(double t)
{
    return t < 0.001 ? 0.001 : t;
}

/* Empty wake-up pipe fd (non-blocking). */
static void
drain(int fd)
{
    char buf[64];

    while (read(fd, buf, sizeof(buf)) > 0)
        ;
}

/* Raise Weft::FiberEngine::Aborted: weft aborts the request that waits. */
static void
raise_aborted(void)
{
    rb_raise(aborted_class, "the request is being aborted (client gone or worker stopping)");
}

/* The calling core's request (the caller checked the core). */
static weft_request_t *
req(void)
{
    return api->current_request();
}

/* ------------------------------------------------------------ on a request */

/* FiberEngine.core: the core id the calling code serves, or nil. */
static VALUE
fb_core(VALUE self)
{
    long id = weft_fb_current_core();

    (void) self;
    return id < 0 ? Qnil : LONG2NUM(id);
}

/*
 * FiberEngine.park(timeout): suspend this core until unblock wakes it
 * (true) or timeout seconds pass (false; nil: no timeout, 0: just look).
 * A wake-up from before the call is forgotten: each park is a new wait.
 * Another Ruby thread that unblocks it runs meanwhile, since the worker's
 * loop waits with the GVL released (ruby.so's has_threads hooks).  Raises
 * Aborted when the request is being aborted.
 */
static VALUE
fb_park(VALUE self, VALUE vtimeout)
{
    long            id = weft_fb_current_core();
    double          timeout = timeout_arg(vtimeout);
    double          deadline = timeout < 0 ? 0 : now() + timeout;
    weft_request_t *r;

    (void) self;
    if (id < 0)
        rb_raise(rb_eRuntimeError, "Weft::FiberEngine.park outside a request");
    r = req();
    weft_fb_woken[id] = 0;
    for (;;) {
        double left = deadline - now();

        if (weft_fb_woken[id]) {
            weft_fb_woken[id] = 0;
            return Qtrue;
        }
        if (timeout >= 0 && left <= 0)
            return Qfalse;
        if (api->watch_fd(r, wake_rd[id % WAKE_PIPES], WEFT_READ, 0) != WEFT_OK
            || (timeout >= 0 && api->watch_timer(r, api_timeout(left)) != WEFT_OK))
            rb_raise(rb_eRuntimeError, "cannot register a wait");
        if (api->suspend(r) != WEFT_OK)
            raise_aborted();
        if (api->ready_fd(r) == wake_rd[id % WAKE_PIPES])
            drain(wake_rd[id % WAKE_PIPES]);
    }
}

/* The events of mask (Ruby's) that fd has now, by poll(2) with timeout_ms. */
static int
poll_mask(int fd, int mask, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = 0 };
    int           got = 0;

    if (mask & RB_READABLE)
        p.events |= POLLIN;
    if (mask & RB_PRIORITY)
        p.events |= POLLPRI;
    if (mask & RB_WRITABLE)
        p.events |= POLLOUT;
    if (poll(&p, 1, timeout_ms) <= 0)
        return 0;
    if (p.revents & (POLLIN | POLLHUP | POLLERR))
        got |= mask & RB_READABLE;
    if (p.revents & POLLPRI)
        got |= mask & RB_PRIORITY;
    if (p.revents & (POLLOUT | POLLHUP | POLLERR))
        got |= mask & RB_WRITABLE;
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL) && got == 0)
        got = mask;      /* let the app's next call see the error */
    return got;
}

/*
 * FiberEngine.wait_io(fd, events, timeout): suspend this core until fd
 * has one of events (IO::READABLE | IO::WRITABLE | IO::PRIORITY): the
 * events it has, or false when timeout seconds passed (nil: no timeout).
 */
static VALUE
fb_wait_io(VALUE self, VALUE vfd, VALUE vevents, VALUE vtimeout)
{
    int             fd = NUM2INT(vfd);
    int             mask = NUM2INT(vevents);
    double          timeout = timeout_arg(vtimeout);
    int             events = 0, got, rc;
    weft_request_t *r;

    (void) self;
    if (weft_fb_current_core() < 0)
        rb_raise(rb_eRuntimeError, "Weft::FiberEngine.wait_io outside a request");
    if (fcntl(fd, F_GETFD) < 0)
        rb_sys_fail("io_wait");
    if ((got = poll_mask(fd, mask, 0)) != 0)
        return INT2NUM(got);
    if (timeout == 0)
        return Qfalse;
    if (mask & (RB_READABLE | RB_PRIORITY))
        events |= WEFT_READ;
    if (mask & RB_WRITABLE)
        events |= WEFT_WRITE;
    r = req();
    rc = api->wait_fd(r, fd, events, timeout < 0 ? 0 : api_timeout(timeout));
    if (rc == WEFT_TIMEOUT)
        return Qfalse;
    if (rc != WEFT_OK)
        raise_aborted();
    got = poll_mask(fd, mask, 0);
    return INT2NUM(got != 0 ? got : mask);
}

/*
 * FiberEngine.wake(fiber): the scheduler's unblock.  Marks the core whose
 * waiting fiber it is and kicks the pipe: true, or false when no core
 * waits on that fiber.
 */
static VALUE
fb_wake(VALUE self, VALUE fiber)
{
    VALUE slots = weft_fb_slots();
    long  i, n = RARRAY_LEN(slots);

    (void) self;
    for (i = 0; i < n; i++) {
        if (rb_ary_entry(slots, i) == fiber) {
            ssize_t w;

            weft_fb_woken[i] = 1;
            w = write(wake_wr[i % WAKE_PIPES], "!", 1);     /* a full pipe is a kick already */
            (void) w;
            return Qtrue;
        }
    }
    return Qfalse;
}

/* ------------------------------------------------------------ off a request */

/* FiberEngine.block_sleep(duration): sleep the thread, as without a
 * scheduler (nil: until woken). */
static VALUE
fb_block_sleep(VALUE self, VALUE duration)
{
    (void) self;
    if (NIL_P(duration))
        rb_thread_sleep_forever();
    else
        rb_thread_wait_for(rb_time_interval(duration));
    return Qtrue;
}

struct poll_args {
    int fd, mask, timeout_ms, got;
};

/* Without the GVL: poll_mask() with the arguments in p. */
static void *
poll_nogvl(void *p)
{
    struct poll_args *a = p;

    a->got = poll_mask(a->fd, a->mask, a->timeout_ms);
    return NULL;
}

/* FiberEngine.block_io(fd, events, timeout): wait for fd with the thread,
 * as without a scheduler. */
static VALUE
fb_block_io(VALUE self, VALUE vfd, VALUE vevents, VALUE vtimeout)
{
    double           timeout = timeout_arg(vtimeout);
    struct poll_args a;

    (void) self;
    a.fd = NUM2INT(vfd);
    a.mask = NUM2INT(vevents);
    a.timeout_ms = timeout < 0 ? -1 : (int) ceil(timeout * 1000);
    a.got = 0;
    rb_thread_call_without_gvl(poll_nogvl, &a, RUBY_UBF_IO, NULL);
    return a.got != 0 ? INT2NUM(a.got) : Qfalse;
}

/* ------------------------------------------------------------ set up */

/* fiber.h: the wake-up pipes (once per worker) and the C primitives. */
int
weft_fb_sched_init(VALUE engine, unsigned ncores)
{
    int fds[2];
    int i;

    (void) ncores;
    for (i = 0; !have_pipes && i < WAKE_PIPES; i++) {
        if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
            api->log(WEFT_LOG_ERROR, "fiber: pipe2: %s", strerror(errno));
            while (i-- > 0) {
                close(wake_rd[i]);
                close(wake_wr[i]);
            }
            return WEFT_ERROR;
        }
        wake_rd[i] = fds[0];
        wake_wr[i] = fds[1];
    }
    have_pipes = 1;
    aborted_class = rb_const_get(engine, rb_intern("Aborted"));
    rb_define_singleton_method(engine, "core", fb_core, 0);
    rb_define_singleton_method(engine, "park", fb_park, 1);
    rb_define_singleton_method(engine, "wait_io", fb_wait_io, 3);
    rb_define_singleton_method(engine, "wake", fb_wake, 1);
    rb_define_singleton_method(engine, "block_sleep", fb_block_sleep, 1);
    rb_define_singleton_method(engine, "block_io", fb_block_io, 3);
    return WEFT_OK;
}
