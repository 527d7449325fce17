/*
 * core/current.c - which core runs now.
 *
 * With a suspend engine, or none, the main loop switches into a core
 * itself, so it records the core it runs (weft_core_set_current()).
 *
 * A loop engine's coroutines switch among themselves: gevent's hub switches
 * back into a greenlet whose monkey-patched sleep or socket is done, with no
 * word to weft.  So under a loop engine the running core is the one bound to
 * the engine's current coroutine (api's loop engine current()): a core is
 * bound to the coroutine that serves its request for as long as it does, in
 * an open-addressed hash keyed by the coroutine's handle.  It holds at most
 * one entry per core and has twice as many slots, so a look-up is O(1) with
 * 1000 cores as with one.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <weft/status.h>
#include "cores.h"
#include "log.h"
#include "registry.h"
#include "threads.h"

static WEFT_TLS weft_acore_t *running; /* suspend engine or none; per thread */
static weft_acore_t **slots;         /* loop engine: coroutine -> core */
static size_t         mask;          /* slots - 1 (a power of two) */

/* The home slot of a coroutine handle (a pointer: its low bits are mostly
 * alignment, so mix them all in). */
static size_t
slot_of(const void *co)
{
    uint64_t h = (uint64_t) (uintptr_t) co;

    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t) h & mask;
}

/*
 * Make room for ncores bound cores (a loop engine only; a no-op otherwise).
 * WEFT_ERROR, logged, when memory is short.
 */
int
weft_current_init(unsigned ncores)
{
    size_t n = 4;

    if (weft_loop_engine == NULL)
        return WEFT_OK;
    while (n < (size_t) ncores * 2)
        n *= 2;
    free(slots);
    slots = calloc(n, sizeof(*slots));
    if (slots == NULL) {
        weft_log(WEFT_LOG_ERROR, "out of memory for the table of %u cores' coroutines", ncores);
        return WEFT_ERROR;
    }
    mask = n - 1;
    return WEFT_OK;
}

/* The main loop (suspend engine or none): c runs from now on (NULL: the
 * main context does). */
void
weft_core_set_current(weft_acore_t *c)
{
    running = c;
}

/*
 * Loop engine, on the coroutine that will run c's request: bind c to it,
 * so that weft_core_current() finds c whenever this coroutine runs, however
 * it was switched to.  WEFT_ERROR, logged, off a coroutine of the engine's.
 */
int
weft_core_bind(weft_acore_t *c)
{
    void  *co = weft_loop_engine->current();
    size_t i;

    if (co == NULL || slots == NULL) {
        weft_log(WEFT_LOG_ERROR, "the %s engine runs core %u off its coroutines",
                 weft_loop_engine->name, c->pub.id);
        return WEFT_ERROR;
    }
    if (c->co != NULL)
        weft_core_unbind(c);         /* never two entries for one core */
    c->co = co;
    for (i = slot_of(co); slots[i] != NULL && slots[i] != c; i = (i + 1) & mask)
        ;
    slots[i] = c;
    return WEFT_OK;
}

/* Loop engine: c's request is over; its coroutine no longer runs it.
 * (Linear probing: the entries after it move up into the hole.) */
void
weft_core_unbind(weft_acore_t *c)
{
    size_t i, j;

    if (c->co == NULL || slots == NULL)
        return;
    for (i = slot_of(c->co); slots[i] != c; i = (i + 1) & mask)
        if (slots[i] == NULL)
            return;
    c->co = NULL;
    slots[i] = NULL;
    for (j = (i + 1) & mask; slots[j] != NULL; j = (j + 1) & mask) {
        size_t home = slot_of(slots[j]->co);

        /* slots[j] may fill the hole at i unless its home lies in (i, j]. */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            slots[i] = slots[j];
            slots[j] = NULL;
            i = j;
        }
    }
}

/* The core running now: the main loop's record, or under a loop engine the
 * core bound to the engine's current coroutine (NULL: none is). */
weft_acore_t *
weft_core_current(void)
{
    void  *co;
    size_t i;

    if (weft_loop_engine == NULL)
        return running;
    if (slots == NULL || (co = weft_loop_engine->current()) == NULL)
        return NULL;
    for (i = slot_of(co); slots[i] != NULL; i = (i + 1) & mask)
        if (slots[i]->co == co)
            return slots[i];
    return NULL;
}
