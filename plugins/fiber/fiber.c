/*
 * plugins/fiber/fiber.c - the Ruby fiber suspend engine (fiber.so).
 *
 * Each request runs in a Ruby Fiber of its own, made with the Ruby-level
 * `Fiber.new(blocking: false)` so that the fiber scheduler (sched.c,
 * sched_rb.c) sees it: in Ruby 3.1 rb_fiber_new() makes blocking fibers.
 * The worker's loop runs on the main thread's root fiber.
 *
 * Switching uses Fiber#transfer both ways, never resume/yield: suspend()
 * transfers from whichever fiber the core is running on (the request's, or
 * one the app made and resumed inside it) to the root fiber, and resume()
 * transfers back to that same fiber.  A transferred fiber that ends
 * returns to the root fiber, so the engine sees core_main() finish there.
 * Every transfer from C runs under rb_protect: no Ruby exception ever
 * unwinds through the core's C frames or the loop's.
 *
 * GC: the fiber each core will continue on lives in one Array (`slots`,
 * registered once per process with rb_gc_register_address): slot i is the
 * core's fiber while it serves, nil when it is free.  No VALUE lives only
 * in C memory, and a request adds no GC root.
 *
 * Ruby gives a fiber's stack back to its pool when the fiber ends only if
 * it was resumed; one that was transferred to keeps its stack until the GC
 * frees the Fiber object, and the GC does not count that memory.  So the
 * engine runs a minor GC itself after every --fiber-gc-every finished
 * fibers (default: a tenth of the cores, at least 100): the stacks of
 * finished fibers then cost at most that many, not a heap's worth.
 *
 * Fiber stacks are Ruby's (its fiber pool), sized by RUBY_FIBER_VM_STACK_SIZE
 * and RUBY_FIBER_MACHINE_STACK_SIZE, which Ruby reads once when the VM
 * starts: --fiber-stack-size sets both from its option callback, which runs
 * before the ruby plugin boots the VM in its setup().
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fiber.h"

const weft_api_t     *weft_fb_api;
#define api weft_fb_api

static VALUE          slots = Qnil;       /* Array: per core, the fiber to transfer to */
static VALUE          root_fiber = Qnil;  /* the worker loop's fiber */
static VALUE          main_thread = Qnil;
static VALUE          engine_mod = Qnil;  /* Weft::FiberEngine */
static int            registered;
static weft_core_t  **cores;
static unsigned char *done;               /* core_main() returned on core i */
static unsigned char *parked;             /* core i switched away in suspend() */
unsigned char        *weft_fb_woken;
static unsigned       ncores;
static int            no_scheduler;       /* --fiber-no-scheduler */
static int            warned_switch;
static long           gc_every = -1;      /* --fiber-gc-every; -1: max(ncores / 10, 100) */
static long           finished;           /* fibers finished since the last GC */

/* ------------------------------------------------------------ helpers */

/* Under rb_protect: Weft::FiberEngine.describe(err), the text to log. */
static VALUE
describe(VALUE err)
{
    return rb_funcall(engine_mod, rb_intern("describe"), 1, err);
}

/* Log the pending exception (rb_errinfo) with its backtrace, and clear it. */
void
weft_fb_log_exception(const char *what)
{
    VALUE err = rb_errinfo();
    VALUE text = Qnil;
    int   state = 0;

    rb_set_errinfo(Qnil);
    if (!NIL_P(err) && !NIL_P(engine_mod)) {
        text = rb_protect(describe, err, &state);
        if (state != 0) {
            rb_set_errinfo(Qnil);
            text = Qnil;
        }
    }
    if (RB_TYPE_P(text, T_STRING))
        api->log(WEFT_LOG_ERROR, "fiber: %s: %.*s", what,
                 (int) RSTRING_LEN(text), RSTRING_PTR(text));
    else
        api->log(WEFT_LOG_ERROR, "fiber: %s", what);
}

