/*
 * core/request.h - the core's side of a request: variables, body, response.
 *
 * weft_req_t starts with the public weft_request_t, so the pointer handed
 * to plugins converts back with weft_req().
 */
#ifndef WEFT_CORE_REQUEST_H
#define WEFT_CORE_REQUEST_H

#include <stdint.h>
#include <sys/types.h>

#include <weft/language.h>
#include <weft/request.h>

#include "buf.h"

typedef struct weft_req_s   weft_req_t;
typedef struct weft_conn_s  weft_conn_t;
typedef struct weft_acore_s weft_acore_t;

struct weft_req_s {
    weft_request_t          pub;       /* must stay first */
    weft_conn_t            *conn;
    weft_acore_t           *core;
    const weft_language_t  *lang;
    /* The variables the request facts read (facts.c), found in
     * weft_vars_index()'s one pass over them; NULL when absent. */
    struct {
        weft_var_t *path_info, *script_name, *server_name, *server_port;
        weft_var_t *http_host, *https, *uwsgi_scheme, *request_scheme;
    }                       known;
    weft_str_t              full_path;  /* PATH_INFO before the mount point
                                           was taken off (facts.c): what
                                           --static-map matches, as in uWSGI */
    double                  start_mono; /* pub.start_time on weft_clock(): for
                                           durations and harakiri */

    /* CGI variables: an array and the arena their strings live in. */
    weft_var_t             *vars;
    unsigned                vars_cap;
    char                   *arena;
    size_t                  arena_len;
    size_t                  arena_cap;

    /* Response. */
    char                    status[96];   /* "200 OK" */
    weft_buf_t              headers;      /* the app's "Name: value\r\n"... */
    weft_buf_t              head;         /* the head as it goes out */
    weft_buf_t              held;         /* body written before the head went
                                             out: sent with it, so a short
                                             response gets a Content-Length */
    int64_t                 app_length;   /* the app's Content-Length, -1: none */
    uint64_t                body_sent;    /* body bytes out (counted for HEAD too) */
    unsigned                head_sent:1;
    unsigned                chunked:1;    /* body goes out chunked */
    unsigned                close_after:1;/* close the connection after it */
    unsigned                app_date:1;   /* the app sent its own Date */
    unsigned                no_body:1;    /* HEAD, 1xx, 204, 304 */
    unsigned                overflowed:1; /* the app wrote past its Content-Length */
    unsigned                warned_blocking:1;
    unsigned                cork:1;       /* the next send has more to follow */
    unsigned                hijacking:1;  /* the head goes out unframed (hijack) */

    /* Routes (core/route.h): set only while --route* rules are. */
    unsigned                no_log:1;     /* donotlog: no access line */
    unsigned                route_head:1; /* header edits or chunked: at the head */
    unsigned                route_chunked:1;
    struct weft_route_req_s *route;       /* the core's route state, or NULL */
};

static inline weft_req_t *
weft_req(weft_request_t *r)
{
    return (weft_req_t *) r;
}

/* ---------------------------------------------------------------- vars.c */

/* Make room for `bytes` of strings and `nvars` variables; after this, the
 * add functions cannot fail for lack of memory within that budget. */
int  weft_vars_reserve(weft_req_t *r, size_t bytes, unsigned nvars);
void weft_vars_reset(weft_req_t *r);

/* Add KEY=VALUE; returns the variable, or NULL when the budget is spent. */
weft_var_t *weft_vars_add(weft_req_t *r, const char *k, size_t kl, const char *v, size_t vl);

/* Add KEY=VALUE without copying: k and v are NUL-terminated and outlive
 * the request (literals, the settings, strings already in the arena). */
weft_var_t *weft_vars_add_ref(weft_req_t *r, const char *k, size_t kl, const char *v, size_t vl);

/* Add a variable as a frontend sent it (the uwsgi protocol): WEFT_OK, also
 * when the variable is one no app may see (HTTP_PROXY: dropped), or
 * WEFT_ERROR when out of budget. */
int weft_vars_add_cgi(weft_req_t *r, const char *k, size_t kl, const char *v, size_t vl);

/* Add an HTTP header as HTTP_NAME (CONTENT_TYPE and CONTENT_LENGTH without
 * the prefix); *added is the variable, or NULL when the field is dropped: a
 * name with a '_' (it would alias a dashed one), or Proxy (httpoxy: no app
 * may get HTTP_PROXY).  WEFT_ERROR when out of budget. */
int weft_vars_add_header(weft_req_t *r, const char *name, size_t nl, const char *value,
                         size_t vl, weft_var_t **added);

/* Join value to v's, the variable added last: "old, value" ("old; value" for
 * cookies).  Each repeat of a field costs its own length, so n repeats need
 * linear room, not quadratic. */
int weft_vars_append_value(weft_req_t *r, weft_var_t *v, const char *value, size_t vl);

/* Point the request's ready-made fields (method, uri...) at their vars,
 * and r->known at the ones the request facts read, in one pass. */
void weft_vars_index(weft_req_t *r);

/* The value of a variable (NUL-terminated) or NULL; api->var. */
const char *weft_var_get(weft_request_t *r, const char *name, size_t *len);

