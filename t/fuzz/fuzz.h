/*
 * t/fuzz/fuzz.h - what every fuzz harness shares.
 *
 * A harness is one LLVMFuzzerTestOneInput() over one parser of untrusted
 * bytes, calling the core's own functions (the very objects weft runs).
 * It is built two ways: with clang's libFuzzer (`make fuzz`, t/fuzz/fuzz.mk)
 * and, with any compiler, against t/fuzz/replay.c, a main() that feeds it
 * the seed corpus and every input a fuzzer ever crashed on (`make check`).
 *
 * A harness aborts (through FUZZ_CHECK) when an invariant of the parser
 * breaks, so libFuzzer keeps the input as a crash like any other.
 */
#ifndef WEFT_FUZZ_H
#define WEFT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fail the input: the message names the broken invariant. */
#define FUZZ_CHECK(cond) do { \
        if (!(cond)) { \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            abort(); \
        } \
    } while (0)

/* Once per process: the core's log goes to /dev/null (its lines are still
 * formatted, so a bad format argument is still found). */
void fuzz_quiet_log(void);

/* A split of n bytes into pieces (for feeding a parser read by read),
 * chosen from the input itself so a crash replays the same way: the next
 * piece's length, at least 1. */
typedef struct {
    uint32_t state;
} fuzz_split_t;

void   fuzz_split_init(fuzz_split_t *s, const uint8_t *data, size_t size);
size_t fuzz_split_next(fuzz_split_t *s, size_t left);

#endif
