/*
 * core/ini_blocks.c - run the entries of an ini file top to bottom, as
 * uWSGI does: block statements (if-*, else, endif, for*, endfor, end) take
 * effect as they are met, an include (ini = ...) is read and spliced in
 * where it stands ("expand asap"), every value is expanded and every key
 * becomes a placeholder.  The context placeholder %(_) holds the value an
 * if-* found or the item a for is at.
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <weft/status.h>
#include "ini_dialect.h"
#include "options.h"

#define MAX_DEPTH  8
#define MAX_BLOCKS 32

typedef struct {
    int      is_for;
    int      live;       /* entries inside take effect */
    int      taken;      /* if: a branch was taken (else flips once) */
    int      parent_live;
    size_t   body;       /* for: index of the first entry inside */
    char   **items;      /* for: what %(_) goes through */
    size_t   nitems, item;
    char    *saved_ctx;  /* %(_) outside the block (NULL: none) */
    size_t   opened;     /* index of the entry that opened it */
    int      line_mode;  /* for: each line goes through every item in turn */
    size_t   end;        /* line_mode: index of its endfor */
} frame_t;

typedef struct {
    frame_t f[MAX_BLOCKS];
    int     n;
} stack_t_;

/* Whether key is the statement name ('_' and '-' alike). */
static int
key_is(const char *key, const char *name)
{
    return weft_option_name_eq(name, key, strlen(key));
}

static const char *const if_names[] = {
    "if-env", "if-not-env", "if-exists", "if-not-exists", "if-file", "if-not-file",
    "if-dir", "if-not-dir", "if-opt", "if-not-opt", "if-option", "if-not-option",
    "if-hostname", "if-not-hostname", NULL
};
static const char *const for_names[] = { "for", "for-glob", "for-readline", "for-times", NULL };

/* Whether key is one of names. */
static int
in(const char *key, const char *const *names)
{
    int i;

    for (i = 0; names[i] != NULL; i++)
        if (key_is(key, names[i]))
            return 1;
    return 0;
}

int
weft_ini_is_statement(const char *key)
{
    return in(key, if_names) || in(key, for_names) || key_is(key, "else")
           || key_is(key, "endif") || key_is(key, "end-if") || key_is(key, "endfor")
           || key_is(key, "end-for") || key_is(key, "end") || key_is(key, "ini")
           || key_is(key, "set-placeholder") || key_is(key, "set-ph");
}

/* Whether entries take effect where the run is (every open block live). */
static int
live(const stack_t_ *st)
{
    return st->n == 0 || st->f[st->n - 1].live;
}

/* Set the context placeholder %(_). */
static void
set_ctx(const char *v)
{
    weft_ini_ph_replace("_", v);
}

/* A malloc'd copy of %(_), or NULL when none is set. */
static char *
get_ctx(void)
{
    const char *v = weft_ini_ph_get("_");

    return v ? strdup(v) : NULL;
}

/* Evaluate an if-*: *ctx gets what %(_) becomes (malloc'd). */
static int
condition(const char *key, const char *value, char **ctx)
{
    int         negate = strstr(key, "not") != NULL;
    int         yes = 0;
    struct stat st;

    *ctx = NULL;
    if (strstr(key, "env") != NULL || strstr(key, "opt") != NULL) {
        const char *eq = strchr(value, '=');
        char        name[512];
        const char *v;
        size_t      len = eq ? (size_t) (eq - value) : strlen(value);

        if (len >= sizeof(name))
            len = sizeof(name) - 1;
        memcpy(name, value, len);
        name[len] = '\0';
        v = strstr(key, "env") != NULL ? getenv(name) : weft_ini_ph_get(name);
        yes = v != NULL && (eq == NULL || strcmp(v, eq + 1) == 0);
        if (v != NULL)
            *ctx = strdup(v);
    } else if (strstr(key, "hostname") != NULL) {
        char host[256] = "";
        gethostname(host, sizeof(host) - 1);
        yes = strcmp(host, value) == 0;
        *ctx = strdup(host);
    } else {
        int ok = stat(value, &st) == 0;
        if (strstr(key, "file") != NULL)
            yes = ok && S_ISREG(st.st_mode);
        else if (strstr(key, "dir") != NULL)
            yes = ok && S_ISDIR(st.st_mode);
        else
            yes = ok;
        *ctx = strdup(value);
    }
    return negate ? !yes : yes;
}

/* Add the first len bytes of s to the items of a for. */
static int
push_item(frame_t *f, const char *s, size_t len)
{
    char **v = realloc(f->items, (f->nitems + 1) * sizeof(*v));

    if (v == NULL)
        return WEFT_ERROR;
    f->items = v;
    if ((v[f->nitems] = strndup(s, len)) == NULL)
        return WEFT_ERROR;
    f->nitems++;
    return WEFT_OK;
}