/* Percent-decode src into dst (room for srclen + 1 bytes; dst may be src)
 * and NUL-terminate it; returns the decoded length, or -1 when the result
 * would hold a NUL byte.  api->percent_decode. */
ssize_t weft_percent_decode(char *dst, const char *src, size_t srclen);

/* ---------------------------------------------------------------- facts.c */

/* Arena bytes and variables weft_req_facts() may add, for a request whose
 * authority (Host, or an absolute-form target's) is alen bytes long. */
#define WEFT_FACTS_VARS 4
#define WEFT_FACTS_HOST_MAX 261     /* 253 for a DNS name, ':', a port: a
                                       uwsgi HTTP_HOST longer is not used */
size_t weft_req_facts_room(size_t alen);

/*
 * Once the protocol has made r's variables (and weft_vars_index ran): the
 * request facts of weft_request_t, one rule for both protocols, and the
 * variables made to agree with them (SERVER_NAME, SERVER_PORT, SCRIPT_NAME
 * and PATH_INFO are always there, and say what the fields say).
 *   authority: HTTP's absolute-form host[:port], or its Host value, or ""
 *              (HTTP/1.0 without Host); ignored for the uwsgi protocol,
 *              whose frontend sends SERVER_NAME... (a bad one: 400).
 * WEFT_ERROR when out of the room weft_req_facts_room() promised.
 */
int weft_req_facts(weft_conn_t *c, weft_req_t *r, const char *authority, size_t alen);

/* --script-name PREFIX: a mount point (normalized: "/app/" is "/app", "/"
 * is none).  WEFT_ERROR with a reason in err when it is not a path. */
int weft_facts_add_prefix(const char *prefix, char *err, size_t errlen);

/* ---------------------------------------------------------------- body.c */

/* api->read_body, api->read_line, api->body_seek */
ssize_t weft_body_read(weft_request_t *r, void *buf, size_t len);
ssize_t weft_body_read_line(weft_request_t *r, void *buf, size_t len);
int64_t weft_body_seek(weft_request_t *r, int64_t offset, int whence);

/* A head is complete: its body is `left` bytes (-1: chunked until its end),
 * none of them kept yet. */
void weft_body_start(weft_conn_t *c, int64_t left);

/* Keep every body byte the input buffer holds (c->body): WEFT_OK when the
 * body is complete, WEFT_AGAIN when more input is needed, WEFT_ERROR with
 * c->body_error (400 malformed, 413 over --limit-post, 500 no room). */
int weft_body_take_input(weft_conn_t *c);

/* Send "100 Continue" when the client asked for it and nothing of the
 * body has come yet (at most once per request). */
void weft_body_send_continue(weft_conn_t *c);

/* The WEFT_REQ_BODY_* flags the request's body has now. */
uint32_t weft_body_flags(const weft_conn_t *c);

/* After the response: consume what is left of the body so the connection
 * can serve another request.  WEFT_OK when it can, WEFT_ERROR when it must
 * close instead. */
int weft_body_discard(weft_conn_t *c);

/* ---------------------------------------------------------------- response.c */

int  weft_resp_set_status(weft_request_t *r, const char *status, size_t len);
int  weft_resp_add_header(weft_request_t *r, const char *name, size_t nlen,
                          const char *value, size_t vlen);
int  weft_resp_set_content_length(weft_request_t *r, uint64_t n);
int  weft_resp_sendfile_fd(weft_request_t *r, int fd, int64_t offset);
int  weft_resp_write(weft_request_t *r, const void *buf, size_t len);
int  weft_resp_sendfile(weft_request_t *r, int fd, int64_t offset, int64_t len);

/* api->write_ref: write() keeping buf by reference when it must wait for
 * the socket (no copy, not counted against --offload-buffer-size).
 * WEFT_OK: release(arg) will be called exactly once, at a point where no
 * API call is running (after the request() call returns, or from the loop
 * as the connection drains or closes).  WEFT_ERROR: buf was not taken and
 * release is never called. */
int  weft_resp_write_ref(weft_request_t *r, const void *buf, size_t len,
                         void (*release)(void *arg), void *arg);

/* api->hijack and api->early_hints (ABI 1.2). */
int  weft_resp_hijack(weft_request_t *r, int with_head);
int  weft_resp_early_hints(weft_request_t *r, const weft_str_t *names,
                           const weft_str_t *values, size_t n);

/* Send what was written but held back (the app is about to wait). */
int  weft_resp_flush(weft_req_t *r);

/*
 * Complete the response after the app's last request() call: the head if
 * nothing was sent yet (500 when rc is WEFT_ERROR), the final chunk, or a
 * close when the body cannot be completed.
 */
void weft_resp_finish(weft_req_t *r, int rc);

/* Reset the response state for a new request. */
void weft_resp_reset(weft_req_t *r);

/*
 * The request is about to wait: give back the response buffers it is not
 * using (all of them until the head goes out, the empty ones after).  A
 * thousand sleeping requests would otherwise hold a thousand sets of buffers
 * their cores kept from earlier responses.
 */
void weft_resp_release_idle(weft_req_t *r);

/* The Date header's value for now ("Tue, 25 Nov 2026 17:34:45 GMT"). */
const char *weft_http_date(void);

#endif
