/*
 * core/inifile.h - options from ini files (--ini FILE[:SECTION], `weft
 * FILE.ini[:SECTION]`), in uWSGI's dialect (core/ini_dialect.h): the
 * [uwsgi] or [weft] section, or SECTION; keys are the long option names
 * (dashes or underscores); a key that is not an option is a placeholder.
 */
#ifndef WEFT_CORE_INIFILE_H
#define WEFT_CORE_INIFILE_H

#include <stddef.h>

/* strict = true (or --strict): a key that is not an option, and a uWSGI
 * option that weft ignores or does not support, are errors, not WARNs. */
extern int weft_ini_strict;

/*
 * Read FILE[:SECTION] with its includes, expand it, and apply every
 * option in order.  On error, err says "file:line: what is wrong" and
 * nothing after that line is applied.
 */
int weft_ini_load(const char *spec, char *err, size_t errlen);

/*
 * Apply one key as a file gives it (bare: no '=' on the line), where is
 * "file:line": a real option (loading its plugin if one provides it), a
 * row of the uWSGI table (core/uwsgi_compat.h), or else a placeholder.
 * WARNs, --check-config lines and strict errors are decided here.
 */
int weft_ini_apply_key(const char *key, const char *value, int bare, const char *where,
                       char *err, size_t errlen);

/*
 * The command line's share of the uWSGI table: apply `name` (value NULL:
 * given alone) if the table has it; WEFT_DECLINED if not, so the caller
 * says "unknown option".  weft_compat_takes_value: whether "--name VALUE"
 * takes the next word (every row but the accepted ones, which are flags).
 */
int weft_ini_apply_compat(const char *name, const char *value, int bare, const char *where,
                          char *err, size_t errlen);
int weft_compat_takes_value(const char *name);

#endif
