/*
 * core/static.c - static files (--static-map, --check-static), served
 * through the async engine like any request: sendfile, and the core
 * suspends (or queues, without an engine) when the socket is full.
 *
 * A ".." segment (after the one percent-decoding PATH_INFO gets, so
 * %2e%2e counts) is refused outright.  Files are opened beneath the root's
 * directory fd with weft_open_beneath() (core/path.c), the one containment
 * rule CGI uses too: nothing that resolves out of the root is opened, and
 * what was checked is what is served.  A
 * file that is not there falls through to the app, as in uWSGI; a directory
 * is served only through --static-index, never listed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <weft/status.h>
#include "conf.h"
#include "conn.h"
#include "log.h"
#include "mime.h"
#include "path.h"
#include "request.h"
#include "static.h"

typedef struct {
    char    *prefix;          /* "/static" ("" for --check-static) */
    size_t   prefix_len;
    char    *root;            /* resolved directory */
    size_t   root_len;
    int      fd;              /* the directory, for openat2 */
} static_root_t;

typedef struct {
    int         status;       /* answer this status (403), or 0 to serve */
    int         fd;           /* the open file */
    struct stat st;
    char        name[256];    /* its last path component, for the type */
} static_ctx_t;

static static_root_t *roots;
static unsigned       nroots;

static int
add_root(const char *prefix, size_t plen, const char *dir)
{
    char           resolved[PATH_MAX];
    static_root_t *r;
    struct stat    st;

    if (realpath(dir, resolved) == NULL || stat(resolved, &st) != 0 || !S_ISDIR(st.st_mode)) {
        weft_log(WEFT_LOG_ERROR, "static files: %s is not a directory", dir);
        return WEFT_ERROR;
    }
    r = realloc(roots, (nroots + 1) * sizeof(*roots));
    if (r == NULL)
        return WEFT_ERROR;
    roots = r;
    r = &roots[nroots++];
    while (plen > 1 && prefix[plen - 1] == '/')
        plen--;                                  /* "/static/" is "/static" */
    r->prefix = strndup(prefix, plen);
    r->prefix_len = plen == 1 && prefix[0] == '/' ? 0 : plen;
    r->root = strdup(resolved);
    r->root_len = strlen(resolved);
    r->fd = open(resolved, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r->fd < 0) {
        weft_log(WEFT_LOG_ERROR, "static files: cannot open %s: %m", resolved);
        return WEFT_ERROR;
    }
    return r->prefix && r->root ? WEFT_OK : WEFT_ERROR;
}

int
weft_static_setup(void)
{
    size_t i;

    for (i = 0; i < weft_conf.static_map.n; i++) {
        const char *m = weft_conf.static_map.v[i], *eq = strchr(m, '=');
        if (add_root(m, (size_t) (eq - m), eq + 1) != WEFT_OK)
            return WEFT_ERROR;
    }
    for (i = 0; i < weft_conf.check_static.n; i++)
        if (add_root("", 0, weft_conf.check_static.v[i]) != WEFT_OK)
            return WEFT_ERROR;
    if (nroots > 0)
        weft_mime_load("/etc/mime.types");
    return WEFT_OK;
}

int
weft_static_enabled(void)
{
    return nroots > 0;
}

/* Does rel contain a ".." segment? */
static int
has_dotdot(const char *rel, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t start = i;
        while (i < n && rel[i] != '/')
            i++;
        if (i - start == 2 && rel[start] == '.' && rel[start + 1] == '.')
            return 1;
        i++;
    }
    return 0;
}

static static_ctx_t *
new_ctx(weft_req_t *r, int status)
{
    static_ctx_t *x = calloc(1, sizeof(*x));

    if (x == NULL)
        return NULL;
    x->status = status;
    x->fd = -1;
    r->pub.ctx = x;
    return x;
}

/*
 * Open rel (relative to root) without leaving it.  Returns the fd, -1 when
 * there is no such file, -2 when the path would leave the root.
 */
static int
open_beneath(const static_root_t *root, const char *rel)
{
    int fd = weft_open_beneath(root->fd, rel, O_RDONLY | O_NOCTTY | O_NONBLOCK);

    if (fd < 0 && errno == EXDEV)
        return -2;
    return fd >= 0 ? fd : -1;
}

/*
 * The file to serve for rel: 1 with x->fd and x->st set, 0 when there is
 * none (the app gets the request), -1 when the path leads out of the root.
 * A directory is served through --static-index only.
 */
