/*
 * t/fuzz/fuzz_ini.c - an ini file in uWSGI's dialect: the reader
 * (core/ini_read.c: sections, comments, magic variables %d %n ...), the
 * run over its entries (core/ini_blocks.c: if-*, for*, end, includes,
 * set-placeholder), the expansion of each value (core/ini_expand.c:
 * $(ENV), @(file), %(name)) and the %( ) arithmetic (core/ini_expr.c).
 * The input is the file, read from a memfd; the options it would set are
 * only collected (core/inifile.c applies them: plugins, sockets...).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <weft/status.h>
#include "ini_dialect.h"
#include "options.h"

#include "fuzz.h"

/* What weft_ini_load() would apply: check what an emit may rely on. */
static int
collect(const weft_ini_entry_t *e, const char *value, void *data)
{
    size_t *n = data;

    FUZZ_CHECK(e->key != NULL && e->key[0] != '\0' && value != NULL);
    FUZZ_CHECK(e->line > 0);
    (void) weft_options_find(e->key, NULL);
    (*n)++;
    return WEFT_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    weft_ini_list_t list = { NULL, 0, 0 };
    char            path[64], err[1024];
    size_t          emitted = 0;
    int             fd, rc;

    if (size > 65536)
        return 0;
    fuzz_quiet_log();
    fd = memfd_create("fuzz.ini", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t) size);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

    memset(err, 'x', sizeof(err));
    err[sizeof(err) - 1] = '\0';
    rc = weft_ini_read(path, NULL, NULL, 0, &list, 0, err, sizeof(err));
    FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
    if (rc == WEFT_OK)
        rc = weft_ini_run(&list, path, collect, &emitted, err, sizeof(err));
    FUZZ_CHECK(rc == WEFT_OK || rc == WEFT_ERROR);
    FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
    FUZZ_CHECK(emitted <= 1u << 24);
    weft_ini_list_free(&list);
    weft_ini_ph_reset();
    weft_options_release_kept();    /* else a long run piles them up to its RSS limit */
    close(fd);
    return 0;
}
