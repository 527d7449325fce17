/*
 * t/unit/test_current.c - which core runs now (core/current.c): under a
 * loop engine, the table from the engine's coroutine to the core bound to
 * it, with many cores, colliding handles and unbinding in any order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include "cores.h"
#include "registry.h"
#include "tap.h"

#define NCORES 1000

static void *running_co;                 /* the fake engine's current() */

static void *
fake_current(void)
{
    return running_co;
}

static const weft_loop_engine_t fake_engine = {
    .size = sizeof(weft_loop_engine_t),
    .name = "fake",
    .current = fake_current,
};

static weft_acore_t cores[NCORES];
static char         handles[NCORES * 64];  /* coroutine handles: addresses */

/* Handle i: addresses 64 bytes apart, as allocated objects would be. */
static void *
handle(unsigned i)
{
    return &handles[(size_t) i * 64];
}

static void
run_on(unsigned i)
{
    running_co = handle(i);
}

static void
test_bind_find_unbind(void)
{
    unsigned i, *order = malloc(NCORES * sizeof(*order));

    weft_loop_engine = &fake_engine;
    CU_ASSERT_EQUAL_FATAL(weft_current_init(NCORES), WEFT_OK);
    memset(cores, 0, sizeof(cores));
    for (i = 0; i < NCORES; i++) {
        cores[i].pub.id = i;
        run_on(i);
        CU_ASSERT_EQUAL(weft_core_bind(&cores[i]), WEFT_OK);
    }
    for (i = 0; i < NCORES; i++) {
        run_on(i);
        CU_ASSERT_PTR_EQUAL(weft_core_current(), &cores[i]);
    }
    running_co = &handles[sizeof(handles) - 1];   /* a coroutine of the app's */
    CU_ASSERT_PTR_NULL(weft_core_current());
    running_co = NULL;                            /* off the engine's */
    CU_ASSERT_PTR_NULL(weft_core_current());

    /* Unbind in a shuffled order; every other binding is still found. */
    for (i = 0; i < NCORES; i++)
        order[i] = i;
    srand(11);
    for (i = NCORES - 1; i > 0; i--) {
        unsigned j = (unsigned) rand() % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (i = 0; i < NCORES; i++) {
        unsigned k;

        weft_core_unbind(&cores[order[i]]);
        run_on(order[i]);
        CU_ASSERT_PTR_NULL(weft_core_current());
        if (i % 97 == 0)
            for (k = i + 1; k < NCORES; k++) {
                run_on(order[k]);
                CU_ASSERT_PTR_EQUAL(weft_core_current(), &cores[order[k]]);
            }
    }
    /* A core rebound to another coroutine (its connection's next request
     * runs on the same one; a new connection on another). */
    run_on(3);
    CU_ASSERT_EQUAL(weft_core_bind(&cores[0]), WEFT_OK);
    CU_ASSERT_PTR_EQUAL(weft_core_current(), &cores[0]);
    weft_core_unbind(&cores[0]);
    run_on(4);
    CU_ASSERT_EQUAL(weft_core_bind(&cores[0]), WEFT_OK);
    CU_ASSERT_PTR_EQUAL(weft_core_current(), &cores[0]);
    run_on(3);
    CU_ASSERT_PTR_NULL(weft_core_current());
    weft_core_unbind(&cores[0]);
    free(order);
    weft_loop_engine = NULL;
}

static void
test_without_a_loop_engine(void)
{
    weft_loop_engine = NULL;
    CU_ASSERT_EQUAL(weft_current_init(4), WEFT_OK);
    CU_ASSERT_PTR_NULL(weft_core_current());
    weft_core_set_current(&cores[2]);
    CU_ASSERT_PTR_EQUAL(weft_core_current(), &cores[2]);
    weft_core_set_current(NULL);
    CU_ASSERT_PTR_NULL(weft_core_current());
}

int
main(void)
{
    static const weft_tap_test_t tests[] = {
        { "1000 cores bound, found and unbound in any order", test_bind_find_unbind },
        { "without a loop engine the main loop says", test_without_a_loop_engine },
        { NULL, NULL }
    };

    weft_tap_suite("current", tests);
    return weft_tap_run();
}