static int
pick_file(const static_root_t *root, const char *rel, static_ctx_t *x)
{
    char   path[PATH_MAX];
    size_t i;
    int    fd = open_beneath(root, rel[0] ? rel : ".");

    if (fd == -2)
        return -1;
    if (fd < 0)
        return 0;
    if (fstat(fd, &x->st) == 0 && S_ISREG(x->st.st_mode)) {
        x->fd = fd;
        return 1;
    }
    if (!S_ISDIR(x->st.st_mode)) {
        close(fd);
        return -1;                          /* a device, a fifo, a socket */
    }
    close(fd);
    for (i = 0; i < weft_conf.static_index.n; i++) {
        if ((size_t) snprintf(path, sizeof(path), "%s%s%s", rel,
                              rel[0] && rel[strlen(rel) - 1] != '/' ? "/" : "",
                              weft_conf.static_index.v[i]) >= sizeof(path))
            continue;
        fd = open_beneath(root, path);
        if (fd == -2)
            return -1;
        if (fd >= 0 && fstat(fd, &x->st) == 0 && S_ISREG(x->st.st_mode)) {
            x->fd = fd;
            return 1;
        }
        if (fd >= 0)
            close(fd);
    }
    return 0;
}

int
weft_static_route(weft_req_t *r)
{
    const weft_str_t *path = &r->full_path;      /* the mount point included */
    const weft_str_t *m = &r->pub.method;
    static_ctx_t      x;
    unsigned          i;

    if (!((m->len == 3 && memcmp(m->data, "GET", 3) == 0)
          || (m->len == 4 && memcmp(m->data, "HEAD", 4) == 0)))
        return WEFT_DECLINED;

    for (i = 0; i < nroots; i++) {
        const static_root_t *root = &roots[i];
        const char          *rel, *slash;
        size_t               rl;
        char                 relpath[PATH_MAX];
        int                  found;

        if (path->len < root->prefix_len
            || memcmp(path->data, root->prefix, root->prefix_len) != 0
            || (path->len > root->prefix_len && path->data[root->prefix_len] != '/'))
            continue;
        rel = path->data + root->prefix_len;
        rl = path->len - root->prefix_len;
        if (has_dotdot(rel, rl)) {
            weft_log(WEFT_LOG_WARN, "%.*s: refused a path with \"..\" from %.*s",
                     (int) r->pub.uri.len, r->pub.uri.data, (int) r->pub.remote_addr.len,
                     r->pub.remote_addr.data);
            return new_ctx(r, 403) ? WEFT_OK : WEFT_DECLINED;
        }
        while (rl > 0 && rel[0] == '/') {
            rel++;
            rl--;
        }
        if (rl >= sizeof(relpath))
            continue;
        memcpy(relpath, rel, rl);
        relpath[rl] = '\0';

        memset(&x, 0, sizeof(x));
        x.fd = -1;
        found = pick_file(root, relpath, &x);
        if (found < 0) {
            weft_log(WEFT_LOG_WARN, "%.*s: refused: it leads outside %s",
                     (int) r->pub.uri.len, r->pub.uri.data, root->root);
            return new_ctx(r, 403) ? WEFT_OK : WEFT_DECLINED;
        }
        if (found > 0) {
            static_ctx_t *ctx = new_ctx(r, 0);
            if (ctx == NULL) {
                close(x.fd);
                return WEFT_DECLINED;
            }
            ctx->fd = x.fd;
            ctx->st = x.st;
            slash = strrchr(relpath, '/');
            snprintf(ctx->name, sizeof(ctx->name), "%s", slash ? slash + 1 : relpath);
            return WEFT_OK;
        }
    }
    return WEFT_DECLINED;
}

/* ------------------------------------------------------------ serving */

static void
http_date(char *buf, size_t len, time_t t)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static int
header(weft_req_t *r, const char *name, const char *value)
{
    return weft_resp_add_header(&r->pub, name, strlen(name), value, strlen(value));
}

static int
status(weft_req_t *r, int code, const char *body)
{
    char line[64];

    snprintf(line, sizeof(line), "%d %s", code, weft_http_reason(code));
    weft_resp_set_status(&r->pub, line, strlen(line));
    if (body == NULL)
        return WEFT_OK;
    header(r, "Content-Type", "text/plain");
    weft_resp_set_content_length(&r->pub, strlen(body));
    return weft_resp_write(&r->pub, body, strlen(body));
}

/* Whether an If-None-Match list names etag (or is "*"); a weak W/"..."
 * form of it matches too (RFC 9110 13.1.2: weak comparison). */