/* The core the calling Ruby code serves, or -1: none is running, or this is
 * the root fiber (the loop's) or another Ruby thread. */
long
weft_fb_current_core(void)
{
    weft_request_t *r = api->current_request();

    if (r == NULL || r->core == NULL || r->core->id >= ncores || NIL_P(slots))
        return -1;
    if (rb_thread_current() != main_thread || rb_fiber_current() == root_fiber)
        return -1;
    return (long) r->core->id;
}

/* The per-core Array of fibers (fiber.h). */
VALUE
weft_fb_slots(void)
{
    return slots;
}

/* Under rb_protect: switch to fiber; returns when something transfers
 * back (or, on the root fiber, when a transferred fiber ends). */
static VALUE
do_transfer(VALUE fiber)
{
    return rb_fiber_transfer(fiber, 0, NULL);
}

/* Under rb_protect: a new non-blocking Fiber for core id. */
static VALUE
do_make(VALUE id)
{
    return rb_funcall(engine_mod, rb_intern("make"), 1, id);
}

/* Weft::FiberEngine.run(id): the body of core id's fiber. */
static VALUE
fb_run(VALUE self, VALUE vid)
{
    unsigned id = NUM2UINT(vid);

    (void) self;
    if (id < ncores && cores[id] != NULL) {
        api->core_main(cores[id]);
        done[id] = 1;
    }
    return Qnil;
}

/* Under rb_protect: a minor GC (Weft::FiberEngine.collect). */
static VALUE
do_collect(VALUE unused)
{
    (void) unused;
    return rb_funcall(engine_mod, rb_intern("collect"), 0);
}

/* The core is free: its slot lets go of the fiber; every gc_every
 * finished fibers, a minor GC gives their stacks back to the pool. */
static void
slot_clear(unsigned id)
{
    long every = gc_every >= 0 ? gc_every : (ncores / 10 > 100 ? (long) ncores / 10 : 100);
    int  state = 0;

    rb_ary_store(slots, id, Qnil);
    done[id] = parked[id] = 0;
    cores[id] = NULL;
    if (every > 0 && ++finished >= every) {
        finished = 0;
        rb_protect(do_collect, Qnil, &state);
        if (state != 0)
            weft_fb_log_exception("the GC failed");
    }
}

/*
 * On the root fiber: transfer to core id's fiber and run it until it
 * suspends or its core_main() returns.
 */
static void
drive(unsigned id)
{
    VALUE fiber = rb_ary_entry(slots, id);
    int   state = 0;

    parked[id] = 0;
    rb_protect(do_transfer, fiber, &state);
    if (state != 0) {
        char what[96];

        snprintf(what, sizeof(what), "an exception escaped core %u's request", id);
        weft_fb_log_exception(what);
        if (!done[id])
            api->log(WEFT_LOG_ERROR, "fiber: core %u is lost: its request did not finish "
                     "(the language plugin let an exception out)", id);
        slot_clear(id);
        return;
    }
    if (done[id]) {
        slot_clear(id);
        return;
    }
    if (!parked[id] && !warned_switch) {
        warned_switch = 1;
        api->log(WEFT_LOG_ERROR, "fiber: core %u switched to the root fiber without "
                 "suspending (the app transferred to it?): the core waits for good", id);
    }
}

/* ------------------------------------------------------------ the engine */

/* Under rb_protect, on the root fiber: evaluate the engine's Ruby half,
 * define its C methods and install the scheduler. */
static VALUE
setup_ruby(VALUE unused)
{
    VALUE weft_mod;

    (void) unused;
    rb_eval_string(weft_fb_ruby_source);
    weft_mod = rb_const_get(rb_cObject, rb_intern("Weft"));
    engine_mod = rb_const_get(weft_mod, rb_intern("FiberEngine"));
    rb_define_singleton_method(engine_mod, "run", fb_run, 1);
    if (weft_fb_sched_init(engine_mod, ncores) != WEFT_OK)
        rb_raise(rb_eRuntimeError, "cannot make the scheduler's wake-up pipe");
    if (!no_scheduler)
        rb_eval_string("Fiber.set_scheduler(Weft::FiberScheduler.new)");
    return Qnil;
}

