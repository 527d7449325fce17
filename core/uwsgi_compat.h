/*
 * core/uwsgi_compat.h - uWSGI option names that weft does not implement as
 * options of its own: what weft does when a file (or the command line)
 * gives one.  docs/uwsgi-migration.md mirrors this table row for row
 * (t/unit/test_ini.c checks it).  A name weft implements never appears
 * here: the real option is always looked up first.
 */
#ifndef WEFT_CORE_UWSGI_COMPAT_H
#define WEFT_CORE_UWSGI_COMPAT_H

typedef enum {
    WEFT_COMPAT_ACCEPTED = 1, /* weft already behaves that way: nothing to do */
    WEFT_COMPAT_MAPPED,       /* applied as another weft option (target) */
    WEFT_COMPAT_IGNORED,      /* has no effect in weft; weft goes on (WARN) */
    WEFT_COMPAT_UNSUPPORTED   /* weft cannot do it yet; weft goes on (WARN) */
} weft_compat_status_t;

typedef struct {
    const char           *name;   /* uWSGI's name; "hook-*" matches a prefix */
    weft_compat_status_t  status;
    const char           *target; /* MAPPED: the weft option that takes the value */
    const char           *why;    /* what weft does instead, one line */
} weft_compat_t;

/* The row for `name` ('_' and '-' alike), or NULL. */
const weft_compat_t *weft_compat_find(const char *name);

/* The whole table, ending with a row whose name is NULL (for tests). */
extern const weft_compat_t weft_compat_table[];

/* "accepted", "mapped", "ignored" or "unsupported". */
const char *weft_compat_status_name(weft_compat_status_t status);

#endif
