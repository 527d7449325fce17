/*
 * core/proto.h - the two wire protocols, both ending in one internal form:
 * CGI variables in the request, and body state in the connection.
 */
#ifndef WEFT_CORE_PROTO_H
#define WEFT_CORE_PROTO_H

#include "conn.h"
#include "request.h"

/*
 * Parse the request head in [in_pos, in_end).  WEFT_OK when it is complete,
 * WEFT_AGAIN when more input is needed, WEFT_ERROR when it is bad (for HTTP
 * c->head_error holds the status to answer with; 0 means just close).
 */
int  weft_http_parse_head(weft_conn_t *c);
int  weft_uwsgi_parse_head(weft_conn_t *c);

/* Fill r's variables and flags from the parsed head, and set up the body.
 * WEFT_ERROR (with c->head_error) when the head turns out unusable. */
int  weft_http_build_request(weft_conn_t *c, weft_req_t *r);
int  weft_uwsgi_build_request(weft_conn_t *c, weft_req_t *r);

/* Decode buffered body input until some decoded bytes are ready
 * (c->body_ptr/body_len), the body ends, or input runs out: WEFT_OK on
 * progress, WEFT_AGAIN for more input, WEFT_ERROR for a bad body. */
int  weft_http_body_step(weft_conn_t *c);

/* Ready the HTTP parser for the next request on c. */
void weft_http_reset(weft_conn_t *c);

/* The protocol's head parser for a conn. */
static inline int
weft_proto_parse_head(weft_conn_t *c)
{
    return c->ls->proto == WEFT_PROTO_HTTP ? weft_http_parse_head(c)
                                           : weft_uwsgi_parse_head(c);
}

static inline int
weft_proto_build_request(weft_conn_t *c, weft_req_t *r)
{
    return c->ls->proto == WEFT_PROTO_HTTP ? weft_http_build_request(c, r)
                                           : weft_uwsgi_build_request(c, r);
}

#endif
