/*
 * t/fuzz/fuzz_uwsgi.c - the uwsgi protocol as a frontend (nginx's
 * uwsgi_pass) sends it: the 4-byte header, the variables (core/proto_uwsgi.c,
 * core/vars.c), the request facts made from them (core/facts.c: the
 * scheme, SERVER_NAME/PORT, HTTP_HOST, SCRIPT_NAME) and CONTENT_LENGTH bytes
 * of body, read through core/conn_read.c from a pipe.
 */
#include "config.h"

#include "conf.h"
#include "conn_driver.h"
#include "fuzz.h"

static weft_listener_t ls = { .proto = WEFT_PROTO_UWSGI, .modifier1 = -1,
                              .host = "127.0.0.1", .port = "3031" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* nginx deployments raise --buffer-size to the packet's own limit */
    weft_conf.buffer_size = 65535;
    fuzz_conn_serve(&ls, NULL, 0, data, size);
    return 0;
}
