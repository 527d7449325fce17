/*
 * plugins/cgi/cgi_env.c - a script's environment: the CGI meta-variables
 * of RFC 3875 section 4.1 and the request's HTTP_* headers.
 *
 * The core already gives every request REQUEST_METHOD, REQUEST_URI,
 * QUERY_STRING, SERVER_NAME/PORT/PROTOCOL, REMOTE_ADDR/PORT, CONTENT_TYPE,
 * CONTENT_LENGTH and HTTP_* (from HTTP, or whatever the frontend sent over
 * the uwsgi protocol); they are passed on.  The variables that describe the
 * script are the plugin's own and replace any the frontend sent: the
 * script's SCRIPT_NAME is the request's mount point (r->script_name, the
 * core's) followed by the script's URL path under the --cgi mount.
 */
#include <stdlib.h>
#include <string.h>

#include "cgi.h"

typedef struct {
    char     **v;
    unsigned   n;
    char      *p;
} env_builder_t;

/* Never taken from the request: set here.  (HTTP_PROXY, the client's
 * "Proxy:" header, never reaches a plugin: the core drops it.) */
static const char *const own[] = {
    "GATEWAY_INTERFACE", "SERVER_SOFTWARE", "SCRIPT_NAME", "SCRIPT_FILENAME",
    "PATH_INFO", "PATH_TRANSLATED", "PATH", "REDIRECT_STATUS", "HTTPS", "REQUEST_SCHEME", NULL
};

/* Replaced too when the request is a local redirect's GET. */
static const char *const redirected[] = {
    "REQUEST_METHOD", "QUERY_STRING", "REQUEST_URI", "CONTENT_LENGTH", "CONTENT_TYPE",
    "REDIRECT_URL", NULL
};

static int
listed(const char *const *names, const char *key, size_t kl)
{
    for (; *names != NULL; names++)
        if (strlen(*names) == kl && memcmp(*names, key, kl) == 0)
            return 1;
    return 0;
}

/* Add "k=v1v2". */
static void
put2(env_builder_t *b, const char *k, size_t kl, const char *v1, size_t l1, const char *v2,
     size_t l2)
{
    b->v[b->n++] = b->p;
    memcpy(b->p, k, kl);
    b->p[kl] = '=';
    memcpy(b->p + kl + 1, v1, l1);
    memcpy(b->p + kl + 1 + l1, v2, l2);
    b->p[kl + 1 + l1 + l2] = '\0';
    b->p += kl + l1 + l2 + 2;
}

static void
put(env_builder_t *b, const char *k, size_t kl, const char *v, size_t vl)
{
    put2(b, k, kl, v, vl, "", 0);
}

static void
put_str(env_builder_t *b, const char *k, const char *v)
{
    put(b, k, strlen(k), v, strlen(v));
}

/* A "NAME=value" string that is already whole. */
static void
put_whole(env_builder_t *b, const char *kv)
{
    size_t n = strlen(kv) + 1;

    b->v[b->n++] = b->p;
    memcpy(b->p, kv, n);
    b->p += n;
}

char **
cgi_env_build(weft_request_t *r, const cgi_script_t *s, const cgi_redirect_t *redir)
{
    env_builder_t  b;
    const char    *docroot, *query = "";
    size_t         size = 0, dl = 0, ql = 0, pl = strlen(s->path_info);
    unsigned       i, nvars = r->nvars + 20;
    char         **env;

    docroot = cgi_api->var(r, "DOCUMENT_ROOT", &dl);
    if (docroot == NULL || dl == 0) {
        docroot = s->mount->is_file ? s->dir : s->mount->path;
        dl = strlen(docroot);
    }
    for (i = 0; i < r->nvars; i++)
        size += r->vars[i].key_len + r->vars[i].value_len + 2;
    size += strlen(cgi_conf.path_env) + strlen(cgi_conf.software) + strlen(s->filename)
            + strlen(s->script_name) + 2 * pl + 2 * dl + 256;
    if (redir != NULL) {
        const char *q = memchr(redir->uri, '?', redir->uri_len);
        if (q != NULL) {
            query = q + 1;
            ql = redir->uri_len - (size_t) (q + 1 - redir->uri);
        }
        size += 2 * redir->uri_len + redir->orig_len + 64;
    }

    env = malloc(nvars * sizeof(char *) + size);
    if (env == NULL)
        return NULL;
    b.v = env;
    b.n = 0;
    b.p = (char *) (env + nvars);

    for (i = 0; i < r->nvars; i++) {
        const weft_var_t *v = &r->vars[i];

        if (v->key_len == 0 || memchr(v->key, '=', v->key_len) != NULL
            || listed(own, v->key, v->key_len)
            || (redir != NULL && listed(redirected, v->key, v->key_len)))
            continue;
        put(&b, v->key, v->key_len, v->value, v->value_len);
    }
    put_whole(&b, "GATEWAY_INTERFACE=CGI/1.1");
    put_whole(&b, cgi_conf.software);
    put_whole(&b, cgi_conf.path_env);
    put_whole(&b, "REDIRECT_STATUS=200");        /* what php-cgi checks */
    put_str(&b, "SCRIPT_FILENAME", s->filename);
    put_str(&b, "SCRIPT_NAME", s->script_name);
    put(&b, "PATH_INFO", 9, s->path_info, pl);
    if (pl > 0)
        put2(&b, "PATH_TRANSLATED", 15, docroot, dl, s->path_info, pl);
    if (cgi_api->var(r, "DOCUMENT_ROOT", NULL) == NULL)
        put(&b, "DOCUMENT_ROOT", 13, docroot, dl);
    /* The core's scheme, whatever the frontend's HTTPS said. */
    put(&b, "REQUEST_SCHEME", 14, r->url_scheme.data, r->url_scheme.len);
    if (r->url_scheme.len == 5)
        put_whole(&b, "HTTPS=on");
    if (redir != NULL) {
        put_whole(&b, "REQUEST_METHOD=GET");
        put(&b, "QUERY_STRING", 12, query, ql);
        put(&b, "REQUEST_URI", 11, redir->uri, redir->uri_len);
        put(&b, "REDIRECT_URL", 12, redir->orig_uri, redir->orig_len);
    }
    b.v[b.n] = NULL;
    return env;
}
