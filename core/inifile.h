/*
 * core/inifile.h - options from ini files (--ini FILE[:SECTION]), read with
 * libinih.  Keys are the long option names (dashes or underscores); a key
 * may repeat; the section is [weft], or [uwsgi] for drop-in use.
 */
#ifndef WEFT_CORE_INIFILE_H
#define WEFT_CORE_INIFILE_H

#include <stddef.h>

/* Apply every option of FILE[:SECTION].  On error, err says "file:line:
 * what is wrong" and nothing after that line is applied. */
int weft_ini_load(const char *spec, char *err, size_t errlen);

#endif
