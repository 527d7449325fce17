/*
 * core/options.c - option tables, typed values, and the argv walk.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <weft/status.h>
#include "check_config.h"
#include "ini_dialect.h"
#include "inifile.h"
#include "options.h"

typedef struct option_table_s option_table_t;

struct option_table_s {
    const char           *owner;
    const weft_option_t  *options;
    size_t                stride;       /* bytes from one entry to the next */
    option_table_t       *next;
};

static option_table_t  *tables;
static option_table_t **tables_tail = &tables;

/* Every string value ever set, kept for the life of the process (a value
 * set twice leaves its first copy here, not leaked). */
static char   **kept;
static size_t   nkept, kept_cap;

void
weft_options_release_kept(void)
{
    size_t i;

    for (i = 0; i < nkept; i++)
        free(kept[i]);
    nkept = 0;
}

char *
weft_option_keep(const char *value)
{
    char *copy = strdup(value);

    if (copy == NULL)
        return NULL;
    if (nkept == kept_cap) {
        size_t  cap = kept_cap ? kept_cap * 2 : 32;
        char  **k = realloc(kept, cap * sizeof(*k));
        if (k == NULL) {
            free(copy);
            return NULL;
        }
        kept = k;
        kept_cap = cap;
    }
    kept[nkept++] = copy;
    return copy;
}

int
weft_options_add_table(const char *owner, const weft_option_t *table)
{
    return weft_options_add_table_stride(owner, table, sizeof(weft_option_t));
}

int
weft_options_add_table_stride(const char *owner, const weft_option_t *table, size_t stride)
{
    option_table_t *t;

    if (table == NULL)
        return WEFT_OK;
    if (stride < WEFT_OPTION_SIZE_1_0)
        return WEFT_ERROR;
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return WEFT_ERROR;
    t->owner = owner;
    t->options = table;
    t->stride = stride;
    *tables_tail = t;
    tables_tail = &t->next;
    return WEFT_OK;
}

void
weft_options_reset(void)
{
    while (tables != NULL) {
        option_table_t *next = tables->next;
        free(tables);
        tables = next;
    }
    tables_tail = &tables;
}

int
weft_option_name_eq(const char *canonical, const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        char a = canonical[i] == '_' ? '-' : canonical[i];
        char b = name[i] == '_' ? '-' : name[i];
        if (a == '\0' || a != b)
            return 0;
    }
    return canonical[len] == '\0';
}

const weft_option_t *
weft_options_find(const char *name, const char **owner)
{
    option_table_t *t;
    size_t          len;
    const char     *eq;

    while (*name == '-')
        name++;
    eq = strchr(name, '=');
    len = eq ? (size_t) (eq - name) : strlen(name);

    for (t = tables; t != NULL; t = t->next) {
        const weft_option_t *o;
        for (o = t->options; o->name != NULL; o = weft_option_next(o, t->stride)) {
            if (weft_option_name_eq(o->name, name, len)) {
                if (owner)
                    *owner = t->owner;
                return o;
            }
        }
    }
    return NULL;
}

const weft_option_t *
weft_options_find_short(char c, const char **owner)
{
    option_table_t *t;

    for (t = tables; t != NULL; t = t->next) {
        const weft_option_t *o;
        for (o = t->options; o->name != NULL; o = weft_option_next(o, t->stride)) {
            if (o->short_name != 0 && o->short_name == c) {
                if (owner)
                    *owner = t->owner;
                return o;
            }
        }
    }
    return NULL;
}

void
weft_options_each_table(weft_option_table_pt fn, void *data)
{
    option_table_t *t;

    for (t = tables; t != NULL; t = t->next)
        fn(t->owner, t->options, t->stride, data);
}

int
weft_option_takes_arg(const weft_option_t *opt)
{
    switch (opt->type) {
    case WEFT_OPT_FLAG:
        return 0;
    case WEFT_OPT_CALLBACK:
        return !(opt->flags & (WEFT_OPTF_NOARG | WEFT_OPTF_OPTARG));
    default:
        return 1;
    }
}

