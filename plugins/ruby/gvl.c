/*
 * plugins/ruby/gvl.c - the language's interpreter-lock hooks (ABI 1.3):
 * while the app has threads of its own (a background thread, the
 * EventMachine reactor that faye-websocket starts to serve a hijacked
 * socket), the worker's event loop waits with Ruby's GVL released, and
 * takes it back for each callback that runs Ruby.
 *
 * The loop runs on the worker's main thread, on the root fiber under the
 * fiber engine, outside any request.  Ruby's unblocking function is the
 * core's wake() (async-signal-safe, as rb_nogvl's RB_NOGVL_UBF_ASYNC_SAFE
 * wants), so Thread#raise, Thread#kill or the VM's wish for this thread
 * ends the turn at once; an exception Ruby then raises in the main thread
 * is caught here and logged, never unwound through the loop.
 */
#include <ruby/thread.h>

#include "ruby.h"

typedef struct {
    void  (*fn)(void *);
    void   *arg;
    void  (*wake)(void *);
    void   *wake_arg;
} weft_rb_call_t;

/* weft_language_t.has_threads: another Ruby thread is alive. */
int
weft_rb_has_threads(void)
{
    return weft_rb_vm_alive && !rb_thread_alone();
}

/* Without the GVL: the loop's turn. */
static void *
call_unlocked(void *p)
{
    weft_rb_call_t *c = p;

    c->fn(c->arg);
    return NULL;
}

/* Under rb_protect: the turn with the GVL released. */
static VALUE
protected_unlocked(VALUE p)
{
    weft_rb_call_t *c = (weft_rb_call_t *) p;

    /* ASYNC_SAFE: wake() only writes an eventfd.  Without the flag, Ruby
     * starts (then kills and joins) a helper thread to call it. */
    rb_nogvl(call_unlocked, c, c->wake, c->wake_arg, RB_NOGVL_UBF_ASYNC_SAFE);
    return Qnil;
}

/* weft_language_t.without_lock */
void
weft_rb_without_lock(void (*fn)(void *), void *arg, void (*wake)(void *), void *wake_arg)
{
    weft_rb_call_t c = { fn, arg, wake, wake_arg };
    int            state = 0;

    rb_protect(protected_unlocked, (VALUE) &c, &state);
    if (state)
        weft_rb_log_exception(WEFT_LOG_WARN,
                              "ruby: an exception reached the worker's main thread while it waited");
}

/* With the GVL again: the callback. */
static void *
call_locked(void *p)
{
    weft_rb_call_t *c = p;

    c->fn(c->arg);
    return NULL;
}

/* weft_language_t.with_lock */
void
weft_rb_with_lock(void (*fn)(void *), void *arg)
{
    weft_rb_call_t c = { fn, arg, NULL, NULL };

    rb_thread_call_with_gvl(call_locked, &c);
}
