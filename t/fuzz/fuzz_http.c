/*
 * t/fuzz/fuzz_http.c - HTTP/1.1 requests as a client sends them: the head
 * (core/proto_http.c on libhttp-parser: repeated and folded fields, Host
 * and the absolute form, Expect, the framing), the CGI-style variables
 * made from it (core/vars.c, core/facts.c: HTTP_*, PATH_INFO decoded,
 * SERVER_NAME/PORT, SCRIPT_NAME), the body the loop buffers, and the next
 * pipelined request, read through core/conn_read.c from a pipe.
 */
#include "config.h"

#include "conn_driver.h"
#include "fuzz.h"

static weft_listener_t ls = { .proto = WEFT_PROTO_HTTP, .modifier1 = -1,
                              .host = "127.0.0.1", .port = "8080" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_conn_serve(&ls, NULL, 0, data, size);
    return 0;
}
