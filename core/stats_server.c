/*
 * core/stats_server.c - the master's stats and metrics listeners.
 *
 *   --stats ADDR        a connection gets the stats document (stats_doc.c)
 *                       and is closed, as uWSGI's stats server does;
 *   --stats-http        ... after an HTTP request, as an HTTP response;
 *   --metrics ADDR      HTTP: GET /metrics, the Prometheus text (metrics.c).
 *
 * Every answer is made from the scoreboard in the master, with non-blocking
 * sockets on the master's loop (master_loop.c): a slow reader or a stuck
 * worker never holds the master up.  Writes use MSG_NOSIGNAL, so the master
 * keeps SIGPIPE's default for the children it forks.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include <weft/status.h>
#include "buf.h"
#include "clock.h"
#include "conf.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "stats_doc.h"
#include "stats_server.h"

#define KIND_STATS      0     /* the document at once */
#define KIND_STATS_HTTP 1
#define KIND_METRICS    2

#define MAX_CONNS       64
#define IO_TIMEOUT      5     /* seconds a client gets to ask and read */

typedef struct {
    weft_listener_t ls;
    int             kind;
    struct event   *ev;
} server_t;

typedef struct {
    int           fd;
    int           kind;
    struct event *ev;
    char          in[8192];
    size_t        inlen;
    weft_buf_t    out;
    size_t        outpos;
} conn_t;

static struct event_base *loop;
static server_t           servers[2];
static unsigned           nservers;
static conn_t            *conns[MAX_CONNS];
static double             started_at;

static void conn_cb(evutil_socket_t fd, short what, void *arg);

static void
conn_close(conn_t *c)
{
    unsigned i;

    for (i = 0; i < MAX_CONNS; i++)
        if (conns[i] == c)
            conns[i] = NULL;
    event_free(c->ev);
    close(c->fd);
    weft_buf_free(&c->out);
    free(c);
}

/* Put the answer in c->out. */
static void
answer(conn_t *c, int code, const char *reason, const char *type, const char *body,
       size_t len, int head_only)
{
    if (c->kind != KIND_STATS)
        weft_buf_printf(&c->out,
                        "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                        "Cache-Control: no-cache\r\nConnection: close\r\n\r\n",
                        code, reason, type, len);
    if (!head_only)
        weft_buf_append(&c->out, body, len);
}

static void
answer_document(conn_t *c, int head_only)
{
    char *doc = weft_stats_json();

    if (doc == NULL) {
        static const char oops[] = "{\"error\":\"out of memory\"}";
        answer(c, 500, "Internal Server Error", "application/json", oops, sizeof(oops) - 1,
               head_only);
        return;
    }
    answer(c, 200, "OK", "application/json", doc, strlen(doc), head_only);
    free(doc);
}

static void
answer_metrics(conn_t *c, int head_only)
{
    weft_buf_t text = { 0 };

    if (weft_metrics_text(&text) != WEFT_OK) {
        static const char oops[] = "out of memory\n";
        answer(c, 500, "Internal Server Error", "text/plain", oops, sizeof(oops) - 1,
               head_only);
    } else {
        answer(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", text.data, text.len,
               head_only);
    }
    weft_buf_free(&text);
}

/* A whole request head is in c->in: make the answer. */
static void
http_request(conn_t *c)
{
    static const char not_found[] = "not found: the metrics are at /metrics\n";
    static const char bad[] = "bad request\n";
    static const char method[] = "only GET and HEAD are answered\n";
    char             *sp1 = memchr(c->in, ' ', c->inlen), *sp2, *q;
    int               head;

    if (sp1 == NULL || (sp2 = memchr(sp1 + 1, ' ', c->inlen - (size_t) (sp1 + 1 - c->in))) == NULL) {
        answer(c, 400, "Bad Request", "text/plain", bad, sizeof(bad) - 1, 0);
        return;
    }
    head = sp1 - c->in == 4 && memcmp(c->in, "HEAD", 4) == 0;
    if (!head && !(sp1 - c->in == 3 && memcmp(c->in, "GET", 3) == 0)) {
        answer(c, 405, "Method Not Allowed", "text/plain", method, sizeof(method) - 1, 0);
        return;
    }
    *sp2 = '\0';
    if ((q = strchr(sp1 + 1, '?')) != NULL)
        *q = '\0';
    if (c->kind == KIND_STATS_HTTP)
        answer_document(c, head);          /* any path, as uWSGI */
    else if (strcmp(sp1 + 1, "/metrics") == 0)
        answer_metrics(c, head);
    else
        answer(c, 404, "Not Found", "text/plain", not_found, sizeof(not_found) - 1, head);
}