/* The items a for* goes through. */
static int
for_items(const char *key, const char *value, frame_t *f, char *err, size_t errlen)
{
    if (key_is(key, "for-glob")) {
        glob_t g;
        size_t i;
        if (glob(value, 0, NULL, &g) == 0) {
            for (i = 0; i < g.gl_pathc; i++)
                if (push_item(f, g.gl_pathv[i], strlen(g.gl_pathv[i])) != WEFT_OK)
                    break;
            globfree(&g);
        }
    } else if (key_is(key, "for-readline")) {
        FILE   *fp = fopen(value, "r");
        char   *line = NULL;
        size_t  cap = 0;
        ssize_t n;
        if (fp == NULL) {
            snprintf(err, errlen, "for-readline = %s: cannot read it", value);
            return WEFT_ERROR;
        }
        while ((n = getline(&line, &cap, fp)) >= 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = '\0';
            if (n > 0 && push_item(f, line, (size_t) n) != WEFT_OK)
                break;
        }
        free(line);
        fclose(fp);
    } else if (key_is(key, "for-times")) {
        char  *end;
        long   i, times;
        char   num[32];

        errno = 0;
        times = strtol(value, &end, 10);
        if (end == value || times < 0) {
            snprintf(err, errlen, "for-times = %s: not a number", value);
            return WEFT_ERROR;
        }
        if (errno == ERANGE || times > WEFT_INI_MAX_ITEMS) {
            snprintf(err, errlen, "for-times = %s: more than %d times", value,
                     WEFT_INI_MAX_ITEMS);
            return WEFT_ERROR;
        }
        for (i = 1; i <= times; i++) {
            snprintf(num, sizeof(num), "%ld", i);
            if (push_item(f, num, strlen(num)) != WEFT_OK) {
                snprintf(err, errlen, "for-times = %s: out of memory", value);
                return WEFT_ERROR;
            }
        }
    } else {
        const char *s = value;
        while (*s) {
            size_t len;
            s += strspn(s, " \t");
            len = strcspn(s, " \t");
            if (len > 0 && push_item(f, s, len) != WEFT_OK)
                break;
            s += len;
        }
    }
    return WEFT_OK;
}

/* Close the innermost block, giving %(_) back the value it had outside. */
static void
pop(stack_t_ *st)
{
    frame_t *f = &st->f[--st->n];
    size_t   i;

    if (f->saved_ctx != NULL)
        set_ctx(f->saved_ctx);
    else if (f->parent_live)
        weft_ini_ph_forget("_");
    free(f->saved_ctx);
    for (i = 0; i < f->nitems; i++)
        free(f->items[i]);
    free(f->items);
    memset(f, 0, sizeof(*f));
}

/*
 * uWSGI applies a for to each line of its body in turn (every item for
 * the first line, then for the second ...).  That holds for a body of
 * plain lines; one with blocks or includes in it is repeated as a whole.
 * Returns whether the for opened at index at has a plain body, and its
 * endfor's index in *end.
 */
static int
plain_body(const weft_ini_list_t *list, size_t at, size_t *end)
{
    size_t j;

    for (j = at + 1; j < list->n; j++) {
        const char *k = list->v[j].key;
        if (key_is(k, "endfor") || key_is(k, "end-for") || key_is(k, "end")) {
            *end = j;
            return 1;
        }
        if (weft_ini_is_statement(k) && !key_is(k, "set-placeholder") && !key_is(k, "set-ph"))
            return 0;
    }
    return 0;
}

/* ini = FILE[:SECTION] or :SECTION (of the last file read): splice it in
 * after entry i. */
static int
include(weft_ini_list_t *list, size_t i, const char *value, const char *top,
        const char **last, char *err, size_t errlen)
{
    const weft_ini_entry_t *e = &list->v[i];
    char                   *path, *colon;
    const char             *section = NULL;
    struct stat             st;
    int                     rc;

    if (e->depth + 1 > MAX_DEPTH) {
        snprintf(err, errlen, "%s:%d: ini files include each other more than %d deep",
                 e->file, e->line, MAX_DEPTH);
        return WEFT_ERROR;
    }
    if (value[0] == ':') {
        path = strdup(*last ? *last : e->file);
        section = value + 1;
    } else {
        path = strdup(value);
        colon = path ? strrchr(path, ':') : NULL;
        if (colon != NULL && strchr(colon, '/') == NULL && stat(path, &st) != 0) {
            *colon = '\0';
            section = value + (colon - path) + 1;
        }
    }
    if (path == NULL) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    rc = weft_ini_read(path, section, top, e->depth + 1, list, i + 1, err, errlen);
    if (rc != WEFT_OK && strncmp(err, path, strlen(path)) != 0) {
        /* Name the line that asked for it. */
        char why[1024];
        snprintf(why, sizeof(why), "%s", err);
        snprintf(err, errlen, "%s:%d: ini = %s: %s", list->v[i].file, list->v[i].line, value,
                 why);
    }
    if (rc == WEFT_OK)
        *last = weft_option_keep(path);
    free(path);
    return rc;
}

