/*
 * core/opts_set.c - the callbacks of uWSGI's everyday options (issue 14):
 * each checks its value and stores it in weft_conf, or says what is wrong.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include "conf.h"
#include "log.h"
#include "options.h"
#include "opts.h"

int weft_opts_http_given;

int
weft_parse_octal_mode(const char *s, unsigned *mode)
{
    char          *end;
    unsigned long  v;

    if (s == NULL || *s == '\0' || strspn(s, "01234567") != strlen(s))
        return WEFT_ERROR;
    errno = 0;
    v = strtoul(s, &end, 8);
    if (errno != 0 || *end != '\0' || v > 07777)
        return WEFT_ERROR;
    *mode = (unsigned) v;
    return WEFT_OK;
}

/* --http ADDR: uWSGI starts an HTTP router there in front of its workers;
 * weft's workers speak HTTP themselves, so it is an --http-socket. */
int
weft_opts_set_http(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    if (weft_strlist_append(&weft_conf.http_sockets, value) != WEFT_OK) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    weft_opts_http_given = 1;
    return WEFT_OK;
}

/* --env NAME=VALUE: set in weft's environment, so the apps (and every
 * worker) see it; NAME alone (uWSGI: take it from the environment) is
 * accepted when it is set. */
int
weft_opts_set_env(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    const char *eq = strchr(value, '=');
    char        name[256];
    size_t      n = eq ? (size_t) (eq - value) : strlen(value);

    if (n == 0 || n >= sizeof(name)) {
        snprintf(err, errlen, "'%s' is not NAME=VALUE", value);
        return WEFT_ERROR;
    }
    memcpy(name, value, n);
    name[n] = '\0';
    if (eq == NULL) {
        if (getenv(name) != NULL)
            return WEFT_OK;
        snprintf(err, errlen, "'%s' is not NAME=VALUE (and %s is not in the environment)",
                 value, name);
        return WEFT_ERROR;
    }
    if (setenv(name, eq + 1, 1) != 0) {
        snprintf(err, errlen, "cannot set %s: %s", name, strerror(errno));
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

/* --umask MODE (octal, like 022). */
int
weft_opts_set_umask(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    unsigned mode;

    if (weft_parse_octal_mode(value, &mode) != WEFT_OK || mode > 0777) {
        snprintf(err, errlen, "'%s' is not an octal umask such as 022", value);
        return WEFT_ERROR;
    }
    weft_conf.umask_mode = weft_option_keep(value);
    if (weft_conf.umask_mode == NULL) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

/* A whole number of seconds into the double opt->data points at
 * (--http-timeout, --reload-mercy: uWSGI's are integers, weft's doubles). */
int
weft_opts_set_seconds(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    char   *end;
    double  v;

    errno = 0;
    v = strtod(value, &end);
    if (errno != 0 || end == value || *end != '\0' || v < 0 || v > 86400 * 7) {
        snprintf(err, errlen, "'%s' is not a number of seconds", value);
        return WEFT_ERROR;
    }
    if (v == 0 && opt->data == &weft_conf.socket_timeout) {
        snprintf(err, errlen, "0 is not a timeout (give seconds, such as 60)");
        return WEFT_ERROR;
    }
    *(double *) opt->data = v;
    return WEFT_OK;
}

/*
 * --post-buffering SIZE: uWSGI reads the whole body before the app runs,
 * keeping SIZE in memory and the rest on disk.  weft's body buffering does
 * the same (and the body can be re-read: wsgi.input seeks), so this sets
 * the memory part; 0 turns buffering off as in uWSGI.
 */
int
weft_opts_set_post_buffering(const weft_option_t *opt, const char *value, char *err,
                             size_t errlen)
{
    size_t v;

    if (weft_parse_size(value, &v) != WEFT_OK) {
        snprintf(err, errlen, "'%s' is not a size (such as 8192 or 64k)", value);
        return WEFT_ERROR;
    }
    if (v == 0) {
        weft_conf.body_buffering = 0;
        return WEFT_OK;
    }
    weft_conf.body_buffering = SIZE_MAX;
    weft_conf.body_buffer_size = v;
    return WEFT_OK;
}

int
weft_opts_set_logger(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    return weft_logger_add(value, 0, err, errlen);
}

int
weft_opts_set_req_logger(const weft_option_t *opt, const char *value, char *err,
                         size_t errlen)
{
    return weft_logger_add(value, 1, err, errlen);
}

/* --log-date[=FORMAT]: access lines start with the date (strftime FORMAT,
 * default like uWSGI's "%a %b %e %H:%M:%S %Y"). */
int
weft_opts_set_log_date(const weft_option_t *opt, const char *value, char *err,
                       size_t errlen)
{
    int on = 1;

    if (value == NULL || value[0] == '\0' || weft_parse_bool(value, &on) == WEFT_OK) {
        weft_conf.log_date = on ? "%a %b %e %H:%M:%S %Y" : NULL;
        return WEFT_OK;
    }
    weft_conf.log_date = weft_option_keep(value);
    if (weft_conf.log_date == NULL) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

/* An option weft honours by what it already does (the help text says
 * how): any value, nothing to store. */
int
weft_opts_set_accepted(const weft_option_t *opt, const char *value, char *err,
                       size_t errlen)
{
    weft_log(WEFT_LOG_DEBUG, "--%s: accepted (%s)", opt->name, opt->help);
    return WEFT_OK;
}

/* --print TEXT: said in the log as the file is read (so a reader sees
 * which if-* blocks were taken). */
int
weft_opts_set_print(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    weft_log(WEFT_LOG_INFO, "%s", value ? value : "");
    return WEFT_OK;
}
