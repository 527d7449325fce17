/*
 * core/inifile.c - options from ini files: read and run the file with the
 * dialect (core/ini_read.c, ini_blocks.c ...), then apply what takes
 * effect, in order, to the options.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <weft/status.h>
#include "check_config.h"
#include "ini_dialect.h"
#include "inifile.h"
#include "log.h"
#include "options.h"
#include "plugin_loader.h"
#include "uwsgi_compat.h"

int weft_ini_strict;

/* The file named on the command line first (%D, %O ... refer to it). */
static const char *top_file;

typedef struct {
    weft_ini_list_t out;       /* the entries that take effect */
} collect_t;

/* weft_ini_run's emit: keep a copy of an entry that takes effect. */
static int
collect(const weft_ini_entry_t *e, const char *value, void *data)
{
    collect_t        *c = data;
    weft_ini_entry_t *v;

    if (c->out.n == c->out.cap) {
        size_t cap = c->out.cap ? c->out.cap * 2 : 32;
        v = realloc(c->out.v, cap * sizeof(*v));
        if (v == NULL)
            return WEFT_ERROR;
        c->out.v = v;
        c->out.cap = cap;
    }
    v = &c->out.v[c->out.n];
    *v = *e;
    v->key = strdup(e->key);
    v->value = strdup(value);
    if (v->key == NULL || v->value == NULL) {
        free(v->key);
        free(v->value);
        return WEFT_ERROR;
    }
    c->out.n++;
    return WEFT_OK;
}

/* Find a real option, loading the plugin that provides it if one does;
 * *failed when loading failed (err says why). */
static const weft_option_t *
find_option(const char *key, const char *where, int *failed, char *err, size_t errlen)
{
    const weft_option_t *opt = weft_options_find(key, NULL);
    char                 why[1024];
    int                  rc;

    *failed = 0;
    if (opt != NULL)
        return opt;
    why[0] = '\0';
    rc = weft_plugin_resolve_option(key, why, sizeof(why));
    if (rc == WEFT_ERROR) {
        snprintf(err, errlen, "%s: %s", where, why);
        *failed = 1;
        return NULL;
    }
    return rc == WEFT_OK ? weft_options_find(key, NULL) : NULL;
}

/* Apply a real option with a file's value rules. */
static int
apply_option(const weft_option_t *opt, const char *value, int bare, const char *where,
             char *err, size_t errlen)
{
    const char *v = value;

    if (weft_check_mode && weft_check_skip_apply(opt->name)) {
        weft_config_record(opt->name, bare ? "true" : value);
        weft_check_value(where, opt->name, value);
        weft_check_line(where, opt->name, "note",
                        "not applied by --check-config (it opens or detaches); applied when weft starts");
        return WEFT_OK;
    }
    if (weft_option_takes_arg(opt)) {
        if (bare || value[0] == '\0') {
            snprintf(err, errlen, "%s: --%s needs a value (%s)", where, opt->name,
                     opt->metavar ? opt->metavar : "an argument");
            return WEFT_ERROR;
        }
    } else if (opt->type == WEFT_OPT_FLAG) {
        if (bare || value[0] == '\0')
            v = NULL;
    } else if (opt->flags & WEFT_OPTF_OPTARG) {
        if (bare || value[0] == '\0')
            v = NULL;
    } else {
        /* "ugreen = true" runs the option; "= false" leaves it out. */
        if (!bare && value[0] != '\0' && weft_option_false(value))
            return WEFT_OK;
        v = NULL;
    }
    if (weft_option_apply(opt, v, where, err, errlen) != WEFT_OK)
        return WEFT_ERROR;
    weft_check_value(where, opt->name, v);
    return WEFT_OK;
}

/* Apply a key that a row of the uWSGI table answers, as its status says. */
static int
apply_compat(const weft_compat_t *c, const char *key, const char *value, int bare,
             const char *where, char *err, size_t errlen)
{
    const char *status = weft_compat_status_name(c->status);

    switch (c->status) {
    case WEFT_COMPAT_ACCEPTED:
        weft_config_record(key, bare ? "true" : value);
        weft_check_line(where, key, status, "%s", c->why);
        weft_log(WEFT_LOG_DEBUG, "%s: %s: accepted: %s", where, key, c->why);
        return WEFT_OK;

    case WEFT_COMPAT_MAPPED: {
        int                  failed;
        const weft_option_t *opt = find_option(c->target, where, &failed, err, errlen);
        if (failed)
            return WEFT_ERROR;
        if (opt == NULL) {
            snprintf(err, errlen, "%s: %s is weft's --%s, which no loaded or installed plugin provides",
                     where, key, c->target);
            return WEFT_ERROR;
        }
        weft_check_line(where, key, status, "applied as --%s: %s", opt->name, c->why);
        if (!weft_check_mode)
            weft_log(WEFT_LOG_INFO, "%s: %s: applied as --%s", where, key, opt->name);
        return apply_option(opt, value, bare, where, err, errlen);
    }

    case WEFT_COMPAT_IGNORED:
    case WEFT_COMPAT_UNSUPPORTED:
        if (weft_ini_strict) {
            snprintf(err, errlen, "%s: %s: a uWSGI option weft %s (%s); strict = true makes it an error",
                     where, key,
                     c->status == WEFT_COMPAT_IGNORED ? "ignores" : "does not support", c->why);
            return WEFT_ERROR;
        }
        weft_config_record(key, bare ? "true" : value);
        weft_check_line(where, key, status, "%s", c->why);
        if (!weft_check_mode)
            weft_log(WEFT_LOG_WARN, "%s: %s: a uWSGI option weft %s, going on: %s", where, key,
                     c->status == WEFT_COMPAT_IGNORED ? "ignores" : "does not support", c->why);
        return WEFT_OK;
    }
    snprintf(err, errlen, "%s: %s: the uWSGI table is broken", where, key);
    return WEFT_ERROR;
}

