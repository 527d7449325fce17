/*
 * t/fuzz/fuzz_cgi_head.c - a CGI script's response head (RFC 3875 6):
 * found in its stdout read by read (cgi_head_end) and applied to the
 * response (cgi_head_apply: Status, Location, Content-Length, the core's
 * header rules through the API), for a plain and an nph- script.
 *
 * The parser lives in the plugin (plugins/cgi/cgi_headers.c, linked here
 * as it is, against the core's own weft_api_t), since only the CGI plugin
 * reads a head from its app's output.
 */
#include "config.h"

#include <string.h>

#include <weft/status.h>
#include "api.h"
#include "http_rules.h"
#include "request.h"

#include "../../plugins/cgi/cgi.h"
#include "fuzz.h"

const weft_api_t *cgi_api = &weft_core_api;

/* The head's end, found as cgi_io.c finds it: read by read. */
static size_t
head_end(const uint8_t *data, size_t size, int split)
{
    fuzz_split_t sp;
    size_t       have = 0, scanned = 0, end = 0;

    fuzz_split_init(&sp, data, size);
    while (have < size && end == 0) {
        have += split ? fuzz_split_next(&sp, size - have) : size - have;
        end = cgi_head_end((const char *) data, have, &scanned);
        FUZZ_CHECK(scanned <= have);
        FUZZ_CHECK(end <= have);
    }
    return end;
}

static void
apply(const char *buf, size_t end, int nph)
{
    static weft_req_t r;
    const char       *loc = NULL;
    size_t            loc_len = 0, i, start;
    char              why[512];
    int               rc;

    weft_resp_reset(&r);
    memset(why, 0, sizeof(why));
    rc = cgi_head_apply(&r.pub, buf, end, nph, &loc, &loc_len, why, sizeof(why));
    FUZZ_CHECK(why[sizeof(why) - 1] == '\0');
    switch (rc) {
    case CGI_HEAD_BAD:
        FUZZ_CHECK(why[0] != '\0');
        break;
    case CGI_HEAD_REDIRECT: {
        char    path[65536];
        ssize_t dl;

        FUZZ_CHECK(!nph && loc >= buf && loc_len > 0 && loc + loc_len <= buf + end);
        FUZZ_CHECK(loc[0] == '/');
        /* what follow_redirect() does with it next */
        if (loc_len < sizeof(path)) {
            dl = cgi_api->percent_decode(path, loc, loc_len);
            FUZZ_CHECK(dl <= (ssize_t) loc_len);
        }
        break;
    }
    case CGI_HEAD_RESPONSE:
        /* The status is a valid one; every header line is Name: value. */
        FUZZ_CHECK(weft_http_parse_status(r.status, strlen(r.status)) >= 100);
        for (start = 0, i = 0; i < r.headers.len; i++) {
            if (r.headers.data[i] != '\n')
                continue;
            FUZZ_CHECK(i > start && r.headers.data[i - 1] == '\r');
            FUZZ_CHECK(memchr(r.headers.data + start, '\r', i - 1 - start) == NULL);
            FUZZ_CHECK(memchr(r.headers.data + start, ':', i - start) != NULL);
            start = i + 1;
        }
        FUZZ_CHECK(start == r.headers.len);
        break;
    default:
        FUZZ_CHECK(!"cgi_head_apply returned no CGI_HEAD_* value");
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t end;

    fuzz_quiet_log();
    end = head_end(data, size, 0);
    FUZZ_CHECK(head_end(data, size, 1) == end);
    if (end == 0)
        return 0;
    apply((const char *) data, end, 0);
    apply((const char *) data, end, 1);
    return 0;
}
