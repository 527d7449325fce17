/*
 * t/fuzz/fuzz_chunked.c - a chunked request body: the input is what
 * follows a fixed "Transfer-Encoding: chunked" head (chunk sizes,
 * extensions, trailers, and whatever request is pipelined behind it),
 * decoded by the HTTP parser through core/proto_http.c's body step and
 * kept by core/body.c and core/bodybuf.c, as the loop buffers it.
 */
#include "config.h"

#include <string.h>

#include "conn_driver.h"
#include "fuzz.h"

static weft_listener_t ls = { .proto = WEFT_PROTO_HTTP, .modifier1 = -1,
                              .host = "127.0.0.1", .port = "8080" };

static const char head[] = "POST /upload HTTP/1.1\r\nHost: fuzz.example\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_conn_serve(&ls, (const uint8_t *) head, sizeof(head) - 1, data, size);
    return 0;
}
