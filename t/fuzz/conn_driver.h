/*
 * t/fuzz/conn_driver.h - a connection fed from a pipe, read by the core's
 * one request reader (conn_read.c) exactly as a worker reads a client:
 * head, then the body the loop buffers, then the request built from it,
 * the body read back as an app reads it, and the next pipelined request.
 */
#ifndef WEFT_FUZZ_CONN_DRIVER_H
#define WEFT_FUZZ_CONN_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "listen.h"

/*
 * Serve prefix + data (up to 8 requests) on a connection of listener ls,
 * twice: once written all at once, once in pieces chosen from the input,
 * and check that both gave the same requests, variables, bodies and
 * answers (a parser whose result depends on how the bytes were cut into
 * reads loses or invents data).  Also checks the variables' contract:
 * NUL-terminated, and for HTTP free of CR, LF and NUL bytes.
 */
void fuzz_conn_serve(weft_listener_t *ls, const uint8_t *prefix, size_t plen,
                     const uint8_t *data, size_t size);

#endif