/* Write what is left; 1 when the connection is done with. */
static int
flush_out(conn_t *c)
{
    while (c->outpos < c->out.len) {
        ssize_t n = send(c->fd, c->out.data + c->outpos, c->out.len - c->outpos, MSG_NOSIGNAL);

        if (n > 0) {
            c->outpos += (size_t) n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : 1;
    }
    return 1;
}

static void
rearm(conn_t *c, short what)
{
    struct timeval tv = { IO_TIMEOUT, 0 };

    event_del(c->ev);
    event_assign(c->ev, loop, c->fd, what | EV_PERSIST, conn_cb, c);
    event_add(c->ev, &tv);
}

static void
conn_cb(evutil_socket_t fd, short what, void *arg)
{
    conn_t *c = arg;

    (void) fd;
    if (what & EV_TIMEOUT) {
        conn_close(c);
        return;
    }
    if (c->out.len == 0) {              /* still reading the request */
        ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen, 0);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            conn_close(c);
            return;
        }
        c->inlen += (size_t) n;
        c->in[c->inlen] = '\0';
        if (strstr(c->in, "\r\n\r\n") == NULL && strstr(c->in, "\n\n") == NULL) {
            if (c->inlen == sizeof(c->in) - 1) {
                static const char big[] = "request head too large\n";
                answer(c, 431, "Request Header Fields Too Large", "text/plain", big,
                       sizeof(big) - 1, 0);
            } else {
                return;
            }
        } else {
            http_request(c);
        }
    }
    if (flush_out(c)) {
        conn_close(c);
        return;
    }
    if (!(what & EV_WRITE))
        rearm(c, EV_WRITE);
}

static void
accept_cb(evutil_socket_t lfd, short what, void *arg)
{
    server_t *s = arg;
    unsigned  i;

    (void) what;
    for (;;) {
        int     fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        conn_t *c;

        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                weft_log(WEFT_LOG_WARN, "%s %s: accept: %m",
                         s->kind == KIND_METRICS ? "--metrics" : "--stats", s->ls.name);
            return;
        }
        for (i = 0; i < MAX_CONNS && conns[i] != NULL; i++)
            ;
        c = i < MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
        if (c != NULL)
            c->ev = event_new(loop, fd, EV_READ | EV_PERSIST, conn_cb, c);
        if (c == NULL || c->ev == NULL) {
            free(c);
            close(fd);          /* too many at once: the client retries */
            continue;
        }
        c->fd = fd;
        c->kind = s->kind;
        conns[i] = c;
        if (c->kind == KIND_STATS) {
            answer_document(c, 0);
            rearm(c, EV_WRITE);
        } else {
            rearm(c, EV_READ);
        }
    }
}

static int
open_server(const char *addr, int kind, const char *opt)
{
    server_t *s = &servers[nservers];
    char      err[256];

    if (weft_listener_open(&s->ls, addr, WEFT_PROTO_HTTP, 64, NULL, err, sizeof(err))
        != WEFT_OK) {
        weft_log(WEFT_LOG_ERROR, "%s %s: %s", opt, addr, err);
        return WEFT_ERROR;
    }
    s->kind = kind;
    s->ev = event_new(loop, s->ls.fd, EV_READ | EV_PERSIST, accept_cb, s);
    if (s->ev == NULL || event_add(s->ev, NULL) != 0) {
        weft_log(WEFT_LOG_ERROR, "%s %s: cannot watch the socket", opt, addr);
        return WEFT_ERROR;
    }
    nservers++;
    weft_log(WEFT_LOG_INFO, "%s server on %s%s", kind == KIND_METRICS ? "metrics" : "stats",
             addr, kind == KIND_METRICS ? " (GET /metrics)" : kind == KIND_STATS_HTTP ? " (HTTP)" : "");
    return WEFT_OK;
}

int
weft_stats_server_start(struct event_base *base)
{
    loop = base;
    started_at = weft_wall_clock();
    if (weft_conf.stats_addr != NULL
        && open_server(weft_conf.stats_addr, weft_conf.stats_http ? KIND_STATS_HTTP : KIND_STATS,
                       "--stats") != WEFT_OK)
        return WEFT_ERROR;
    if (weft_conf.metrics_addr != NULL
        && open_server(weft_conf.metrics_addr, KIND_METRICS, "--metrics") != WEFT_OK)
        return WEFT_ERROR;
    return WEFT_OK;
}

void
weft_stats_server_forked(void)
{
    unsigned i;

    for (i = 0; i < nservers; i++)
        close(servers[i].ls.fd);
    for (i = 0; i < MAX_CONNS; i++)
        if (conns[i] != NULL)
            close(conns[i]->fd);
}

void
weft_stats_note_reload(void)
{
    char n[16];

    snprintf(n, sizeof(n), "%u", weft_stats_reloads() + 1);
    setenv("WEFT_RELOADS", n, 1);
}

unsigned
weft_stats_reloads(void)
{
    const char *s = getenv("WEFT_RELOADS");

    return s != NULL ? (unsigned) strtoul(s, NULL, 10) : 0;
}

double
weft_stats_started_at(void)
{
    return started_at;
}
