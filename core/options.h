/*
 * core/options.h - the option registry and the command-line parser.
 *
 * Options live in tables (weft_option_t, weft/option.h): the core's own and
 * one per loaded plugin.  The parser walks argv left to right; an option no
 * table knows is handed to a resolver (the plugin loader), which may load
 * the plugin that provides it, and the lookup is tried once more.
 */
#ifndef WEFT_CORE_OPTIONS_H
#define WEFT_CORE_OPTIONS_H

#include <stddef.h>
#include <weft/option.h>

/*
 * sizeof(weft_option_t) as ABI 1.0 defined it: the stride of a table from a
 * plugin whose descriptor has no option_size.  Its last slot is `set`; the
 * struct's alignment has not changed since.
 */
#define WEFT_OPTION_SIZE_1_0 \
    ((offsetof(weft_option_t, set) + sizeof(weft_option_set_pt) + _Alignof(weft_option_t) - 1) \
     / _Alignof(weft_option_t) * _Alignof(weft_option_t))

/* Register a table (ending with WEFT_OPTION_END) owned by `owner`: the
 * core's own, whose entries are this core's weft_option_t. */
int weft_options_add_table(const char *owner, const weft_option_t *table);

/*
 * Register a plugin's table whose entries are `stride` bytes apart (the
 * size of weft_option_t it was built with, at least WEFT_OPTION_SIZE_1_0).
 * Only the slots of 1.0 are read from its entries; a slot added later must
 * be read only when stride holds it.
 */
int weft_options_add_table_stride(const char *owner, const weft_option_t *table,
                                  size_t stride);

/* The entry after o in a table of that stride. */
static inline const weft_option_t *
weft_option_next(const weft_option_t *o, size_t stride)
{
    return (const weft_option_t *) (const void *) ((const char *) o + stride);
}

/* Forget every table (for tests). */
void weft_options_reset(void);

/* Find an option by long name (with or without leading dashes) or by its
 * short letter.  *owner, if not NULL, gets the owning table's name. */
const weft_option_t *weft_options_find(const char *name, const char **owner);
const weft_option_t *weft_options_find_short(char c, const char **owner);

/* Whether the option takes an argument on the command line. */
int weft_option_takes_arg(const weft_option_t *opt);

/*
 * Store `value` (NULL for an option without argument) as `opt` says, by
 * the value rules above, and record it for --show-config.
 * On error writes "<where>: --name: what is wrong" into err.
 */
int weft_option_apply(const weft_option_t *opt, const char *value,
                      const char *where, char *err, size_t errlen);

/* A copy of value that lives as long as the process (option values). */
char *weft_option_keep(const char *value);

/* Free every value weft_option_keep() holds.  Only for a caller that reads
 * configuration again and again in one process (the ini fuzzer, between
 * inputs), once nothing refers to those values any more. */
void weft_options_release_kept(void);

/* Append a copy of value to a list. */
int weft_strlist_append(weft_strlist_t *l, const char *value);

/* Whether two option names are the same, '_' and '-' alike: canonical (a
 * table's name) against the first len bytes of name. */
int weft_option_name_eq(const char *canonical, const char *name, size_t len);

/*
 * The value rules of every option, from the command line or a file, in one
 * place (uWSGI's): a boolean is true unless its first word is false, off,
 * no or 0 (any case); a number (INT, DOUBLE, SIZE) may be followed by
 * blanks and a # or ; comment ("1000   # restart"), which is left out.
 * weft_option_false says whether value is one of the false words;
 * weft_option_number_text returns value, or its leading number copied into
 * buf when a comment follows it.
 */
int         weft_option_false(const char *value);
const char *weft_option_number_text(const char *value, char *buf, size_t buflen);

/* Parse a boolean ("1", "true", "yes", "on" / "0", "false", "no", "off"). */
int weft_parse_bool(const char *s, int *out);

/* Parse a size with an optional k/m/g suffix (powers of 1024). */
int weft_parse_size(const char *s, size_t *out);

/*
 * Try to make `name` known (load its plugin); a short option comes as "-x".
 * Returns WEFT_OK when it may now be found, WEFT_DECLINED when nobody provides it, WEFT_ERROR when
 * loading failed (err says why).
 */
typedef int (*weft_option_resolver_pt)(const char *name, char *err, size_t errlen);

/*
 * Parse argv[1..argc-1].  Returns WEFT_OK, or WEFT_ERROR with a one-line
 * reason in err.
 */
int weft_options_parse_argv(int argc, char **argv, weft_option_resolver_pt resolve,
                            char *err, size_t errlen);

/* Call fn for every registered table (and its stride), in registration
 * order. */
typedef void (*weft_option_table_pt)(const char *owner, const weft_option_t *table,
                                     size_t stride, void *data);
void weft_options_each_table(weft_option_table_pt fn, void *data);

/* Print a table in --help form: the core's own, or a plugin's with its
 * stride. */
void weft_options_print_table(const weft_option_t *table, void *file);
void weft_options_print_table_stride(const weft_option_t *table, size_t stride, void *file);

#endif
