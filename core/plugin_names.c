/*
 * core/plugin_names.c - uWSGI's plugin names, as ini files give them to
 * `plugins =`, mapped to weft's (python3 -> python, psgi -> perl, ...).
 * What uWSGI needs a plugin for and weft has built in (the HTTP router, the
 * file logger) loads nothing.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <weft/status.h>
#include "log.h"
#include "opts.h"
#include "plugin_loader.h"

/* A name that starts with prefix and goes on only with digits, dots or
 * "_"/"-" and digits (python311, python3.11, rack_ruby31). */
static int
prefix_digits(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    const char *p;

    if (strncmp(name, prefix, n) != 0)
        return 0;
    for (p = name + n; *p != '\0'; p++)
        if (!isdigit((unsigned char) *p) && *p != '.')
            return 0;
    return 1;
}

const char *
weft_plugin_name_map(const char *name)
{
    static const char *const builtin[] = {
        "logfile", "http", "corerouter", "syslog", "rsyslog", NULL
    };
    unsigned i;

    if (strchr(name, '/') != NULL)
        return name;
    for (i = 0; builtin[i] != NULL; i++)
        if (strcmp(name, builtin[i]) == 0)
            return "";
    if (strncmp(name, "router_", 7) == 0)
        return "";
    if (prefix_digits(name, "python"))
        return "python";
    if (strcmp(name, "rack") == 0 || prefix_digits(name, "rack_ruby")
        || prefix_digits(name, "ruby"))
        return "ruby";
    if (strcmp(name, "psgi") == 0)
        return "perl";
    if (prefix_digits(name, "greenlet_python"))
        return "greenlet";
    if (prefix_digits(name, "gevent_python"))
        return "gevent";
    if (strcmp(name, "coroae") == 0 || prefix_digits(name, "coroae_perl"))
        return "coroae";
    if (prefix_digits(name, "fiber_ruby") || strcmp(name, "rbfiber") == 0)
        return "fiber";
    return name;
}

struct names_s {
    char   list[512];
    size_t len;
};

/* weft_plugins_each_installed() visitor: append the plugin's name. */
static void
add_name(const weft_plugin_t *desc, const char *path, void *data)
{
    struct names_s *n = data;
    int             r;

    r = snprintf(n->list + n->len, sizeof(n->list) - n->len, "%s%s",
                 n->len ? ", " : "", desc->name);
    if (r > 0 && n->len + (size_t) r < sizeof(n->list))
        n->len += (size_t) r;
}

/* Whether a plugin of this name is installed (its .so is in the directory). */
static int
installed(const char *name)
{
    char        path[4096];
    struct stat st;
    size_t      n = strlen(name);

    if (n > 3 && strcmp(name + n - 3, ".so") == 0)
        snprintf(path, sizeof(path), "%s/%s", weft_plugin_dir(), name);
    else
        snprintf(path, sizeof(path), "%s/%s.so", weft_plugin_dir(), name);
    return stat(path, &st) == 0;
}

int
weft_plugin_load_uwsgi_list(const char *list, char *err, size_t errlen)
{
    char  copy[1024], *save = NULL, *tok;

    if (strlen(list) >= sizeof(copy)) {
        snprintf(err, errlen, "the plugin list is too long");
        return WEFT_ERROR;
    }
    strcpy(copy, list);
    for (tok = strtok_r(copy, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
        const char *name = weft_plugin_name_map(tok);

        if (name[0] == '\0') {
            weft_log(WEFT_LOG_INFO, "plugin %s: built into weft, nothing to load", tok);
            continue;
        }
        if (strchr(name, '/') == NULL && !installed(name)) {
            struct names_s n = { .len = 0 };
            weft_plugins_each_installed(add_name, &n);
            snprintf(err, errlen,
                     "plugin '%s' not found: there is no %s/%s.so; weft has: %s (uWSGI's "
                     "names such as python3, rack, psgi, gevent_python3 map to these; "
                     "logfile, http and router_* are built in)", tok, weft_plugin_dir(), name,
                     n.len ? n.list : "none");
            return WEFT_ERROR;
        }
        if (strcmp(name, tok) != 0)
            weft_log(WEFT_LOG_INFO, "plugin %s: loading weft's %s", tok, name);
        if (weft_plugin_load(name, 1, err, errlen) != WEFT_OK)
            return WEFT_ERROR;
    }
    return WEFT_OK;
}
