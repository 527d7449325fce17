/*
 * core/ini_dialect.h - uWSGI's ini dialect, read as uWSGI reads it:
 *
 *   ini_read.c    a file's chosen section as (key, value, file, line)
 *                 entries, with the magic variables (%d, %k, ...) expanded
 *                 in every line, comments too, as soon as it is read;
 *   ini_expand.c  the placeholders (every key is one, --set adds more) and
 *                 the substitutions of a value: $(ENV), @(file), %(name),
 *                 %(expr);
 *   ini_expr.c    the %(a + b * 2) arithmetic, a left-to-right pipeline;
 *   ini_blocks.c  the run over the entries: if-*, else, endif, for*,
 *                 endfor, end, and the includes (ini = file[:section],
 *                 ini = :section) spliced in where they stand.
 *
 * core/inifile.c drives them and applies the result to the options.
 */
#ifndef WEFT_CORE_INI_DIALECT_H
#define WEFT_CORE_INI_DIALECT_H

#include <stddef.h>

/* What one --ini may take, so a file that never ends (a for-times of a
 * billion, files that include each other, blocks that multiply) is an
 * error that says so, not a hang or a worker out of memory: entries read
 * (includes too), lines run (each pass of a for counts), items of a for. */
#define WEFT_INI_MAX_ENTRIES 100000
#define WEFT_INI_MAX_STEPS   100000
#define WEFT_INI_MAX_ITEMS   100000

typedef struct {
    char        *key;    /* as written */
    char        *value;  /* as written, magic variables expanded ("" if bare) */
    int          bare;   /* the line had no '=' ("master" alone) */
    const char  *file;   /* the file's path as given (kept for the process) */
    int          line;
    int          depth;  /* include depth: 0 for the file given to --ini */
} weft_ini_entry_t;

typedef struct {
    weft_ini_entry_t *v;
    size_t            n, cap;
} weft_ini_list_t;

/* ---- ini_read.c */

/*
 * Read the section of path (NULL: [uwsgi] or [weft]) and insert its entries
 * into list at position `at` (list->n appends), with `depth`.  top is the
 * file given on the command line (for %D, %O ...; NULL: path itself).
 * Returns WEFT_OK, or WEFT_ERROR with "file:line: what is wrong" in err
 * (a file that cannot be read; a named section that is absent or empty; a
 * line that is not name = value, name, or [section]).
 */
int weft_ini_read(const char *path, const char *section, const char *top, int depth,
                  weft_ini_list_t *list, size_t at, char *err, size_t errlen);

/* Expand the magic variables of one line for file `path` (top as above)
 * and section; returns a malloc'd string (NULL: out of memory).  An
 * unknown %X stays as it is. */
char *weft_ini_magic(const char *line, const char *path, const char *top,
                     const char *section);

/* Free the entries' strings and the array. */
void weft_ini_list_free(weft_ini_list_t *list);

/* ---- ini_expand.c */

/* Define placeholder name ('_' and '-' alike) as value, unless it has a
 * value already: as in uWSGI, the first value given to a name is the one
 * %(name) finds. */
int weft_ini_ph_set(const char *name, const char *value);
/* Set it whatever it was (the context placeholder %(_)). */
int weft_ini_ph_replace(const char *name, const char *value);
/* Forget it. */
void weft_ini_ph_forget(const char *name);
/* Its value, or NULL; marks it used. */
const char *weft_ini_ph_get(const char *name);
/* Whether a %(name) in any value asked for it. */
int weft_ini_ph_used(const char *name);
/* Forget every placeholder (for tests). */
void weft_ini_ph_reset(void);
/* "name=value" (set-placeholder, --set): WEFT_ERROR without '='. */
int weft_ini_ph_assign(const char *spec, char *err, size_t errlen);

/*
 * Expand a value: first every $(VAR) (also $(VAR:-default), set and not
 * empty, and $(VAR-default), set), then every @(file) (its contents, the
 * last newline left out), then every %(name) placeholder and %(expr)
 * arithmetic.  An undefined %(name) stays as written.  Returns a malloc'd
 * string in *out, or WEFT_ERROR with err (a file that cannot be read, a
 * %( without ')', arithmetic on a value that is not a number).
 */
int weft_ini_expand(const char *in, char **out, char *err, size_t errlen);

/* ---- ini_expr.c */

/*
 * Evaluate the inside of %( ): one word is a placeholder name (NULL in
 * *out: undefined); words with operators (+ - * / and the unary ++ --,
 * blank-separated) are computed left to right, as uWSGI does
 * (%(foo + bar + 3 * 2) is ((foo + bar) + 3) * 2); two operands in a row
 * are joined as strings.  Operands are numbers or placeholder names.
 * Returns WEFT_OK with a malloc'd *out (or NULL), or WEFT_ERROR with err.
 */
int weft_ini_expr(const char *expr, char **out, char *err, size_t errlen);

/* ---- ini_blocks.c */

/* Called for each entry that takes effect, in order, with its expanded
 * value.  Returns WEFT_OK to go on. */
typedef int (*weft_ini_emit_pt)(const weft_ini_entry_t *e, const char *value, void *data);

/*
 * Run the entries: evaluate if-* / else / endif, for* / endfor, end, and
 * set-placeholder; splice in the includes; expand each value and make every
 * key a placeholder; call emit for the rest.  Returns WEFT_OK, or
 * WEFT_ERROR with "file:line: what is wrong" in err (an unclosed or stray
 * block, an include that fails, a value that does not expand).
 */
int weft_ini_run(weft_ini_list_t *list, const char *top, weft_ini_emit_pt emit, void *data,
                 char *err, size_t errlen);

/* Whether key names a block statement (if-*, else, endif, for*, endfor,
 * end) or another statement the run consumes (set-placeholder, ini). */
int weft_ini_is_statement(const char *key);

#endif
