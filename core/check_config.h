/*
 * core/check_config.h - `weft --check-config FILE` (read, expand and check
 * a configuration without starting anything, like `nginx -t`) and
 * `--show-config` (print the effective options after expansion).
 */
#ifndef WEFT_CORE_CHECK_CONFIG_H
#define WEFT_CORE_CHECK_CONFIG_H

#include <stdio.h>
#include <weft/api.h>

/* Set by --check-config (main's prescan sees it before any other option,
 * so options with side effects know from the start). */
extern int weft_check_mode;
/* Set by --show-config. */
extern int weft_show_config;

/* Remember that option `name` was given `value` (in order; --show-config
 * prints them).  The options that only read files (ini, check-config,
 * show-config) are not kept. */
void weft_config_record(const char *name, const char *value);

/* Print the recorded options, one "name = value" a line. */
void weft_config_show(FILE *f);

/*
 * Under --check-config, print "WHERE: OPTION: STATUS: text" on stdout:
 * where is "file:line" (or "command line"), status one of mapped, ignored,
 * unsupported, placeholder, accepted, note.  Does nothing otherwise.
 */
void weft_check_line(const char *where, const char *option, const char *status,
                     const char *fmt, ...) WEFT_PRINTF(4, 5);

/* Whether option `name` has side effects when it is applied (it opens,
 * forks or redirects), so --check-config checks its value's form but does
 * not apply it. */
int weft_check_skip_apply(const char *name);

/*
 * Under --check-config, note the values that can only be checked on the
 * deployment machine (a directory, a file's directory, a user or group
 * that does not exist here): one `note` line each, never a failure.
 */
void weft_check_value(const char *where, const char *name, const char *value);

/*
 * After the options are read: whether weft would start with them.  Prints
 * the verdict ("FILE: ok" on stdout, or the reason on stderr) and returns
 * the exit status: 0 it would start, 1 it would not.
 */
int weft_check_verdict(const char *file);

/* The file --check-config was given (NULL before). */
extern const char *weft_check_file;

#endif
