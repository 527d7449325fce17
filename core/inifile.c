/*
 * core/inifile.c - options from ini files.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>

#include <weft/status.h>
#include "inifile.h"
#include "options.h"
#include "plugin_loader.h"

#define MAX_DEPTH 8

typedef struct {
    FILE        *f;
    const char  *path;
    const char  *section;     /* NULL: [weft] or [uwsgi] */
    int          line;
    int          failed;
    int          applied;
    char        *err;
    size_t       errlen;
} ini_ctx_t;

static int depth;

static char *
read_line(char *str, int num, void *stream)
{
    ini_ctx_t *ctx = stream;
    char      *s = fgets(str, num, ctx->f);

    if (s != NULL)
        ctx->line++;
    return s;
}

static int
wanted_section(const ini_ctx_t *ctx, const char *section)
{
    if (ctx->section != NULL)
        return strcmp(section, ctx->section) == 0;
    return strcmp(section, "weft") == 0 || strcmp(section, "uwsgi") == 0;
}

static int
on_pair(void *user, const char *section, const char *name, const char *value)
{
    ini_ctx_t           *ctx = user;
    const weft_option_t *opt;
    char                 key[128], where[4096], why[1024];
    size_t               i;
    int                  rc;

    if (ctx->failed || !wanted_section(ctx, section))
        return 1;
    snprintf(where, sizeof(where), "%s:%d", ctx->path, ctx->line);

    for (i = 0; name[i] != '\0' && i < sizeof(key) - 1; i++)
        key[i] = name[i] == '_' ? '-' : name[i];
    key[i] = '\0';

    opt = weft_options_find(key, NULL);
    if (opt == NULL) {
        why[0] = '\0';
        rc = weft_plugin_resolve_option(key, why, sizeof(why));
        if (rc == WEFT_ERROR) {
            snprintf(ctx->err, ctx->errlen, "%s: %s", where, why);
            ctx->failed = 1;
            return 0;
        }
        opt = rc == WEFT_OK ? weft_options_find(key, NULL) : NULL;
    }
    if (opt == NULL) {
        snprintf(ctx->err, ctx->errlen, "%s: unknown option '%s' (see weft --help)", where,
                 name);
        ctx->failed = 1;
        return 0;
    }

    if (!weft_option_takes_arg(opt) && opt->type != WEFT_OPT_FLAG) {
        /* "ugreen = true" runs the option; "= false" leaves it out. */
        int on = 1;
        if (value[0] != '\0' && weft_parse_bool(value, &on) != WEFT_OK) {
            snprintf(ctx->err, ctx->errlen, "%s: --%s: '%s' is not a boolean (use true or false)",
                     where, opt->name, value);
            ctx->failed = 1;
            return 0;
        }
        if (!on)
            return 1;
        value = NULL;
    } else if (opt->type == WEFT_OPT_FLAG && value[0] == '\0') {
        value = "true";
    } else if (weft_option_takes_arg(opt) && value[0] == '\0') {
        snprintf(ctx->err, ctx->errlen, "%s: --%s needs a value (%s)", where, opt->name,
                 opt->metavar ? opt->metavar : "an argument");
        ctx->failed = 1;
        return 0;
    }
    if (strcmp(opt->name, "ini") == 0) {
        /* A nested file reports its own file and line. */
        if (weft_ini_load(value, ctx->err, ctx->errlen) != WEFT_OK) {
            ctx->failed = 1;
            return 0;
        }
    } else if (weft_option_apply(opt, value, where, ctx->err, ctx->errlen) != WEFT_OK) {
        ctx->failed = 1;
        return 0;
    }
    ctx->applied++;
    return 1;
}

int
weft_ini_load(const char *spec, char *err, size_t errlen)
{
    ini_ctx_t    ctx;
    char        *path = strdup(spec), *colon;
    struct stat  st;
    int          rc;

    if (path == NULL) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    memset(&ctx, 0, sizeof(ctx));
    /* FILE:SECTION, unless FILE itself has that name. */
    colon = strrchr(path, ':');
    if (colon != NULL && strchr(colon, '/') == NULL && stat(path, &st) != 0) {
        *colon = '\0';
        ctx.section = colon + 1;
    }
    if (depth >= MAX_DEPTH) {
        snprintf(err, errlen, "%s: ini files include each other more than %d deep", path,
                 MAX_DEPTH);
        free(path);
        return WEFT_ERROR;
    }
    ctx.f = fopen(path, "r");
    if (ctx.f == NULL) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        free(path);
        return WEFT_ERROR;
    }
    ctx.path = path;
    ctx.err = err;
    ctx.errlen = errlen;
    depth++;
    rc = ini_parse_stream(read_line, &ctx, on_pair, &ctx);
    depth--;
    fclose(ctx.f);
    if (!ctx.failed && rc > 0) {
        snprintf(err, errlen, "%s:%d: not an ini line (expected name = value or [section])",
                 path, rc);
        ctx.failed = 1;
    }
    if (!ctx.failed && ctx.applied == 0 && ctx.section != NULL) {
        snprintf(err, errlen, "%s: no options in section [%s]", path, ctx.section);
        ctx.failed = 1;
    }
    free(path);
    return ctx.failed ? WEFT_ERROR : WEFT_OK;
}
