/*
 * plugins/fiber/fiber.h - what the files of fiber.so share.
 *
 * fiber.c     the plugin: options, the engine's vtable (a Ruby Fiber per
 *             request, switched with Fiber#transfer);
 * sched.c     the C half of the fiber scheduler (Weft::FiberEngine's
 *             primitives over weft's wait API, and the wake-up pipe);
 * sched_rb.c  the Ruby half (Weft::FiberScheduler), evaluated in each
 *             worker.
 */
#ifndef WEFT_FB_FIBER_H
#define WEFT_FB_FIBER_H

#include <ruby.h>
#include <weft/weft.h>

extern const weft_api_t *weft_fb_api;

/* The Ruby source of Weft::FiberEngine's Ruby methods and of
 * Weft::FiberScheduler (sched_rb.c). */
extern const char weft_fb_ruby_source[];

/* Per worker, on the root fiber, after the engine's module exists: define
 * the scheduler's C primitives under `engine` (Weft::FiberEngine) and make
 * the wake-up pipe.  WEFT_ERROR (logged) when the pipe cannot be made. */
int  weft_fb_sched_init(VALUE engine, unsigned ncores);

/* The core the calling Ruby code runs for, or -1 off every request (the
 * root fiber, another thread, between requests). */
long weft_fb_current_core(void);

/* The Array of per-core fibers (the one each core continues on, or nil). */
VALUE weft_fb_slots(void);

/* Wake-up flags, one per core: set by unblock, consumed by a park. */
extern unsigned char *weft_fb_woken;

/* Log the exception in rb_errinfo() with its backtrace, prefixed with
 * `what`, and clear it. */
void weft_fb_log_exception(const char *what);

#endif /* WEFT_FB_FIBER_H */
