/*
 * weft/request.h - what a language plugin sees of a request and its core.
 *
 * Both protocols (uwsgi and HTTP/1.1) end in this one form: CGI-style
 * variables and a body stream.  A plugin never learns which protocol the
 * request came over.  The structs are owned by the core; plugins read them
 * and write only the slots marked "plugin".  Everything else a plugin does
 * with a request goes through weft_api_t (weft/api.h).
 */
#ifndef WEFT_REQUEST_H
#define WEFT_REQUEST_H

#include <stdint.h>
#include <stddef.h>

typedef struct weft_str_s     weft_str_t;
typedef struct weft_var_s     weft_var_t;
typedef struct weft_core_s    weft_core_t;
typedef struct weft_request_s weft_request_t;

/* A length-delimited string; not NUL-terminated unless said so. */
struct weft_str_s {
    const char *data;
    size_t      len;
};

/* One CGI variable.  key and value are NUL-terminated for convenience. */
struct weft_var_s {
    const char *key;
    const char *value;
    uint32_t    key_len;
    uint32_t    value_len;
};

/*
 * An async core: one request at a time.  With --async N a worker has N,
 * numbered 0..N-1; without it, one.  Engines and language plugins keep their
 * per-core state in their own arrays indexed by id.
 */
struct weft_core_s {
    unsigned         id;
    weft_request_t  *request;   /* the request it serves, or NULL when free */
};

/* Request flags. */
#define WEFT_REQ_CHUNKED_BODY   0x0001 /* body length unknown (chunked upload):
                                          read until read_body() returns 0 */
#define WEFT_REQ_HEAD           0x0002 /* HEAD: the core drops body bytes */
#define WEFT_REQ_KEEPALIVE      0x0004 /* the connection may serve another */
#define WEFT_REQ_CLIENT_GONE    0x0008 /* the client went away: writes fail,
                                          waits return WEFT_ERROR */
#define WEFT_REQ_HEADERS_SENT   0x0010 /* the status line and headers are out */
#define WEFT_REQ_HTTPS          0x0020 /* the client used TLS (HTTPS=on) */
/* ABI 1.1 */
#define WEFT_REQ_BODY_REWINDABLE 0x0040 /* the core keeps the body:
                                           api->body_seek() works */
#define WEFT_REQ_BODY_COMPLETE  0x0080 /* the whole body has arrived and is
                                          buffered: reading it never waits */

struct weft_request_s {
    weft_core_t       *core;
    uint8_t            modifier1;
    uint8_t            modifier2;
    uint16_t           reserved;
    uint32_t           flags;          /* WEFT_REQ_* */

    const weft_var_t  *vars;           /* the CGI variables, in order */
    unsigned           nvars;

    /* The most used variables, ready to use (empty when absent). */
    weft_str_t         method;         /* REQUEST_METHOD */
    weft_str_t         uri;            /* REQUEST_URI */
    weft_str_t         path_info;      /* PATH_INFO (percent-decoded) */
    weft_str_t         query_string;   /* QUERY_STRING */
    weft_str_t         protocol;       /* SERVER_PROTOCOL */
    weft_str_t         remote_addr;    /* REMOTE_ADDR */

    int64_t            content_length; /* -1: not given (see CHUNKED_BODY) */
    int                status;         /* response status once set, else 0 */
    uint64_t           bytes_sent;     /* response body bytes written */
    double             start_time;     /* when the head was complete (epoch s) */

    void              *ctx;            /* plugin: the language's own slot */

    /* ABI 1.1: request facts, derived once by the core so that the WSGI,
     * Rack, PSGI and CGI environments agree.  NUL-terminated. */
    weft_str_t         url_scheme;     /* "http" or "https" (over uwsgi:
                                          UWSGI_SCHEME, HTTPS, REQUEST_SCHEME) */
    weft_str_t         server_name;    /* from Host (without its port; an IPv6
                                          literal in brackets) or the
                                          frontend's SERVER_NAME, or else the
                                          address the client connected to */
    weft_str_t         server_port;    /* from Host or the frontend, or else
                                          the socket's port (the scheme's on a
                                          UNIX socket): decimal digits */
    weft_str_t         script_name;    /* SCRIPT_NAME: the mount point the
                                          request came under, "" at the root;
                                          path_info is what follows it.  The
                                          variables SERVER_NAME, SERVER_PORT,
                                          SCRIPT_NAME, PATH_INFO say the same,
                                          and HTTP_PROXY is never among them */
};

#endif /* WEFT_REQUEST_H */
