/*
 * t/fuzz/fuzz_common.c - helpers every harness links (see fuzz.h).
 */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"
#include "log.h"

void
fuzz_quiet_log(void)
{
    static int done;
    int        fd;

    if (done)
        return;
    done = 1;
    fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd >= 0)
        weft_log_set_fd(fd);
    weft_log_level = WEFT_LOG_DEBUG;      /* every line formatted */
}

void
fuzz_split_init(fuzz_split_t *s, const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u;           /* FNV-1a of the input */
    size_t   i;

    for (i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    s->state = h | 1;
}

size_t
fuzz_split_next(fuzz_split_t *s, size_t left)
{
    size_t n;

    s->state ^= s->state << 13;         /* xorshift32 */
    s->state ^= s->state >> 17;
    s->state ^= s->state << 5;
    /* mostly short pieces (1-16 bytes), sometimes the rest at once */
    n = (s->state & 7) == 0 ? left : 1 + (s->state >> 8) % 16;
    return n < left ? n : left;
}