int
weft_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = { "1", "true", "yes", "on", NULL };
    static const char *const no[] = { "0", "false", "no", "off", NULL };
    int i;

    for (i = 0; yes[i]; i++)
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return WEFT_OK;
        }
    for (i = 0; no[i]; i++)
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return WEFT_OK;
        }
    return WEFT_ERROR;
}

int
weft_parse_size(const char *s, size_t *out)
{
    char               *end;
    unsigned long long  v;
    unsigned            shift = 0;

    if (*s == '\0' || *s == '-')
        return WEFT_ERROR;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s)
        return WEFT_ERROR;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: return WEFT_ERROR;
    }
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end != '\0')
        return WEFT_ERROR;
    if (shift && v > (SIZE_MAX >> shift))
        return WEFT_ERROR;
    *out = (size_t) (v << shift);
    return WEFT_OK;
}

int
weft_option_false(const char *s)
{
    static const char *const no[] = { "0", "false", "no", "off", NULL };
    size_t len = strcspn(s, " \t#;");
    int    i;

    for (i = 0; no[i]; i++)
        if (strlen(no[i]) == len && strncasecmp(s, no[i], len) == 0)
            return 1;
    return 0;
}

const char *
weft_option_number_text(const char *value, char *buf, size_t buflen)
{
    size_t len = strcspn(value, " \t");
    size_t rest = len + strspn(value + len, " \t");

    if (value[len] == '\0' || (value[rest] != '#' && value[rest] != ';') || len >= buflen)
        return value;
    memcpy(buf, value, len);
    buf[len] = '\0';
    return buf;
}

static int
has_bounds(const weft_option_t *opt)
{
    return opt->min != 0 || opt->max != 0;
}

static int
out_of_bounds(const weft_option_t *opt, double v)
{
    return has_bounds(opt) && (v < opt->min || v > opt->max);
}

int
weft_strlist_append(weft_strlist_t *l, const char *value)
{
    const char **v;
    char        *copy;

    v = realloc(l->v, (l->n + 2) * sizeof(*v));
    if (v == NULL)
        return WEFT_ERROR;
    l->v = v;
    copy = weft_option_keep(value);
    if (copy == NULL)
        return WEFT_ERROR;
    v[l->n++] = copy;
    v[l->n] = NULL;
    l->v = v;
    return WEFT_OK;
}

static int apply_typed(const weft_option_t *opt, const char *value, const char *where,
                       char *err, size_t errlen);

