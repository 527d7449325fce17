/*
 * plugins/ruby/gvl.c - the language's blocking() hook: the worker's event
 * loop waits with Ruby's GVL released, so the app's own threads (a
 * background thread, EventMachine serving a hijacked socket for
 * faye-websocket) run while no request runs Ruby.
 *
 * The loop calls it on the worker's main thread, outside any request: on
 * the root fiber under the fiber engine, whose parked fibers hold no C
 * frame of the loop.  Ruby's unblocking function is the core's wake()
 * (async-signal-safe, as rb_nogvl's RB_NOGVL_UBF_ASYNC_SAFE wants), so
 * Thread#raise, Thread#kill or the VM's own wish for this thread ends the
 * wait at once; an exception Ruby then raises in the main thread is
 * caught here and logged, never unwound through the loop.
 */
#include <ruby/thread.h>

#include "ruby.h"

typedef struct {
    void  (*wait)(void *);
    void  (*wake)(void *);
    void   *arg;
} weft_rb_wait_t;

/* Without the GVL: the core's poll. */
static void *
nogvl_wait(void *p)
{
    weft_rb_wait_t *w = p;

    w->wait(w->arg);
    return NULL;
}

/* Under rb_protect: the wait with the GVL released. */
static VALUE
protected_wait(VALUE p)
{
    weft_rb_wait_t *w = (weft_rb_wait_t *) p;

    /* ASYNC_SAFE: wake() only writes an eventfd.  Without the flag, a VM
     * with one thread starts (and then kills and joins) a helper Ruby
     * thread around every wait, and in a forked worker that join hangs. */
    rb_nogvl(nogvl_wait, w, w->wake, w->arg, RB_NOGVL_UBF_ASYNC_SAFE);
    return Qnil;
}

void
weft_rb_blocking(void (*wait)(void *), void (*wake)(void *), void *arg)
{
    weft_rb_wait_t w = { wait, wake, arg };
    int            state = 0;

    if (!weft_rb_vm_alive) {
        wait(arg);
        return;
    }
    rb_protect(protected_wait, (VALUE) &w, &state);
    if (state)
        weft_rb_log_exception(WEFT_LOG_WARN,
                              "ruby: an exception reached the worker's main thread while it waited");
}