/* engine.h prepare(): in each worker, per-core state, the registered
 * slots Array, the root fiber, the scheduler.  Needs Ruby running. */
static int
fiber_prepare(unsigned n)
{
    int state = 0;

    if (rb_cObject == 0) {
        api->log(WEFT_LOG_ERROR, "fiber: Ruby is not running (load the ruby plugin: --plugin ruby)");
        return WEFT_ERROR;
    }
    ncores = n;
    cores = calloc(n, sizeof(*cores));
    done = calloc(n, 1);
    parked = calloc(n, 1);
    weft_fb_woken = calloc(n, 1);
    if (cores == NULL || done == NULL || parked == NULL || weft_fb_woken == NULL) {
        api->log(WEFT_LOG_ERROR, "fiber: out of memory for %u cores", n);
        return WEFT_ERROR;
    }
    if (!registered) {
        rb_gc_register_address(&slots);
        rb_gc_register_address(&root_fiber);
        rb_gc_register_address(&main_thread);
        rb_gc_register_address(&engine_mod);
        registered = 1;
    }
    slots = rb_ary_new_capa((long) n);
    rb_ary_store(slots, (long) n - 1, Qnil);
    root_fiber = rb_fiber_current();
    main_thread = rb_thread_current();
    rb_protect(setup_ruby, Qnil, &state);
    if (state != 0) {
        weft_fb_log_exception("cannot set up the fiber engine");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

/* engine.h start(): a new fiber for the core, run until it suspends or
 * ends.  WEFT_ERROR only when the fiber could not be made. */
static int
fiber_start(weft_core_t *core)
{
    unsigned id = core->id;
    VALUE    fiber;
    int      state = 0;

    if (id >= ncores)
        return WEFT_ERROR;
    cores[id] = core;
    done[id] = parked[id] = 0;
    fiber = rb_protect(do_make, UINT2NUM(id), &state);
    if (state != 0) {
        weft_fb_log_exception("cannot make a fiber");
        cores[id] = NULL;
        return WEFT_ERROR;
    }
    rb_ary_store(slots, id, fiber);
    drive(id);
    return WEFT_OK;
}

/* engine.h suspend(): on the core's fiber (or one the app made inside
 * the request): remember it, and transfer to the root fiber. */
static void
fiber_suspend(weft_core_t *core)
{
    unsigned id = core->id;
    int      state = 0;

    /* Continue later on the fiber that waits, whichever it is. */
    rb_ary_store(slots, id, rb_fiber_current());
    parked[id] = 1;
    rb_protect(do_transfer, root_fiber, &state);
    if (state != 0)
        weft_fb_log_exception("cannot switch to the root fiber");
}

/* engine.h resume(): transfer back to the fiber the core suspended on. */
static void
fiber_resume(weft_core_t *core)
{
    if (core->id < ncores && !NIL_P(rb_ary_entry(slots, core->id)))
        drive(core->id);
}

/* engine.h release(): free the per-core C state of this worker. */
static void
fiber_release(void)
{
    /*
     * The ruby plugin's worker_exit() has run (it may have finalised
     * Ruby): touch no VALUE here.  The slots Array stays registered, and
     * fibers a hard stop cut off are left to the exiting process.
     */
    free(cores);
    free(done);
    free(parked);
    free(weft_fb_woken);
    cores = NULL;
    done = parked = weft_fb_woken = NULL;
    ncores = 0;
}

static const weft_suspend_engine_t fiber_engine = {
    .size = sizeof(weft_suspend_engine_t),
    .name = "fiber",
    .prepare = fiber_prepare,
    .start = fiber_start,
    .suspend = fiber_suspend,
    .resume = fiber_resume,
    .release = fiber_release,
    .flags = WEFT_ENGINE_OWN_STATE,      /* Ruby fibers switch the VM's state */
};

/* ------------------------------------------------------------ options */

#define DEFAULT_ASYNC "100"

/* --fiber: select the engine; without --async (given before), 100 cores. */
static int
set_fiber(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    (void) opt;
    (void) value;
    if (api->select_engine("fiber") != WEFT_OK) {
        snprintf(err, errlen, "cannot use the fiber engine (see above)");
        return WEFT_ERROR;
    }
    if (api->core_count() <= 1 && api->set_option("async", DEFAULT_ASYNC) != WEFT_OK) {
        snprintf(err, errlen, "cannot set --async %s", DEFAULT_ASYNC);
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

/* Parse "512k", "1m", "65536": bytes, or 0 when malformed. */
static size_t
parse_size(const char *s)
{
    char              *end;
    unsigned long long v;

    if (s == NULL || !isdigit((unsigned char) *s))
        return 0;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0)
        return 0;
    switch (tolower((unsigned char) *end)) {
    case 'k': v <<= 10; end++; break;
    case 'm': v <<= 20; end++; break;
    case 'g': v <<= 30; end++; break;
    default: break;
    }
    if (*end != '\0' || v > (1ULL << 32))
        return 0;
    return (size_t) v;
}

#define MIN_STACK (128u << 10)

/*
 * --fiber-stack-size SIZE: each fiber's machine stack; its VM stack gets a
 * quarter (Ruby's own ratio, 512k and 128k).  Ruby reads both once, when
 * the ruby plugin boots the VM, so they go into the environment now.
 */
static int
set_stack_size(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    size_t size = parse_size(value);
    char   buf[32];

    (void) opt;
    if (size < MIN_STACK) {
        snprintf(err, errlen, "'%s' is not a size of at least 128k (such as 512k or 1m)",
                 value ? value : "");
        return WEFT_ERROR;
    }
    if (rb_cObject != 0) {
        snprintf(err, errlen, "Ruby is already running: give it before the app is loaded");
        return WEFT_ERROR;
    }
    snprintf(buf, sizeof(buf), "%zu", size);
    setenv("RUBY_FIBER_MACHINE_STACK_SIZE", buf, 1);
    snprintf(buf, sizeof(buf), "%zu", size / 4);
    setenv("RUBY_FIBER_VM_STACK_SIZE", buf, 1);
    return WEFT_OK;
}

static const weft_option_t fiber_options[] = {
    { "fiber", 0, WEFT_OPT_CALLBACK, WEFT_OPTF_NOARG, NULL, NULL,
      "run each request in a Ruby Fiber (loads the ruby plugin; --async 100 unless given)",
      0, 0, set_fiber },
    { "fiber-stack-size", 0, WEFT_OPT_CALLBACK, 0, NULL, "SIZE",
      "each fiber's machine stack (default 512k; its VM stack gets a quarter)",
      0, 0, set_stack_size },
    { "fiber-gc-every", 0, WEFT_OPT_INT, 0, &gc_every, "N",
      "run a minor GC after every N finished fibers, so their stacks are reused "
      "(default: a tenth of the cores, at least 100; 0: never)", 0, 1e9, NULL },
    { "fiber-no-scheduler", 0, WEFT_OPT_FLAG, 0, &no_scheduler, NULL,
      "do not install the fiber scheduler (only UWSGI.async_sleep/wait_fd_* switch)",
      0, 0, NULL },
    WEFT_OPTION_END
};

/* plugin init(): keep the API table, register the engine. */
static int
fiber_init(const weft_api_t *a)
{
    weft_fb_api = a;
    return api->register_suspend_engine(&fiber_engine);
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .flags = WEFT_PLUGIN_SUSPEND_ENGINE,
    .name = "fiber",
    .version = WEFT_PLUGIN_VERSION,
    .summary = "Ruby fiber suspend engine: a Fiber per request, and a fiber scheduler",
    .requires = "ruby",
    .options = fiber_options,
    .init = fiber_init,
};
