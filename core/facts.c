/*
 * core/facts.c - the request facts every language's environment agrees on
 * (weft_request_t's url_scheme, server_name, server_port, script_name), one
 * rule for both protocols.
 *
 *   url_scheme   HTTP: "http" (weft speaks no TLS).  uwsgi protocol: the
 *                frontend's UWSGI_SCHEME (http or https), else HTTPS (on or
 *                1: https), else REQUEST_SCHEME, else "http", as uWSGI does.
 *   server_name  HTTP: the absolute-form target's host, else Host without
 *   server_port  its port.  uwsgi: the frontend's SERVER_NAME/SERVER_PORT,
 *                else its HTTP_HOST.  Without either: the address and port
 *                the connection came to (an IPv6 one in brackets, as in a
 *                URL; "localhost" and the scheme's port on a UNIX socket).
 *                A Host without a port gets the socket's port (uWSGI's rule).
 *   script_name  the mount point: the longest --script-name prefix (or
 *                $SCRIPT_NAME, gunicorn's way, when none is given) that
 *                PATH_INFO starts with at a '/'; else the frontend's
 *                SCRIPT_NAME, taken off the front of PATH_INFO with
 *                --manage-script-name (nginx sends the whole path).  A
 *                request outside every prefix has "".  PATH_INFO is then
 *                what follows it.
 *
 * The variables are made to say the same (SERVER_NAME, SERVER_PORT,
 * SCRIPT_NAME and PATH_INFO are always there), so a plugin that passes the
 * variables on and one that reads the fields give the app the same answer.
 */
#include "config.h"

#include <pthread.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <weft/status.h>
#include "conf.h"
#include "conn.h"
#include "listen.h"
#include "log.h"
#include "request.h"

#define SOCKET_NAME_MAX 68      /* a listener's host[64] in brackets */

typedef struct {
    char   *s;
    size_t  len;
} prefix_t;

static prefix_t *prefixes;
static unsigned  nprefixes;
static int       env_checked;

/* "/app/" -> "/app", "/" -> "" (no prefix); -1 when it is not a path. */
static ssize_t
normalized_len(const char *p, size_t n)
{
    if (n == 0 || p[0] != '/' || memchr(p, '\0', n) != NULL)
        return -1;
    while (n > 0 && p[n - 1] == '/')
        n--;
    return (ssize_t) n;
}