int
weft_option_apply(const weft_option_t *opt, const char *value, const char *where,
                  char *err, size_t errlen)
{
    char num[128];

    if (value != NULL && (opt->type == WEFT_OPT_INT || opt->type == WEFT_OPT_DOUBLE
                          || opt->type == WEFT_OPT_SIZE))
        value = weft_option_number_text(value, num, sizeof(num));
    if (apply_typed(opt, value, where, err, errlen) != WEFT_OK)
        return WEFT_ERROR;
    if (opt->type == WEFT_OPT_FLAG)
        value = value == NULL || !weft_option_false(value) ? "true" : "false";
    weft_config_record(opt->name, value != NULL ? value : "true");
    /* %(name) of an option, as in uWSGI (where it was given too). */
    if (weft_ini_ph_set(opt->name, value != NULL ? value : "true") != WEFT_OK) {
        snprintf(err, errlen, "%s: --%s: out of memory", where, opt->name);
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

/* Store one value by the option's type (the rules of weft_option_apply). */
static int
apply_typed(const weft_option_t *opt, const char *value, const char *where,
            char *err, size_t errlen)
{
    char   *end;
    char    why[256];
    int     b;

    why[0] = '\0';

    if (value == NULL && weft_option_takes_arg(opt)) {
        snprintf(err, errlen, "%s: --%s needs a value (%s)", where, opt->name,
                 opt->metavar ? opt->metavar : "an argument");
        return WEFT_ERROR;
    }

    switch (opt->type) {
    case WEFT_OPT_FLAG:
        b = value == NULL || !weft_option_false(value);
        *(int *) opt->data = b;
        return WEFT_OK;

    case WEFT_OPT_STRING: {
        char *copy = weft_option_keep(value);
        if (copy == NULL)
            goto nomem;
        *(const char **) opt->data = copy;
        return WEFT_OK;
    }

    case WEFT_OPT_LIST:
        if (weft_strlist_append(opt->data, value) != WEFT_OK)
            goto nomem;
        return WEFT_OK;

    case WEFT_OPT_INT: {
        long v;
        errno = 0;
        v = strtol(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0') {
            snprintf(err, errlen, "%s: --%s: '%s' is not a whole number", where,
                     opt->name, value);
            return WEFT_ERROR;
        }
        if (out_of_bounds(opt, (double) v)) {
            snprintf(err, errlen, "%s: --%s: %ld is out of range (%.0f to %.0f)", where,
                     opt->name, v, opt->min, opt->max);
            return WEFT_ERROR;
        }
        *(long *) opt->data = v;
        return WEFT_OK;
    }

    case WEFT_OPT_DOUBLE: {
        double v;
        errno = 0;
        v = strtod(value, &end);
        if (errno != 0 || end == value || *end != '\0' || !isfinite(v)) {
            snprintf(err, errlen, "%s: --%s: '%s' is not a number", where, opt->name,
                     value);
            return WEFT_ERROR;
        }
        if (out_of_bounds(opt, v)) {
            snprintf(err, errlen, "%s: --%s: %s is out of range (%g to %g)", where,
                     opt->name, value, opt->min, opt->max);
            return WEFT_ERROR;
        }
        *(double *) opt->data = v;
        return WEFT_OK;
    }

    case WEFT_OPT_SIZE: {
        size_t v;
        if (weft_parse_size(value, &v) != WEFT_OK) {
            snprintf(err, errlen, "%s: --%s: '%s' is not a size (such as 4096, 64k, 1m)",
                     where, opt->name, value);
            return WEFT_ERROR;
        }
        if (out_of_bounds(opt, (double) v)) {
            snprintf(err, errlen, "%s: --%s: %s is out of range (%.0f to %.0f bytes)",
                     where, opt->name, value, opt->min, opt->max);
            return WEFT_ERROR;
        }
        *(size_t *) opt->data = v;
        return WEFT_OK;
    }

    case WEFT_OPT_CALLBACK:
        if (opt->set == NULL)
            break;
        if (opt->set(opt, value, why, sizeof(why)) != WEFT_OK) {
            snprintf(err, errlen, "%s: --%s: %s", where, opt->name,
                     why[0] ? why : "invalid value");
            return WEFT_ERROR;
        }
        return WEFT_OK;
    }

    snprintf(err, errlen, "%s: --%s: the option table is broken (type %d)", where,
             opt->name, (int) opt->type);
    return WEFT_ERROR;

nomem:
    snprintf(err, errlen, "%s: --%s: out of memory", where, opt->name);
    return WEFT_ERROR;
}

/* Find a long option, asking the resolver to load its plugin if needed. */
static const weft_option_t *
lookup_long(const char *name, weft_option_resolver_pt resolve, char *err, size_t errlen,
            int *failed)
{
    const weft_option_t *opt = weft_options_find(name, NULL);
    int                  rc;

    *failed = 0;
    if (opt != NULL || resolve == NULL)
        return opt;
    rc = resolve(name, err, errlen);
    if (rc == WEFT_ERROR) {
        *failed = 1;
        return NULL;
    }
    return rc == WEFT_OK ? weft_options_find(name, NULL) : NULL;
}

int
weft_options_parse_argv(int argc, char **argv, weft_option_resolver_pt resolve,
                        char *err, size_t errlen)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char          *arg = argv[i];
        const char          *value = NULL;
        const weft_option_t *opt;
        char                 name[128];
        int                  failed = 0;

        if (arg[0] != '-' || arg[1] == '\0') {
            /* "weft app.ini" reads it, as "uwsgi app.ini" does. */
            const weft_option_t *ini = weft_options_find("ini", NULL);
            if (ini != NULL && (strstr(arg, ".ini:") != NULL
                                || (strlen(arg) > 4 && strcmp(arg + strlen(arg) - 4, ".ini") == 0))) {
                if (weft_option_apply(ini, arg, "command line", err, errlen) != WEFT_OK)
                    return WEFT_ERROR;
                continue;
            }
            snprintf(err, errlen, "unexpected argument '%s' (options start with --; see weft --help)",
                     arg);
            return WEFT_ERROR;
        }

        if (arg[1] == '-') {
            const char *eq = strchr(arg + 2, '=');
            size_t      len = eq ? (size_t) (eq - arg - 2) : strlen(arg + 2);

            if (len == 0 || len >= sizeof(name)) {
                snprintf(err, errlen, "bad option '%s'", arg);
                return WEFT_ERROR;
            }
            memcpy(name, arg + 2, len);
            name[len] = '\0';
            if (eq)
                value = eq + 1;

            opt = lookup_long(name, resolve, err, errlen, &failed);
            if (failed)
                return WEFT_ERROR;
            if (opt == NULL) {
                /* A uWSGI option weft answers without one of its own. */
                int rc;
                if (value == NULL && weft_compat_takes_value(name) && i + 1 < argc
                    && argv[i + 1][0] != '-')
                    value = argv[++i];
                rc = weft_ini_apply_compat(name, value, value == NULL, "command line", err,
                                           errlen);
                if (rc == WEFT_OK)
                    continue;
                if (rc == WEFT_ERROR)
                    return WEFT_ERROR;
                snprintf(err, errlen, "unknown option --%s (no loaded or installed plugin provides it; see weft --help)",
                         name);
                return WEFT_ERROR;
            }
        } else {
            opt = weft_options_find_short(arg[1], NULL);
            if (opt == NULL && resolve != NULL) {
                /* A plugin's short option loads it too ("-w app"). */
                char short_name[3] = { '-', arg[1], '\0' };
                int  rc = resolve(short_name, err, errlen);
                if (rc == WEFT_ERROR)
                    return WEFT_ERROR;
                if (rc == WEFT_OK)
                    opt = weft_options_find_short(arg[1], NULL);
            }
            if (opt == NULL) {
                snprintf(err, errlen, "unknown option -%c (see weft --help)", arg[1]);
                return WEFT_ERROR;
            }
            if (arg[2] != '\0') {
                if (!weft_option_takes_arg(opt)) {
                    snprintf(err, errlen, "-%c takes no value", arg[1]);
                    return WEFT_ERROR;
                }
                value = arg + 2;
            }
        }

        if (value == NULL && weft_option_takes_arg(opt)) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "command line: --%s needs a value (%s)", opt->name,
                         opt->metavar ? opt->metavar : "an argument");
                return WEFT_ERROR;
            }
            value = argv[++i];
        } else if (value != NULL && opt->type == WEFT_OPT_CALLBACK
                   && (opt->flags & WEFT_OPTF_NOARG)) {
            snprintf(err, errlen, "command line: --%s takes no value", opt->name);
            return WEFT_ERROR;
        }

        if (weft_option_apply(opt, value, "command line", err, errlen) != WEFT_OK)
            return WEFT_ERROR;
    }
    return WEFT_OK;
}

