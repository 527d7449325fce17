/*
 * plugins/cgi/cgi.c - the CGI language (RFC 3875): the plugin descriptor,
 * its options and the language hooks.
 *
 * A request maps to a script under one of the --cgi mounts (cgi_map.c);
 * the script runs in a process group of its own with non-blocking pipes
 * (cgi_spawn.c), and request() moves bytes between the pipes and the client
 * (cgi_io.c).  request() never blocks on a pipe: it registers the pipes
 * with the wait API and returns WEFT_AGAIN, so the core runs other requests
 * meanwhile, with a suspend engine or without one.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE            /* O_PATH */
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgi.h"

const weft_api_t *cgi_api;

cgi_conf_t cgi_conf = {
    .timeout = 60.0,
    .buffer_size = 65536,
};

/* ------------------------------------------------------------ options */

static char *
str_dup(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* "/cgi-bin/" -> "/cgi-bin"; "" and "/" -> "" (the root). */
static char *
mount_normalize(const char *m, size_t n)
{
    char   *p;
    size_t  lead = (n == 0 || m[0] != '/') ? 1 : 0;

    while (n > 0 && m[n - 1] == '/')
        n--;
    if (n == 0)
        return str_dup("", 0);
    p = malloc(n + lead + 1);
    if (p == NULL)
        return NULL;
    p[0] = '/';
    memcpy(p + lead, m, n);
    p[n + lead] = '\0';
    return p;
}

/*
 * --cgi [mountpoint=]path.  The path is a directory of scripts or one
 * script.  "a=b" whose "b" does not exist while "a=b" does is a path with
 * a '=' in it.
 */
static int
set_cgi(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    const char  *eq = strchr(value, '=');
    const char  *path = value;
    cgi_mount_t *m, *mounts;
    char         real[PATH_MAX];
    struct stat  st;

    if (eq != NULL && access(eq + 1, F_OK) != 0 && access(value, F_OK) == 0)
        eq = NULL;
    if (eq != NULL)
        path = eq + 1;
    if (realpath(path, real) == NULL || stat(real, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return WEFT_ERROR;
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is neither a directory nor a script", path);
        return WEFT_ERROR;
    }
    mounts = realloc(cgi_conf.mounts, (cgi_conf.nmounts + 1) * sizeof(*mounts));
    if (mounts == NULL) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    cgi_conf.mounts = mounts;
    m = &mounts[cgi_conf.nmounts];
    m->mount = eq ? mount_normalize(value, (size_t) (eq - value)) : str_dup("", 0);
    m->path = str_dup(real, strlen(real));
    if (m->mount == NULL || m->path == NULL) {
        free(m->mount);
        free(m->path);
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    m->mount_len = strlen(m->mount);
    m->path_len = strlen(m->path);
    m->is_file = S_ISREG(st.st_mode);
    /* Scripts are opened beneath this fd, never by their path. */
    if (m->is_file) {
        char *slash = strrchr(real, '/');

        m->file_base = strrchr(m->path, '/') + 1;
        if (slash == real)
            slash[1] = '\0';                    /* a script in "/" */
        else
            *slash = '\0';
    }
    m->root_fd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (m->root_fd < 0) {
        snprintf(err, errlen, "%s: %s", real, strerror(errno));
        free(m->mount);
        free(m->path);
        return WEFT_ERROR;
    }
    cgi_conf.nmounts++;
    return WEFT_OK;
}

/* An interpreter named without a '/' is looked up in $PATH, once. */
static int
find_program(const char *name, char *out, size_t outlen)
{
    const char *p, *path = getenv("PATH");

    if (strchr(name, '/') != NULL)
        return realpath(name, out) != NULL && access(out, X_OK) == 0 ? 0 : -1;
    for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p != '\0';) {
        const char *colon = strchr(p, ':');
        size_t      dl = colon ? (size_t) (colon - p) : strlen(p);
        struct stat st;

        if (dl > 0 && (size_t) snprintf(out, outlen, "%.*s/%s", (int) dl, p, name) < outlen
            && stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
            return 0;
        p += dl + (colon ? 1 : 0);
    }
    return -1;
}

/* --cgi-helper .ext=interpreter [arg...]: split on blanks, never a shell. */
static int
set_helper(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    const char   *eq = strchr(value, '=');
    cgi_helper_t *h, *helpers;
    char         *words, *w, *save = NULL;
    char          prog[PATH_MAX];
    unsigned      n = 0;

    if (eq == NULL || eq == value || eq[1] == '\0') {
        snprintf(err, errlen, "'%s' is not .EXT=INTERPRETER", value);
        return WEFT_ERROR;
    }
    helpers = realloc(cgi_conf.helpers, (cgi_conf.nhelpers + 1) * sizeof(*helpers));
    if (helpers == NULL)
        goto nomem;
    cgi_conf.helpers = helpers;
    h = &helpers[cgi_conf.nhelpers];
    memset(h, 0, sizeof(*h));
    words = str_dup(eq + 1, strlen(eq + 1));
    h->argv = calloc(strlen(eq + 1) / 2 + 2, sizeof(char *));
    h->ext = str_dup(value, (size_t) (eq - value));
    if (words == NULL || h->argv == NULL || h->ext == NULL) {
        free(words);
        free(h->argv);
        free(h->ext);
        goto nomem;
    }
    for (w = strtok_r(words, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save))
        h->argv[n++] = w;
    if (n == 0 || find_program(h->argv[0], prog, sizeof(prog)) != 0) {
        snprintf(err, errlen, "interpreter '%s' not found (or not executable)",
                 n ? h->argv[0] : "");
        free(words);
        free(h->argv);
        free(h->ext);
        return WEFT_ERROR;
    }
    h->argv[0] = str_dup(prog, strlen(prog));
    if (h->argv[0] == NULL) {
        free(words);
        free(h->argv);
        free(h->ext);
        goto nomem;
    }
    h->words = words;
    h->argc = n;
    h->ext_len = strlen(h->ext);
    cgi_conf.nhelpers++;
    return WEFT_OK;

nomem:
    snprintf(err, errlen, "out of memory");
    return WEFT_ERROR;
}

static const weft_option_t cgi_options[] = {
    { "cgi", 0, WEFT_OPT_CALLBACK, 0, NULL, "[MOUNT=]PATH",
      "serve the CGI scripts in directory PATH (or the one script PATH) at URL prefix MOUNT (default /); repeatable",
      0, 0, set_cgi },
    { "cgi-index", 0, WEFT_OPT_LIST, 0, &cgi_conf.index, "NAME",
      "the script that serves a directory's URL (index.cgi); repeatable, tried in order", 0, 0, NULL },
    { "cgi-allowed-ext", 0, WEFT_OPT_LIST, 0, &cgi_conf.allowed_ext, ".EXT",
      "run only scripts whose names end with .EXT (others get 403); repeatable", 0, 0, NULL },
    { "cgi-helper", 0, WEFT_OPT_CALLBACK, 0, NULL, ".EXT=PROGRAM",
      "run scripts ending with .EXT as `PROGRAM [ARGS] SCRIPT` (.pl=perl); repeatable", 0, 0, set_helper },
    { "cgi-timeout", 0, WEFT_OPT_DOUBLE, 0, &cgi_conf.timeout, "SECONDS",
      "kill a script's process group after this long (default 60)", 0.001, 86400 * 7, NULL },
    { "cgi-buffer-size", 0, WEFT_OPT_SIZE, 0, &cgi_conf.buffer_size, "SIZE",
      "read a script's output in pieces of SIZE; its headers must fit (default 64k)", 4096, 16 << 20, NULL },
    WEFT_OPTION_END
};

/* ------------------------------------------------------------ replies */

int
cgi_reply(weft_request_t *r, const char *status)
{
    char   body[128];
    size_t n = (size_t) snprintf(body, sizeof(body), "%s\n", status);

    if (cgi_api->set_status(r, status, strlen(status)) != WEFT_OK)
        return WEFT_ERROR;
    cgi_api->add_header(r, "Content-Type", 12, "text/plain", 10);
    return cgi_api->write(r, body, n);
}

/* 301 to the directory's URL with its slash: "/app" -> "/app/?q". */
static int
reply_add_slash(weft_request_t *r)
{
    const char *uri = r->uri.data, *q;
    size_t      len = r->uri.len, pl;
    char       *loc;
    int         rc;

    if (len > 0 && uri[0] != '/') {             /* absolute-form: drop the origin */
        const char *p = memchr(uri, '/', len);
        if (p != NULL && p + 1 < uri + len && p[1] == '/')
            p = memchr(p + 2, '/', (size_t) (uri + len - p - 2));
        len = p ? (size_t) (uri + len - p) : 0;
        uri = p ? p : "";
    }
    q = memchr(uri, '?', len);
    pl = q ? (size_t) (q - uri) : len;
    if (pl == 0)
        return cgi_reply(r, "404 Not Found");
    loc = malloc(len + 2);
    if (loc == NULL)
        return WEFT_ERROR;
    memcpy(loc, uri, pl);
    loc[pl] = '/';
    memcpy(loc + pl + 1, uri + pl, len - pl);
    cgi_api->set_status(r, "301 Moved Permanently", 21);
    cgi_api->add_header(r, "Location", 8, loc, len + 1);
    rc = cgi_reply(r, "301 Moved Permanently");
    free(loc);
    return rc;
}

/* ------------------------------------------------------------ the language */

static int
cgi_setup(void)
{
    static char path_env[4096];
    static char software[128];
    const char *path = getenv("PATH");

    if (cgi_conf.nmounts == 0)
        cgi_api->log(WEFT_LOG_WARN, "cgi: no --cgi directory given: every CGI request gets 404");
    snprintf(path_env, sizeof(path_env), "PATH=%s",
             path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
    snprintf(software, sizeof(software), "SERVER_SOFTWARE=weft/%s", cgi_api->version);
    cgi_conf.path_env = path_env;
    cgi_conf.software = software;
    return WEFT_OK;
}

static int
cgi_worker_init(unsigned worker_id)
{
    return cgi_spawn_init();
}

static int
cgi_request(weft_request_t *r)
{
    cgi_req_t     *x = r->ctx;
    cgi_script_t  *s;
    cgi_refusal_t  no;

    if (x != NULL)
        return cgi_io_pump(r, x);

    /* The core split the mount point (r->script_name) off PATH_INFO. */
    s = cgi_map(r->path_info.data, r->path_info.len, r->script_name.data, r->script_name.len,
                &no);
    if (s == NULL) {
        cgi_api->log(WEFT_LOG_INFO, "cgi: %.*s %.*s: %d (%s)", (int) r->method.len,
                     r->method.data, (int) r->uri.len, r->uri.data, no.status, no.why);
        switch (no.status) {
        case 301:
            return reply_add_slash(r);
        case 403:
            return cgi_reply(r, "403 Forbidden");
        case 500:
            return WEFT_ERROR;
        default:
            return cgi_reply(r, "404 Not Found");
        }
    }
    x = cgi_io_start(r, s);
    if (x == NULL)
        return WEFT_OK;                 /* answered with an error status */
    r->ctx = x;
    return cgi_io_pump(r, x);
}

static void
cgi_request_done(weft_request_t *r)
{
    if (r->ctx != NULL) {
        cgi_io_free(r->ctx);
        r->ctx = NULL;
    }
}

static void
cgi_worker_exit(void)
{
    cgi_spawn_exit();
}

static const weft_language_t cgi_language = {
    .size = sizeof(weft_language_t),
    .name = "cgi",
    .modifier1 = CGI_MODIFIER1,
    .setup = cgi_setup,
    .worker_init = cgi_worker_init,
    .request = cgi_request,
    .request_done = cgi_request_done,
    .worker_exit = cgi_worker_exit,
};

static int
cgi_init(const weft_api_t *api)
{
    cgi_api = api;
    return api->register_language(&cgi_language);
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .flags = WEFT_PLUGIN_LANGUAGE,
    .name = "cgi",
    .version = WEFT_PLUGIN_VERSION,
    .summary = "CGI/1.1 scripts (RFC 3875), run without blocking the worker",
    .options = cgi_options,
    .init = cgi_init,
};
