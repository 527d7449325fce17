/*
 * t/unit/tap.c - CUnit to TAP.
 */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>

#include "tap.h"

static unsigned tap_count;

static void
test_complete(const CU_pTest test, const CU_pSuite suite, const CU_pFailureRecord failure)
{
    CU_pFailureRecord f;

    tap_count++;
    printf("%s %u - %s: %s\n", failure ? "not ok" : "ok", tap_count, suite->pName,
           test->pName);
    for (f = failure; f != NULL; f = f->pNext)
        printf("#   %s:%u: %s\n", f->strFileName ? f->strFileName : "?", f->uiLineNumber,
               f->strCondition ? f->strCondition : "");
    fflush(stdout);
}

void
weft_tap_suite(const char *name, const weft_tap_test_t *tests)
{
    CU_pSuite suite;

    if (CU_get_registry() == NULL && CU_initialize_registry() != CUE_SUCCESS) {
        printf("Bail out! cannot initialise CUnit\n");
        exit(1);
    }
    suite = CU_add_suite(name, NULL, NULL);
    for (; suite != NULL && tests->name != NULL; tests++)
        CU_add_test(suite, tests->name, tests->fn);
}

int
weft_tap_run(void)
{
    unsigned failed;

    CU_set_test_complete_handler(test_complete);
    CU_run_all_tests();
    failed = CU_get_number_of_tests_failed();
    printf("1..%u\n", tap_count);
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
