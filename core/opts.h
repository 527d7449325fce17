/*
 * core/opts.h - uWSGI's everyday options (issue 14 item 4): their setters,
 * and the start-up and exit steps they add to core/server.c.
 *
 * One job per file: plugin_names.c (uWSGI's plugin names), sockperm.c
 * (chown, vacuum), daemonize.c (daemonize, umask, pidfile), procname.c,
 * logformat.c (--log-format), logger.c (--logger, --req-logger),
 * logrotate.c (--log-maxsize), opts_set.c (the option callbacks),
 * opts_run.c (the start-up steps).
 */
#ifndef WEFT_CORE_OPTS_H
#define WEFT_CORE_OPTS_H

#include <stddef.h>
#include <sys/types.h>
#include <weft/option.h>

#include "buf.h"
#include "request.h"

/* ---------------------------------------------------------- plugin_names.c */

/* weft's name for a uWSGI plugin name: "python" for python3 or python311,
 * "" for one weft has built in (logfile, http, router_*), the name itself
 * when it is not one of uWSGI's (a weft name, or a path). */
const char *weft_plugin_name_map(const char *name);

/* Load a comma/space separated list of plugins by weft's or uWSGI's names.
 * A name no plugin has: WEFT_ERROR, with err naming what weft has. */
int weft_plugin_load_uwsgi_list(const char *list, char *err, size_t errlen);

/* ------------------------------------------------------------- opts_set.c */

/* Set by --http: start-up says once that weft needs no HTTP router. */
extern int weft_opts_http_given;


int weft_opts_set_http(const weft_option_t *opt, const char *value, char *err, size_t errlen);
int weft_opts_set_env(const weft_option_t *opt, const char *value, char *err, size_t errlen);
int weft_opts_set_umask(const weft_option_t *opt, const char *value, char *err, size_t errlen);
int weft_opts_set_seconds(const weft_option_t *opt, const char *value, char *err, size_t errlen);
int weft_opts_set_post_buffering(const weft_option_t *opt, const char *value, char *err,
                                 size_t errlen);
int weft_opts_set_logger(const weft_option_t *opt, const char *value, char *err, size_t errlen);
int weft_opts_set_req_logger(const weft_option_t *opt, const char *value, char *err,
                             size_t errlen);
int weft_opts_set_log_date(const weft_option_t *opt, const char *value, char *err,
                           size_t errlen);
int weft_opts_set_print(const weft_option_t *opt, const char *value, char *err, size_t errlen);
int weft_opts_set_accepted(const weft_option_t *opt, const char *value, char *err,
                           size_t errlen);

/* Parse an octal file mode ("664", "0664", "u=rw" is not one): 0..07777
 * in *mode, or WEFT_ERROR. */
int weft_parse_octal_mode(const char *s, unsigned *mode);

/* ------------------------------------------------------------- opts_run.c */

/* Before the sockets open: --print, --env notes, --umask, --daemonize. */
int  weft_opts_before_listen(void);

/* After the sockets opened, before privileges drop: --chown-socket. */
int  weft_opts_after_listen(void);

/* After privileges dropped: --logto2. */
int  weft_opts_after_drop(void);

/* At the end of the process that started weft: --vacuum. */
void weft_opts_at_exit(void);

/* In a new worker: --procname-prefix / --auto-procname. */
void weft_opts_worker_start(unsigned id);

/* ------------------------------------------------------------- sockperm.c */

/* chown every UNIX socket weft listens on to "user[:group]". */
int  weft_sockets_chown(const char *spec);

/* Remove the UNIX sockets weft created and the pidfiles. */
void weft_sockets_vacuum(void);

/* ------------------------------------------------------------ daemonize.c */

/* Detach (fork, setsid) with the log going to logfile. */
int  weft_daemonize(const char *logfile);

/* Write pid to path, through a temporary file renamed over it when safe. */
int  weft_write_pidfile(const char *path, int safe);

/* ------------------------------------------------------------- procname.c */

void weft_procname_set(const char *name);

/* ------------------------------------------------------------ logformat.c */

/* Compile a uWSGI-style --log-format ("%(addr) - %(status)").  WEFT_ERROR
 * with err naming an unknown variable. */
int  weft_logformat_compile(const char *fmt, char *err, size_t errlen);

/* Whether a format was compiled. */
int  weft_logformat_active(void);

/* Append the line for r (with its newline) to out. */
void weft_logformat_render(weft_buf_t *out, weft_req_t *r, double took);

/* Whether r is to be logged by --log-4xx/--log-5xx/--log-slow when
 * --disable-logging is on. */
int  weft_logfilter_wants(weft_req_t *r, double took);

/* The address to log for r: REMOTE_ADDR, or X-Forwarded-For's first
 * address under --log-x-forwarded-for. */
const char *weft_log_addr(weft_req_t *r, size_t *len);

/* ---------------------------------------------------------------- logger.c */

/* "[name] stdio | file:PATH | syslog[:IDENT[,FACILITY]]": add a target for
 * the server log (req = 0) or the access lines (req = 1). */
int  weft_logger_add(const char *spec, int req, char *err, size_t errlen);

/* Whether access lines have their own targets (--req-logger). */
int  weft_logger_req_active(void);

/* Write whole lines to the server log's targets (req = 0) or the access
 * log's (req = 1).  Returns 0 when no target of that kind is set (the
 * caller writes to the log fd itself). */
int  weft_logger_write(int req, const char *p, size_t n);

/* Reopen the file targets (SIGUSR1, --log-reopen). */
void weft_logger_reopen(void);

/* ------------------------------------------------------------- logrotate.c */

/* After n bytes went to fd (open on path): rotate when past --log-maxsize
 * (rename to --log-backupname or PATH.TIMESTAMP, reopen).  Returns the fd
 * to use from now on. */
int  weft_logrotate_check(int fd, const char *path, int dup_std);

/* -------------------------------------------------------------- recycle.c */

/* Whether the master should recycle worker pid (spawned at `spawned`, now
 * `now`, weft_clock()): 1 with the reason in why. */
int  weft_recycle_reason(pid_t pid, double spawned, double now, char *why, size_t len);

/* --harakiri-verbose: one more line on what pid is doing. */
void weft_harakiri_verbose(pid_t pid);

#endif
