/*
 * t/unit/tap.h - run every registered CUnit suite and report TAP, so unit
 * tests and integration tests share one harness (automake's tap-driver).
 */
#ifndef WEFT_T_TAP_H
#define WEFT_T_TAP_H

#include <CUnit/CUnit.h>

/* Run all registered tests; returns the process exit status. */
int weft_tap_run(void);

/* Add a suite with its tests: weft_tap_suite("loader", tests) where tests
 * ends with { NULL, NULL }. */
typedef struct { const char *name; CU_TestFunc fn; } weft_tap_test_t;
void weft_tap_suite(const char *name, const weft_tap_test_t *tests);

#endif