int
weft_facts_add_prefix(const char *prefix, char *err, size_t errlen)
{
    ssize_t   n = normalized_len(prefix, strlen(prefix));
    prefix_t *p;

    if (n < 0) {
        snprintf(err, errlen, "'%s' is not a URL path (/app)", prefix);
        return WEFT_ERROR;
    }
    env_checked = 1;                    /* the option wins over $SCRIPT_NAME */
    if (n == 0)
        return WEFT_OK;
    p = realloc(prefixes, (nprefixes + 1) * sizeof(*p));
    if (p == NULL || (p[nprefixes].s = strndup(prefix, (size_t) n)) == NULL) {
        if (p != NULL)
            prefixes = p;
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    prefixes = p;
    prefixes[nprefixes++].len = (size_t) n;
    return WEFT_OK;
}

/* gunicorn's users set SCRIPT_NAME in the environment.  Once per process,
 * at the first request (pthread_once: --threads has several first ones);
 * a --script-name option (env_checked) wins. */
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

static void
check_env(void)
{
    const char *e = getenv("SCRIPT_NAME");
    char        err[128];

    if (env_checked)
        return;
    env_checked = 1;
    if (e != NULL && *e != '\0' && weft_facts_add_prefix(e, err, sizeof(err)) != WEFT_OK)
        weft_log(WEFT_LOG_WARN, "SCRIPT_NAME in the environment: %s: ignored", err);
}

/* Does path[0..pl) lie under prefix p (equal to it, or p followed by '/')? */
static int
under(const char *path, size_t pl, const char *p, size_t n)
{
    return n > 0 && pl >= n && memcmp(path, p, n) == 0 && (pl == n || path[n] == '/');
}

/* ------------------------------------------------------------ the scheme */

/* "http" or "https" (any case) as a scheme, else NULL. */
static const char *
scheme_word(const weft_var_t *v)
{
    if (v == NULL)
        return NULL;
    if (v->value_len == 5 && strncasecmp(v->value, "https", 5) == 0)
        return "https";
    if (v->value_len == 4 && strncasecmp(v->value, "http", 4) == 0)
        return "http";
    return NULL;
}

static const char *
uwsgi_scheme(weft_req_t *r)
{
    const char *s = scheme_word(r->known.uwsgi_scheme);
    weft_var_t *https;

    if (s != NULL)
        return s;
    https = r->known.https;
    if (https != NULL && https->value_len > 0)
        return (https->value_len == 2 && strncasecmp(https->value, "on", 2) == 0)
               || (https->value_len == 1 && https->value[0] == '1') ? "https" : "http";
    s = scheme_word(r->known.request_scheme);
    return s != NULL ? s : "http";
}

/* ------------------------------------------------------------ name and port */

static int
all_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/*
 * Split "host:port", "[v6]:port" or "host" (RFC 9110 7.2): the name keeps
 * an IPv6 literal's brackets.  WEFT_ERROR when it is not an authority: an
 * unclosed '[', or a port that is not 1 to 5 digits (an empty port, "x:", is
 * allowed and means none).
 */
static int
split_host(const char *h, size_t len, const char **name, size_t *nl, const char **port,
           size_t *pl)
{
    const char *colon = NULL;

    *name = h;
    *port = NULL;
    *pl = 0;
    if (len > 0 && h[0] == '[') {
        const char *end = memchr(h, ']', len);
        if (end == NULL)
            return WEFT_ERROR;
        *nl = (size_t) (end - h + 1);
        if (*nl < len) {
            if (end[1] != ':')
                return WEFT_ERROR;
            colon = end + 1;
        }
    } else {
        colon = memchr(h, ':', len);
        *nl = colon ? (size_t) (colon - h) : len;
    }
    if (colon != NULL) {
        *port = colon + 1;
        *pl = len - (size_t) (colon + 1 - h);
        if (*pl > 5 || !all_digits(*port, *pl))
            return WEFT_ERROR;
    }
    return WEFT_OK;
}

/* The address the connection came to, as a URL writes it, into buf. */
static const char *
socket_name(const weft_conn_t *c, char *buf, size_t len)
{
    const weft_listener_t  *ls = c->ls;
    struct sockaddr_storage ss;
    socklen_t               sl = sizeof(ss);
    char                    a[INET6_ADDRSTRLEN];

    if (ls->is_unix)
        return "localhost";
    if (strcmp(ls->host, "0.0.0.0") != 0 && strcmp(ls->host, "::") != 0 && ls->host[0] != '\0') {
        snprintf(buf, len, strchr(ls->host, ':') ? "[%s]" : "%s", ls->host);
        return buf;
    }
    /* A wildcard listener: the address this client connected to. */
    if (getsockname(c->fd, (struct sockaddr *) &ss, &sl) == 0) {
        if (ss.ss_family == AF_INET
            && inet_ntop(AF_INET, &((struct sockaddr_in *) &ss)->sin_addr, a, sizeof(a))) {
            snprintf(buf, len, "%s", a);
            return buf;
        }
        if (ss.ss_family == AF_INET6
            && inet_ntop(AF_INET6, &((struct sockaddr_in6 *) &ss)->sin6_addr, a, sizeof(a))) {
            snprintf(buf, len, "[%s]", a);
            return buf;
        }
    }
    snprintf(buf, len, "%s", ls->host);
    return buf;
}

/* Set variable key, var when the request has it (else it is made), to
 * value, copied into the arena. */
static weft_var_t *
set_var(weft_req_t *r, weft_var_t *var, const char *key, size_t kl, const char *v, size_t vl)
{
    weft_var_t *made;

    made = weft_vars_add(r, key, kl, v, vl);
    if (made == NULL || var == NULL)
        return made;
    /* Keep the old variable's place: only its value changes. */
    var->value = made->value;
    var->value_len = made->value_len;
    r->pub.nvars--;
    return var;
}

static int
server_facts(weft_conn_t *c, weft_req_t *r, const char *authority, size_t alen,
             const char *scheme)
{
    const char *name = NULL, *port = NULL;
    size_t      nl = 0, pl = 0;
    char        sock[SOCKET_NAME_MAX];
    weft_var_t *sn, *sp;

    if (c->ls->proto != WEFT_PROTO_HTTP) {      /* what the frontend said */
        sn = r->known.server_name;
        sp = r->known.server_port;
        if (sn != NULL && sn->value_len > 0) {
            name = sn->value;
            nl = sn->value_len;
        }
        if (sp != NULL && sp->value_len > 0 && sp->value_len <= 5
            && all_digits(sp->value, sp->value_len)) {
            port = sp->value;
            pl = sp->value_len;
        }
        if (name == NULL) {
            weft_var_t *host = r->known.http_host;
            const char *hp;
            size_t      hpl;

            if (host != NULL && host->value_len <= WEFT_FACTS_HOST_MAX
                && split_host(host->value, host->value_len, &name, &nl, &hp, &hpl) == WEFT_OK
                && nl > 0) {
                if (port == NULL && hpl > 0) {
                    port = hp;
                    pl = hpl;
                }
            } else {
                name = NULL;
            }
        }
    } else if (split_host(authority, alen, &name, &nl, &port, &pl) != WEFT_OK) {
        weft_log(WEFT_LOG_DEBUG, "%s:%s: Host \"%.*s\" is not host[:port]: answering 400",
                 c->peer_addr, c->peer_port, (int) alen, authority);
        c->head_error = 400;
        return WEFT_ERROR;
    }
    if (name == NULL || nl == 0) {
        name = socket_name(c, sock, sizeof(sock));
        nl = strlen(name);
    }
    if (port == NULL || pl == 0) {
        port = c->ls->is_unix || c->ls->port[0] == '\0'
               ? (strcmp(scheme, "https") == 0 ? "443" : "80") : c->ls->port;
        pl = strlen(port);
    }
    /* Copied (the name must end in a NUL), unless it is the variable. */
    sn = r->known.server_name;
    if (sn == NULL || sn->value != name)
        sn = set_var(r, sn, "SERVER_NAME", 11, name, nl);
    sp = r->known.server_port;
    if (sp == NULL || sp->value != port)
        sp = set_var(r, sp, "SERVER_PORT", 11, port, pl);
    if (sn == NULL || sp == NULL)
        return WEFT_ERROR;
    r->pub.server_name.data = sn->value;
    r->pub.server_name.len = sn->value_len;
    r->pub.server_port.data = sp->value;
    r->pub.server_port.len = sp->value_len;
    return WEFT_OK;
}

/* ------------------------------------------------------------ the mount point */

static int
split_mount(weft_req_t *r)
{
    weft_var_t *pi = r->known.path_info;
    weft_var_t *sn = r->known.script_name;
    const char *path = pi ? pi->value : "", *name = "";
    size_t      pl = pi ? pi->value_len : 0, nl = 0, strip = 0;
    unsigned    i;

    pthread_once(&env_once, check_env);
    for (i = 0; i < nprefixes; i++)
        if (prefixes[i].len > nl && under(path, pl, prefixes[i].s, prefixes[i].len)) {
            name = prefixes[i].s;
            nl = strip = prefixes[i].len;
        }
    if (nl == 0 && sn != NULL && sn->value_len > 0) {
        /* The frontend's mount point ("/app/" is "/app", "/" none). */
        ssize_t n = normalized_len(sn->value, sn->value_len);

        if (n > 0) {
            ((char *) sn->value)[n] = '\0';     /* its copy in the arena */
            name = sn->value;
            nl = (size_t) n;
            if (weft_conf.manage_script_name && under(path, pl, name, nl))
                strip = nl;
        }
    }
    if (pi == NULL && (pi = weft_vars_add_ref(r, "PATH_INFO", 9, "", 0)) == NULL)
        return WEFT_ERROR;
    r->full_path.data = pi->value;
    r->full_path.len = pi->value_len;
    pi->value += strip;
    pi->value_len -= (uint32_t) strip;
    if (sn == NULL && (sn = weft_vars_add_ref(r, "SCRIPT_NAME", 11, name, nl)) == NULL)
        return WEFT_ERROR;
    sn->value = name;
    sn->value_len = (uint32_t) nl;
    r->pub.script_name.data = sn->value;
    r->pub.script_name.len = sn->value_len;
    r->pub.path_info.data = pi->value;
    r->pub.path_info.len = pi->value_len;
    return WEFT_OK;
}

/* ------------------------------------------------------------ all of them */

size_t
weft_req_facts_room(size_t alen)
{
    return alen + SOCKET_NAME_MAX + 8 + 2;
}

int
weft_req_facts(weft_conn_t *c, weft_req_t *r, const char *authority, size_t alen)
{
    const char *scheme = c->ls->proto == WEFT_PROTO_HTTP ? "http" : uwsgi_scheme(r);

    r->pub.url_scheme.data = scheme;
    r->pub.url_scheme.len = strlen(scheme);
    if (scheme[4] == 's')
        r->pub.flags |= WEFT_REQ_HTTPS;
    else
        r->pub.flags &= ~(uint32_t) WEFT_REQ_HTTPS;
    if (server_facts(c, r, authority, alen, scheme) != WEFT_OK)
        return WEFT_ERROR;
    return split_mount(r);
}
