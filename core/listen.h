/*
 * core/listen.h - the sockets weft listens on.
 */
#ifndef WEFT_CORE_LISTEN_H
#define WEFT_CORE_LISTEN_H

#include <event2/event.h>
#include <event2/event_struct.h>

typedef struct weft_listener_s weft_listener_t;

#define WEFT_PROTO_UWSGI 1
#define WEFT_PROTO_HTTP  2

struct weft_listener_s {
    int             fd;
    int             proto;       /* WEFT_PROTO_* */
    int             is_unix;
    int             modifier1;   /* default for HTTP requests, -1: auto */
    char           *name;        /* as given: ":8080", "/run/weft.sock" */
    char            host[64];    /* local address for SERVER_NAME, "" for UNIX */
    char            port[8];     /* local port for SERVER_PORT */
    struct event    ev;          /* readable: accept */
    int             ev_added;
};

/*
 * Parse ADDR (":PORT", "HOST:PORT", "[V6]:PORT", or a UNIX path: anything
 * without a ':') and bind+listen a non-blocking socket.  WEFT_OK, or
 * WEFT_ERROR with a one-line reason in err.
 */
int weft_listener_open(weft_listener_t *ls, const char *addr, int proto, int backlog,
                       const char *chmod_mode, char *err, size_t errlen);

/* Take over a listening socket inherited across a reload or handed over by
 * systemd (made non-blocking). */
int weft_listener_adopt(weft_listener_t *ls, int fd, const char *addr, int proto);

/* Open every --socket and --http-socket; on failure, say which and why. */
int weft_listeners_open_all(void);

extern weft_listener_t *weft_listeners;
extern unsigned         weft_nlisteners;

#endif