int
weft_ini_run(weft_ini_list_t *list, const char *top, weft_ini_emit_pt emit, void *data,
             char *err, size_t errlen)
{
    stack_t_    st;
    size_t      i;
    const char *last = NULL;
    char        why[1024];
    int         rc = WEFT_OK;
    long        steps = 0;

    memset(&st, 0, sizeof(st));
    for (i = 0; i < list->n && rc == WEFT_OK; i++) {
        const weft_ini_entry_t *e = &list->v[i];
        const char             *key = e->key;
        char                   *value = NULL;
        frame_t                *top_f = st.n ? &st.f[st.n - 1] : NULL;
        int                     opens = in(key, if_names) || in(key, for_names);

        if (++steps > WEFT_INI_MAX_STEPS) {
            snprintf(err, errlen, "%s:%d: more than %d lines run (for* blocks that "
                     "multiply?)", e->file, e->line, WEFT_INI_MAX_STEPS);
            rc = WEFT_ERROR;
            break;
        }

        if (opens && st.n == MAX_BLOCKS) {
            snprintf(err, errlen, "%s:%d: blocks nested more than %d deep", e->file, e->line,
                     MAX_BLOCKS);
            rc = WEFT_ERROR;
            break;
        }
        /* Values expand only where they take effect. */
        if (live(&st) && weft_ini_expand(e->value, &value, why, sizeof(why)) != WEFT_OK) {
            snprintf(err, errlen, "%s:%d: %s: %s", e->file, e->line, key, why);
            rc = WEFT_ERROR;
            break;
        }

        if (opens) {
            frame_t *f = &st.f[st.n];
            memset(f, 0, sizeof(*f));
            f->opened = i;
            f->parent_live = live(&st);
            f->is_for = in(key, for_names);
            if (f->parent_live) {
                f->saved_ctx = get_ctx();
                if (f->is_for) {
                    if (for_items(key, value, f, why, sizeof(why)) != WEFT_OK) {
                        snprintf(err, errlen, "%s:%d: %s", e->file, e->line, why);
                        rc = WEFT_ERROR;
                        free(value);
                        st.n++;         /* popped below: its %(_) and items freed */
                        break;
                    }
                    f->body = i + 1;
                    f->live = f->nitems > 0;
                    f->line_mode = plain_body(list, i, &f->end);
                    if (f->live)
                        set_ctx(f->items[0]);
                } else {
                    char *ctx = NULL;
                    f->live = f->taken = condition(key, value, &ctx);
                    if (f->live && ctx != NULL)
                        set_ctx(ctx);
                    free(ctx);
                }
            }
            st.n++;
        } else if (key_is(key, "else")) {
            if (top_f == NULL || top_f->is_for) {
                snprintf(err, errlen, "%s:%d: else without if-*", e->file, e->line);
                rc = WEFT_ERROR;
            } else if (top_f->parent_live) {
                top_f->live = !top_f->taken;
                top_f->taken = 1;
            }
        } else if (key_is(key, "endif") || key_is(key, "end-if")
                   || key_is(key, "endfor") || key_is(key, "end-for") || key_is(key, "end")) {
            int want_for = key_is(key, "endfor") || key_is(key, "end-for");
            int any = key_is(key, "end");
            if (top_f == NULL || (!any && top_f->is_for != want_for)) {
                snprintf(err, errlen, "%s:%d: %s without %s", e->file, e->line, key,
                         want_for ? "for" : any ? "a block" : "if-*");
                rc = WEFT_ERROR;
            } else if (top_f->is_for && top_f->live && !top_f->line_mode
                       && top_f->item + 1 < top_f->nitems) {
                top_f->item++;
                set_ctx(top_f->items[top_f->item]);
                i = top_f->body - 1;
            } else {
                pop(&st);
            }
        } else if (!live(&st)) {
            /* skipped */
        } else if (key_is(key, "ini")) {
            rc = include(list, i, value, top, &last, err, errlen);
        } else if (key_is(key, "set-placeholder") || key_is(key, "set-ph")) {
            if (weft_ini_ph_assign(value, why, sizeof(why)) != WEFT_OK) {
                snprintf(err, errlen, "%s:%d: %s: %s", e->file, e->line, key, why);
                rc = WEFT_ERROR;
            }
        } else {
            if (weft_ini_ph_set(key, value) != WEFT_OK) {
                snprintf(err, errlen, "out of memory");
                rc = WEFT_ERROR;
            } else {
                rc = emit(e, value, data);
            }
        }
        free(value);
        /* A for's plain line: again with the next item, or on to the next
         * line with the first. */
        if (rc == WEFT_OK && top_f != NULL && top_f->is_for && top_f->live
            && top_f->line_mode && i > top_f->opened && i < top_f->end) {
            if (++top_f->item < top_f->nitems) {
                i--;
                set_ctx(top_f->items[top_f->item]);
            } else if (i + 1 < top_f->end) {
                top_f->item = 0;
                set_ctx(top_f->items[0]);
            }
        }
    }
    if (rc == WEFT_OK && st.n > 0) {
        const weft_ini_entry_t *o = &list->v[st.f[st.n - 1].opened];
        snprintf(err, errlen, "%s:%d: %s without %s", o->file, o->line, o->key,
                 st.f[st.n - 1].is_for ? "endfor" : "endif");
        rc = WEFT_ERROR;
    }
    while (st.n > 0)
        pop(&st);
    weft_ini_ph_forget("_");    /* no block is open any more */
    return rc;
}