void
weft_options_print_table(const weft_option_t *table, void *file)
{
    weft_options_print_table_stride(table, sizeof(weft_option_t), file);
}

void
weft_options_print_table_stride(const weft_option_t *table, size_t stride, void *file)
{
    FILE                *f = file;
    const weft_option_t *o;

    for (o = table; o->name != NULL; o = weft_option_next(o, stride)) {
        char left[96];
        int  n;

        if (o->short_name)
            n = snprintf(left, sizeof(left), "  -%c, --%s", o->short_name, o->name);
        else
            n = snprintf(left, sizeof(left), "      --%s", o->name);
        if (weft_option_takes_arg(o) && n > 0 && (size_t) n < sizeof(left))
            snprintf(left + n, sizeof(left) - (size_t) n, " %s",
                     o->metavar ? o->metavar : "VALUE");
        else if ((o->flags & WEFT_OPTF_OPTARG) && n > 0 && (size_t) n < sizeof(left))
            snprintf(left + n, sizeof(left) - (size_t) n, "[=%s]",
                     o->metavar ? o->metavar : "VALUE");
        if (strlen(left) > 30)
            fprintf(f, "%s\n%32s%s\n", left, "", o->help ? o->help : "");
        else
            fprintf(f, "%-32s%s\n", left, o->help ? o->help : "");
    }
}