static int
etag_matches(const char *list, const char *etag)
{
    return strcmp(list, "*") == 0 || strstr(list, etag) != NULL;
}

/*
 * Parse a single "bytes=" range against size: 1 with [*from, *to], 0 when
 * the header is to be ignored (absent, multiple ranges, not bytes), -1 when
 * it cannot be satisfied.
 */
static int
parse_range(const char *h, int64_t size, int64_t *from, int64_t *to)
{
    char   *end;
    long long a, b;

    if (h == NULL || strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
        return 0;
    h += 6;
    if (*h == '-') {                              /* the last n bytes */
        b = strtoll(h + 1, &end, 10);
        if (end == h + 1 || *end != '\0' || b < 0)
            return 0;
        if (b == 0 || size == 0)
            return -1;
        *from = b >= size ? 0 : size - b;
        *to = size - 1;
        return 1;
    }
    a = strtoll(h, &end, 10);
    if (end == h || *end != '-' || a < 0)
        return 0;
    h = end + 1;
    if (*h == '\0') {
        b = size - 1;
    } else {
        b = strtoll(h, &end, 10);
        if (end == h || *end != '\0' || b < a)
            return 0;
    }
    if (a >= size)
        return -1;
    *from = a;
    *to = b >= size ? size - 1 : b;
    return 1;
}

static int
static_request(weft_request_t *pub)
{
    weft_req_t   *r = weft_req(pub);
    static_ctx_t *x = pub->ctx;
    struct stat  *st = &x->st;
    char          etag[64], lm[64], buf[128];
    const char   *inm, *ims, *range, *ifrange;
    int64_t       from = 0, to = 0;
    int           ranged;

    if (x->status)
        return status(r, x->status, "403 Forbidden\n");

    snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long) st->st_mtime,
             (unsigned long long) st->st_size);
    http_date(lm, sizeof(lm), st->st_mtime);

    inm = weft_var_get(pub, "HTTP_IF_NONE_MATCH", NULL);
    ims = weft_var_get(pub, "HTTP_IF_MODIFIED_SINCE", NULL);
    if ((inm != NULL && etag_matches(inm, etag))
        || (inm == NULL && ims != NULL && strcmp(ims, lm) == 0)) {
        status(r, 304, NULL);
        header(r, "ETag", etag);
        header(r, "Last-Modified", lm);
        return WEFT_OK;
    }
    if (inm == NULL && ims != NULL) {
        struct tm tm;
        memset(&tm, 0, sizeof(tm));
        if (strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm) != NULL
            && st->st_mtime <= timegm(&tm)) {
            status(r, 304, NULL);
            header(r, "ETag", etag);
            header(r, "Last-Modified", lm);
            return WEFT_OK;
        }
    }

    range = weft_var_get(pub, "HTTP_RANGE", NULL);
    ifrange = weft_var_get(pub, "HTTP_IF_RANGE", NULL);
    if (ifrange != NULL && strcmp(ifrange, etag) != 0 && strcmp(ifrange, lm) != 0)
        range = NULL;                             /* changed since: send it all */
    ranged = parse_range(range, (int64_t) st->st_size, &from, &to);
    if (ranged < 0) {
        snprintf(buf, sizeof(buf), "bytes */%lld", (long long) st->st_size);
        status(r, 416, NULL);
        header(r, "Content-Range", buf);
        weft_resp_set_content_length(pub, 0);
        return WEFT_OK;
    }

    header(r, "Content-Type", weft_mime_type(x->name));
    header(r, "Last-Modified", lm);
    header(r, "ETag", etag);
    header(r, "Accept-Ranges", "bytes");
    if (ranged) {
        status(r, 206, NULL);
        snprintf(buf, sizeof(buf), "bytes %lld-%lld/%lld", (long long) from, (long long) to,
                 (long long) st->st_size);
        header(r, "Content-Range", buf);
    } else {
        from = 0;
        to = (int64_t) st->st_size - 1;
    }
    weft_resp_set_content_length(pub, (uint64_t) (to - from + 1));
    if (to < from)
        return WEFT_OK;
    return weft_resp_sendfile(pub, x->fd, from, to - from + 1);
}

static void
static_request_done(weft_request_t *pub)
{
    static_ctx_t *x = pub->ctx;

    if (x != NULL) {
        if (x->fd >= 0)
            close(x->fd);
        free(x);
        pub->ctx = NULL;
    }
}

const weft_language_t weft_static_language = {
    .size = sizeof(weft_language_t),
    .name = "static",
    .modifier1 = -1,
    .request = static_request,
    .request_done = static_request_done,
};