int
weft_ini_apply_compat(const char *name, const char *value, int bare, const char *where,
                      char *err, size_t errlen)
{
    const weft_compat_t *c = weft_compat_find(name);

    if (c == NULL)
        return WEFT_DECLINED;
    return apply_compat(c, name, value != NULL ? value : "", bare || value == NULL, where,
                        err, errlen);
}

int
weft_compat_takes_value(const char *name)
{
    const weft_compat_t *c = weft_compat_find(name);

    return c != NULL && c->status != WEFT_COMPAT_ACCEPTED;
}

int
weft_ini_apply_key(const char *key, const char *value, int bare, const char *where,
                   char *err, size_t errlen)
{
    const weft_option_t *opt;
    const weft_compat_t *c;
    int                  failed;

    opt = find_option(key, where, &failed, err, errlen);
    if (failed)
        return WEFT_ERROR;
    if (opt != NULL)
        return apply_option(opt, value, bare, where, err, errlen);
    if ((c = weft_compat_find(key)) != NULL)
        return apply_compat(c, key, value, bare, where, err, errlen);

    /* Not an option: a placeholder, as in uWSGI. */
    if (weft_ini_strict) {
        snprintf(err, errlen, "%s: '%s' is not an option (strict = true: a typo? set a placeholder with set-placeholder = %s=VALUE)",
                 where, key, key);
        return WEFT_ERROR;
    }
    weft_config_record(key, value);
    if (weft_ini_ph_used(key)) {
        weft_check_line(where, key, "placeholder", "not an option; kept as a placeholder, used as %%(%s)",
                        key);
    } else {
        weft_check_line(where, key, "placeholder",
                        "not an option; kept as a placeholder, as uWSGI does: a typo?");
        if (!weft_check_mode)
            weft_log(WEFT_LOG_WARN, "%s: '%s' is not an option; kept as a placeholder, as uWSGI does: a typo?",
                     where, key);
    }
    return WEFT_OK;
}

int
weft_ini_load(const char *spec, char *err, size_t errlen)
{
    weft_ini_list_t list = { NULL, 0, 0 };
    collect_t       c;
    char           *path = strdup(spec), *colon;
    const char     *section = NULL;
    struct stat     st;
    size_t          i;
    int             rc;

    memset(&c, 0, sizeof(c));
    if (path == NULL) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    /* FILE:SECTION, unless FILE itself has that name. */
    colon = strrchr(path, ':');
    if (colon != NULL && strchr(colon, '/') == NULL && stat(path, &st) != 0) {
        *colon = '\0';
        section = colon + 1;
    }
    if (top_file == NULL)
        top_file = weft_option_keep(path);

    rc = weft_ini_read(path, section, top_file, 0, &list, 0, err, errlen);
    if (rc == WEFT_OK && list.n == 0 && section == NULL) {
        if (weft_check_mode)
            weft_check_line(path, "[uwsgi]", "note", "no [uwsgi] or [weft] section: nothing read from it");
        else
            weft_log(WEFT_LOG_WARN, "%s: no [uwsgi] or [weft] section: nothing read from it", path);
    }
    if (rc == WEFT_OK)
        rc = weft_ini_run(&list, top_file, collect, &c, err, errlen);

    /* A %(name) used before the line that defines it: uWSGI expands the
     * placeholders once the whole file is read, so it finds it too. */
    for (i = 0; rc == WEFT_OK && i < c.out.n; i++) {
        weft_ini_entry_t *e = &c.out.v[i];
        char             *again, why[1024];

        if (strstr(e->value, "%(") == NULL)
            continue;
        if (weft_ini_expand(e->value, &again, why, sizeof(why)) != WEFT_OK) {
            snprintf(err, errlen, "%s:%d: %s: %s", e->file, e->line, e->key, why);
            rc = WEFT_ERROR;
            break;
        }
        free(e->value);
        e->value = again;
    }

    /* strict = true anywhere in the file holds for all of it. */
    for (i = 0; rc == WEFT_OK && i < c.out.n; i++)
        if (weft_option_name_eq("strict", c.out.v[i].key, strlen(c.out.v[i].key)))
            weft_ini_strict = c.out.v[i].bare || c.out.v[i].value[0] == '\0'
                              || !weft_option_false(c.out.v[i].value);

    for (i = 0; rc == WEFT_OK && i < c.out.n; i++) {
        const weft_ini_entry_t *e = &c.out.v[i];
        char                    where[4096];

        snprintf(where, sizeof(where), "%s:%d", e->file, e->line);
        rc = weft_ini_apply_key(e->key, e->value, e->bare, where, err, errlen);
    }
    weft_ini_list_free(&list);
    weft_ini_list_free(&c.out);
    free(path);
    return rc;
}
