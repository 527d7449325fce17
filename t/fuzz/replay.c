/*
 * t/fuzz/replay.c - a main() for a fuzz harness without libFuzzer: feeds
 * it files, each as one input, so any compiler (gcc in `make check`) runs
 * the harnesses over their corpora.
 *
 *   replay_NAME FILE|DIR...   each file (each file of each directory)
 *   replay_NAME               $WEFT_SRCDIR/t/fuzz/corpus/NAME and
 *                             $WEFT_SRCDIR/t/fuzz/regressions/NAME, as TAP:
 *                             one test per directory
 *
 * An input that breaks the harness crashes this program (an abort, a
 * sanitizer report): the file it was on is the last "replaying" line on
 * stderr.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error "build with -DFUZZ_NAME='\"name\"'"
#endif

/* Run the harness on one file; -1 when it cannot be read. */
static int
replay_file(const char *path)
{
    FILE    *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t   len = 0, cap = 0, n;

    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (len == cap) {
            uint8_t *nb;
            cap = cap ? cap * 2 : 4096;
            if ((nb = realloc(buf, cap)) == NULL) {
                fprintf(stderr, "replay: %s: out of memory\n", path);
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
        }
        n = fread(buf + len, 1, cap - len, f);
        if (n == 0)
            break;
        len += n;
    }
    fclose(f);
    fprintf(stderr, "replaying %s (%zu bytes)\n", path, len);
    /* An exact-size copy, so ASan sees a read past the input's end. */
    {
        uint8_t *exact = malloc(len ? len : 1);
        if (exact == NULL) {
            free(buf);
            return -1;
        }
        memcpy(exact, buf, len);
        free(buf);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    return 0;
}

/* Under UBSan (the sanitizer build of `make check`), undefined behaviour
 * fails the input as it does under libFuzzer, instead of a line in a log. */
const char *__ubsan_default_options(void);
const char *
__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1";
}

static int
skip_name(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Every file of dir, in name order: the count, or -1. */
static int
replay_dir(const char *dir, int missing_ok)
{
    struct dirent **names;
    int             n, i, count = 0;

    n = scandir(dir, &names, skip_name, alphasort);
    if (n < 0) {
        if (missing_ok && errno == ENOENT)
            return 0;
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (i = 0; i < n; i++) {
        char        path[4096];
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (replay_file(path) != 0)
                count = -1;
            else if (count >= 0)
                count++;
        }
        free(names[i]);
    }
    free(names);
    return count;
}

int
main(int argc, char **argv)
{
    const char *top = getenv("WEFT_SRCDIR");
    char        dir[4096];
    int         i, n, failed = 0;

    if (argc > 1) {
        for (i = 1; i < argc; i++) {
            struct stat st;
            if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
                n = replay_dir(argv[i], 0);
            else
                n = replay_file(argv[i]);
            if (n < 0)
                failed = 1;
        }
        return failed;
    }
    if (top == NULL)
        top = ".";
    printf("1..2\n");
    snprintf(dir, sizeof(dir), "%s/t/fuzz/corpus/%s", top, FUZZ_NAME);
    n = replay_dir(dir, 0);
    printf("%s 1 - the seed corpus of %s: %d inputs\n", n > 0 ? "ok" : "not ok", FUZZ_NAME, n);
    fflush(stdout);
    snprintf(dir, sizeof(dir), "%s/t/fuzz/regressions/%s", top, FUZZ_NAME);
    n = replay_dir(dir, 1);
    printf("%s 2 - the inputs %s ever crashed on: %d inputs\n", n >= 0 ? "ok" : "not ok",
           FUZZ_NAME, n);
    return 0;
}
