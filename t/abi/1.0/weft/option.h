/*
 * weft/option.h - options a plugin adds to the command line and ini files.
 *
 * A plugin lists its options in a static table ending with a zeroed entry
 * (WEFT_OPTION_END) and points its descriptor at it.  The core reads the
 * table without calling the plugin, so `weft --help` can list every
 * installed plugin's options and an option can load its plugin on demand
 * (`weft --rack app.ru` loads ruby.so).  Values are stored by the core into
 * `data` according to `type`, after the plugin's init() has run and before
 * its language or engine is set up.
 */
#ifndef WEFT_OPTION_H
#define WEFT_OPTION_H

#include <stddef.h>

typedef struct weft_option_s  weft_option_t;
typedef struct weft_strlist_s weft_strlist_t;

/* A growable list of strings, filled by WEFT_OPT_LIST options. */
struct weft_strlist_s {
    size_t        n;
    const char  **v;
};

typedef enum {
    WEFT_OPT_FLAG = 1,  /* int: set to 1 ("--x", or x = true|1|yes|on in
                           an ini file; false|0|no|off sets 0) */
    WEFT_OPT_STRING,    /* const char *: a copy of the value; the last wins */
    WEFT_OPT_LIST,      /* weft_strlist_t: every occurrence is appended */
    WEFT_OPT_INT,       /* long, checked against [min, max] */
    WEFT_OPT_DOUBLE,    /* double, checked against [min, max] */
    WEFT_OPT_SIZE,      /* size_t, "64k", "1m", "2g" suffixes, [min, max] */
    WEFT_OPT_CALLBACK   /* call set(); data is the callback's own */
} weft_option_type_t;

/*
 * set() for WEFT_OPT_CALLBACK: `value` is NULL for an option that takes no
 * argument.  It lives only during the call (it may be an ini file's line
 * buffer): copy what you keep.  Return WEFT_OK, or WEFT_ERROR with a
 * message in err (the core prefixes the option name and where it was given).
 */
typedef int (*weft_option_set_pt)(const weft_option_t *opt, const char *value,
                                  char *err, size_t errlen);

struct weft_option_s {
    const char          *name;       /* long name, without "--" */
    char                 short_name; /* one letter for "-x", or 0 */
    weft_option_type_t   type;
    int                  flags;      /* WEFT_OPTF_* */
    void                *data;       /* where the value goes */
    const char          *metavar;    /* "FILE", "N" ... for --help */
    const char          *help;       /* one line for --help */
    double               min, max;   /* bounds for INT/DOUBLE/SIZE (both 0: none) */
    weft_option_set_pt   set;        /* WEFT_OPT_CALLBACK only */
};

/* The option takes no argument even though its type is CALLBACK. */
#define WEFT_OPTF_NOARG     0x01
/* The argument is optional: "--x" alone passes NULL (CALLBACK only). */
#define WEFT_OPTF_OPTARG    0x02

#define WEFT_OPTION_END { NULL, 0, (weft_option_type_t) 0, 0, NULL, NULL, NULL, 0, 0, NULL }

#endif /* WEFT_OPTION_H */
