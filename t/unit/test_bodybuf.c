/*
 * t/unit/test_bodybuf.c - the kept request body: memory, the spill to an
 * unlinked temporary file, and reading it back from any offset.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <weft/status.h>
#include "bodybuf.h"
#include "tap.h"

static char tmpdir[] = "/tmp/weft-bodybuf-XXXXXX";

/* Entries in tmpdir besides . and .. */
static int
entries(void)
{
    DIR           *d = opendir(tmpdir);
    struct dirent *e;
    int            n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* The kept bytes from off to the end, compared with want. */
static int
reads_back(weft_bodybuf_t *bb, uint64_t off, const char *want, size_t len)
{
    size_t got = 0;

    while (got < len) {
        const char *p;
        ssize_t     n = weft_bodybuf_peek(bb, off + got, &p);

        if (n <= 0 || memcmp(p, want + got, (size_t) n < len - got ? (size_t) n : len - got))
            return 0;
        got += (size_t) n;
    }
    return got == len && weft_bodybuf_peek(bb, off + got, NULL) == 0;
}

static void
test_memory(void)
{
    weft_bodybuf_t bb;
    const char    *p;

    memset(&bb, 0, sizeof(bb));              /* zeroed is empty */
    CU_ASSERT_EQUAL(weft_bodybuf_peek(&bb, 0, &p), 0);
    CU_ASSERT_EQUAL(weft_bodybuf_append(&bb, "hello ", 6, 11, 1024), WEFT_OK);
    CU_ASSERT_EQUAL(bb.mem_cap, 11);         /* the declared length, at once */
    CU_ASSERT_EQUAL(weft_bodybuf_append(&bb, "world", 5, 11, 1024), WEFT_OK);
    CU_ASSERT(reads_back(&bb, 0, "hello world", 11));
    CU_ASSERT(reads_back(&bb, 6, "world", 5));
    CU_ASSERT_EQUAL(weft_bodybuf_peek(&bb, 100, &p), 0);
    CU_ASSERT_FALSE(weft_bodybuf_spilled(&bb));
    weft_bodybuf_free(&bb);
    CU_ASSERT_EQUAL(bb.len, 0);
    weft_bodybuf_free(&bb);                  /* twice is harmless */
}

static void
test_spill(void)
{
    weft_bodybuf_t bb;
    size_t         total = 300000, i;
    char          *want = malloc(total);

    for (i = 0; i < total; i++)
        want[i] = (char) (i * 7 + i / 1000);
    weft_bodybuf_init(&bb);
    for (i = 0; i < total; i += 1000)
        CU_ASSERT_EQUAL(weft_bodybuf_append(&bb, want + i, 1000, -1, 16384), WEFT_OK);
    CU_ASSERT(weft_bodybuf_spilled(&bb));
    CU_ASSERT_EQUAL(bb.len, total);
    CU_ASSERT_PTR_NULL(bb.mem);              /* the memory went with the spill */
    CU_ASSERT_EQUAL(entries(), 0);           /* a file with no name */
    CU_ASSERT(reads_back(&bb, 0, want, total));
    CU_ASSERT(reads_back(&bb, 123457, want + 123457, total - 123457));
    CU_ASSERT(reads_back(&bb, 5, want + 5, total - 5));   /* backwards again */
    weft_bodybuf_free(&bb);
    CU_ASSERT_FALSE(weft_bodybuf_spilled(&bb));
    free(want);
}

static void
test_bad_tmpdir(void)
{
    weft_bodybuf_t bb;
    char           big[2048];

    memset(big, 'a', sizeof(big));
    setenv("TMPDIR", "/nonexistent/weft", 1);
    weft_bodybuf_init(&bb);
    CU_ASSERT_EQUAL(weft_bodybuf_append(&bb, big, sizeof(big), -1, 1024), WEFT_ERROR);
    weft_bodybuf_free(&bb);
    setenv("TMPDIR", tmpdir, 1);
}

int
main(void)
{
    static const weft_tap_test_t tests[] = {
        { "a small body stays in memory", test_memory },
        { "a big body spills to an unlinked file and reads back", test_spill },
        { "no temporary directory is an error, not a crash", test_bad_tmpdir },
        { NULL, NULL }
    };
    int rc;

    if (mkdtemp(tmpdir) == NULL)
        return 99;
    setenv("TMPDIR", tmpdir, 1);
    weft_tap_suite("bodybuf", tests);
    rc = weft_tap_run();
    rmdir(tmpdir);
    return rc;
}
