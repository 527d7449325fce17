/*
 * core/core_options.c - the core's options and their defaults.
 *
 * Names follow uWSGI where uWSGI has the option, so its users keep their
 * habits (design.md section 6).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <weft/status.h>
#include "check_config.h"
#include "cheaper.h"
#include "conf.h"
#include "cron.h"
#include "daemons.h"
#include "hooks.h"
#include "ini_dialect.h"
#include "inifile.h"
#include "log.h"
#include "options.h"
#include "opts.h"
#include "plugin_loader.h"
#include "request.h"
#include "route.h"

weft_conf_t weft_conf = {
    .listen_backlog = 1024,
    .http_modifier1 = -1,
    .buffer_size = 16384,
    .limit_post = 0,
    .socket_timeout = 30.0,
    .keepalive_timeout = 15.0,
    .max_headers = 100,
    .body_buffer_size = 65536,
    .body_buffering = SIZE_MAX,
    .processes = 1,
    .reload_mercy = 60.0,
    .log_format = "common",
    .offload_buffer_size = 1048576,
    /* cheaper's busyness algorithm: uWSGI's defaults */
    .busyness_max = 50,
    .busyness_min = 25,
    .busyness_multiplier = 10,
    .busyness_penalty = 2,
    .busyness_backlog_alert = 33,
    .busyness_backlog_multiplier = 3,
    .busyness_backlog_step = 1,
    .busyness_backlog_nonzero = 60,
};

unsigned
weft_conf_thread_cores(void)
{
    return weft_conf.async > 0 ? (unsigned) weft_conf.async : 1;
}

unsigned
weft_conf_threads(void)
{
    return weft_conf.threads > 1 ? (unsigned) weft_conf.threads : 1;
}

unsigned
weft_conf_cores(void)
{
    return weft_conf_threads() * weft_conf_thread_cores();
}

static int
set_plugin(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    return weft_plugin_load_uwsgi_list(value, err, errlen);
}

/* Callback values live only during the call (an ini file's line buffer):
 * keep copies. */
static const char *
keep(const char *value, char *err, size_t errlen)
{
    char *copy = weft_option_keep(value);

    if (copy == NULL)
        snprintf(err, errlen, "out of memory");
    return copy;
}

static int
set_plugin_dir(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    if ((weft_conf.plugin_dir = keep(value, err, errlen)) == NULL)
        return WEFT_ERROR;
    weft_plugin_set_dir(weft_conf.plugin_dir);
    return WEFT_OK;
}

static int
set_log_level(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    static const char *const names[] = { "error", "warn", "info", "debug" };
    int i;

    for (i = 0; i < 4; i++)
        if (strcmp(value, names[i]) == 0) {
            weft_log_level = i;
            return WEFT_OK;
        }
    snprintf(err, errlen, "'%s' is not one of error, warn, info, debug", value);
    return WEFT_ERROR;
}

static int
set_ini(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    return weft_ini_load(value, err, errlen);
}

static int
set_log_format(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    if (strstr(value, "%(") != NULL) {
        /* uWSGI's own: "%(addr) - %(user) [%(ltime)] ..." */
        if (weft_logformat_compile(value, err, errlen) != WEFT_OK)
            return WEFT_ERROR;
    } else if (weft_logformat_compile("", err, errlen) != WEFT_OK
               || (strcmp(value, "common") != 0 && strcmp(value, "json") != 0)) {
        snprintf(err, errlen, "'%s' is not a log format (common, json, or uWSGI's with %%(vars))",
                 value);
        return WEFT_ERROR;
    }
    weft_conf.log_format = keep(value, err, errlen);
    return weft_conf.log_format ? WEFT_OK : WEFT_ERROR;
}

static int
set_logto(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    const char *path = keep(value, err, errlen);

    if (path == NULL || weft_log_open(path, err, errlen) != WEFT_OK)
        return WEFT_ERROR;
    weft_conf.logto = path;
    return WEFT_OK;
}

static int
set_static_map(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    const char *eq = strchr(value, '=');

    if (value[0] != '/' || eq == NULL || eq[1] == '\0') {
        snprintf(err, errlen, "'%s' is not /url=directory", value);
        return WEFT_ERROR;
    }
    if (weft_strlist_append(&weft_conf.static_map, value) != WEFT_OK) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

static int
set_octal(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    const char *p = value ? value : "666";

    if (strlen(p) < 3 || strlen(p) > 4 || strspn(p, "01234567") != strlen(p)) {
        snprintf(err, errlen, "'%s' is not an octal mode such as 660", p);
        return WEFT_ERROR;
    }
    *(const char **) opt->data = keep(p, err, errlen);
    return *(const char **) opt->data ? WEFT_OK : WEFT_ERROR;
}

/* --body-buffering on | off | SIZE: a boolean as every flag reads one, or a
 * threshold */
static int
set_body_buffering(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    size_t v;
    int    on;

    if (weft_parse_bool(value, &on) == WEFT_OK) {
        weft_conf.body_buffering = on ? SIZE_MAX : 0;
    } else if (weft_parse_size(value, &v) == WEFT_OK && v > 0) {
        weft_conf.body_buffering = v;
    } else {
        snprintf(err, errlen, "'%s' is not on, off or a size such as 10m", value);
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

static int
set_script_name(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    return weft_facts_add_prefix(value, err, errlen);
}

/* ---- the ini dialect, --check-config, --show-config (ini) */
static int
set_placeholder(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    return weft_ini_ph_assign(value, err, errlen);
}

static int
set_check_config(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    weft_check_mode = 1;
    if ((weft_check_file = keep(value, err, errlen)) == NULL)
        return WEFT_ERROR;
    return weft_ini_load(value, err, errlen);
}
/* ---- */

/* ---- routes: each option records one rule (parsed at start-up); its
 * data is the rule's kind. */
static weft_route_kind_t route_kinds[] = {
    WEFT_ROUTE_REGEXP, WEFT_ROUTE_IF, WEFT_ROUTE_IF_NOT, WEFT_ROUTE_RUN, WEFT_ROUTE_LABEL,
};

static int
set_route(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    return weft_route_option(*(const weft_route_kind_t *) opt->data, value, err, errlen);
}

const weft_option_t weft_core_options[] = {
    { "help", 'h', WEFT_OPT_FLAG, 0, &weft_conf.help, NULL,
      "show this help, with the options of every installed plugin", 0, 0, NULL },
    { "version", 0, WEFT_OPT_FLAG, 0, &weft_conf.version, NULL,
      "show the version and the plugin ABI", 0, 0, NULL },
    { "plugin", 0, WEFT_OPT_CALLBACK, 0, NULL, "NAME[,NAME...]",
      "load plugins by name (from the plugin directory) or by path", 0, 0, set_plugin },
    { "plugins", 0, WEFT_OPT_CALLBACK, 0, NULL, "NAME[,NAME...]",
      "the same as --plugin", 0, 0, set_plugin },
    { "plugin-dir", 0, WEFT_OPT_CALLBACK, 0, NULL, "DIR",
      "where plugin names are looked up (also $WEFT_PLUGIN_DIR)", 0, 0, set_plugin_dir },
    { "log-level", 0, WEFT_OPT_CALLBACK, 0, NULL, "LEVEL",
      "error, warn, info (default) or debug", 0, 0, set_log_level },

    { "socket", 's', WEFT_OPT_LIST, 0, &weft_conf.uwsgi_sockets, "ADDR",
      "listen on ADDR (:PORT, HOST:PORT, [V6]:PORT or a UNIX path) for the uwsgi protocol", 0, 0, NULL },
    { "http-socket", 0, WEFT_OPT_LIST, 0, &weft_conf.http_sockets, "ADDR",
      "listen on ADDR for HTTP/1.1", 0, 0, NULL },
    { "listen", 'l', WEFT_OPT_INT, 0, &weft_conf.listen_backlog, "N",
      "the listen backlog (default 1024)", 1, 65535, NULL },
    { "chmod-socket", 0, WEFT_OPT_CALLBACK, WEFT_OPTF_OPTARG, &weft_conf.chmod_socket, "MODE",
      "chmod UNIX sockets to MODE (default 666)", 0, 0, set_octal },
    { "http-socket-modifier1", 0, WEFT_OPT_INT, 0, &weft_conf.http_modifier1, "N",
      "the language of HTTP requests, by uwsgi modifier1 (default: the only language loaded, else 0)", 0, 255, NULL },

    { "async", 0, WEFT_OPT_INT, 0, &weft_conf.async, "N",
      "N async cores per worker: N requests at once", 1, 100000, NULL },
    { "buffer-size", 'b', WEFT_OPT_SIZE, 0, &weft_conf.buffer_size, "SIZE",
      "the largest request head or uwsgi packet (default 16k; larger heads get 431)", 1024, 1048576, NULL },
    { "limit-post", 0, WEFT_OPT_SIZE, 0, &weft_conf.limit_post, "SIZE",
      "the largest request body (default: no limit; larger ones get 413)", 0, 0, NULL },
    { "socket-timeout", 0, WEFT_OPT_DOUBLE, 0, &weft_conf.socket_timeout, "SECONDS",
      "close a client that takes longer to send its request head, or stalls reading or writing (default 30)", 0.001, 86400, NULL },
    { "keepalive-timeout", 0, WEFT_OPT_DOUBLE, 0, &weft_conf.keepalive_timeout, "SECONDS",
      "close a keep-alive connection idle for longer (default 15)", 0.001, 86400, NULL },
    { "max-headers", 0, WEFT_OPT_INT, 0, &weft_conf.max_headers, "N",
      "the most header fields a request may have (default 100, at most 1000; more get 431)",
      1, 1000, NULL },
    { "body-buffering", 0, WEFT_OPT_CALLBACK, 0, NULL, "on|off|SIZE",
      "read request bodies (up to SIZE; default on: all) before a core takes the request, so a slow upload holds no core; off: stream them to the app", 0, 0, set_body_buffering },
    { "body-buffer-size", 0, WEFT_OPT_SIZE, 0, &weft_conf.body_buffer_size, "SIZE",
      "keep up to SIZE of a request body in memory, the rest in an unlinked temporary file in $TMPDIR (default 64k)", 0, 0, NULL },

    { "ini", 0, WEFT_OPT_CALLBACK, 0, NULL, "FILE[:SECTION]",
      "read options from an ini file ([weft] or [uwsgi] section, or SECTION)", 0, 0, set_ini },
    { "master", 'M', WEFT_OPT_FLAG, 0, &weft_conf.master, NULL,
      "run a master process that manages the workers", 0, 0, NULL },
    { "processes", 'p', WEFT_OPT_INT, 0, &weft_conf.processes, "N",
      "N worker processes (implies --master when over 1)", 1, 1024, NULL },
    { "workers", 0, WEFT_OPT_INT, 0, &weft_conf.processes, "N",
      "the same as --processes", 1, 1024, NULL },
    { "pidfile", 0, WEFT_OPT_STRING, 0, &weft_conf.pidfile, "FILE",
      "write the master's pid (or the only process's) to FILE", 0, 0, NULL },
    { "uid", 0, WEFT_OPT_STRING, 0, &weft_conf.uid, "USER",
      "drop to this user (name or number) after binding", 0, 0, NULL },
    { "gid", 0, WEFT_OPT_STRING, 0, &weft_conf.gid, "GROUP",
      "drop to this group (name or number) after binding", 0, 0, NULL },
    { "chdir", 0, WEFT_OPT_STRING, 0, &weft_conf.chdir_to, "DIR",
      "change to DIR before loading apps", 0, 0, NULL },
    { "worker-reload-mercy", 0, WEFT_OPT_DOUBLE, 0, &weft_conf.reload_mercy, "SECONDS",
      "how long a draining worker may finish its requests before it is killed (default 60)",
      0, 86400, NULL },
    { "harakiri", 0, WEFT_OPT_INT, 0, &weft_conf.harakiri, "SECONDS",
      "kill (and respawn) a worker when one of its requests runs longer (implies --master)",
      0, 86400 * 7, NULL },
    { "max-requests", 0, WEFT_OPT_INT, 0, &weft_conf.max_requests, "N",
      "recycle a worker gracefully after N requests (implies --master)", 0, 1L << 40, NULL },
    { "reload-on-rss", 0, WEFT_OPT_INT, 0, &weft_conf.reload_on_rss, "MIB",
      "recycle a worker gracefully when its resident memory exceeds MIB (implies --master)",
      0, 1L << 30, NULL },

    { "static-map", 0, WEFT_OPT_CALLBACK, 0, NULL, "/URL=DIR",
      "serve files under DIR for paths under /URL", 0, 0, set_static_map },
    { "check-static", 0, WEFT_OPT_LIST, 0, &weft_conf.check_static, "DIR",
      "serve a file from DIR when one matches the path, before the app", 0, 0, NULL },
    { "static-index", 0, WEFT_OPT_LIST, 0, &weft_conf.static_index, "NAME",
      "serve DIR/NAME for a directory (no listings are ever made)", 0, 0, NULL },

    { "disable-logging", 0, WEFT_OPT_FLAG, 0, &weft_conf.disable_logging, NULL,
      "no access log lines (errors and lifecycle are still logged)", 0, 0, NULL },
    { "log-format", 0, WEFT_OPT_CALLBACK, 0, NULL, "FORMAT",
      "access lines in common (default) or json format, or uWSGI's: \"%(addr) %(method) %(uri) %(status) %(msecs)\"", 0, 0, set_log_format },
    { "logto", 0, WEFT_OPT_CALLBACK, 0, NULL, "FILE",
      "send the log (and the apps' stderr) to FILE; SIGUSR1 reopens it", 0, 0, set_logto },

    { "offload-buffer-size", 0, WEFT_OPT_SIZE, 0, &weft_conf.offload_buffer_size, "SIZE",
      "response bytes a connection may copy and keep while a slow client reads them, so the core is freed once the app is done (default 1m; 0: the core waits for the socket)",
      0, 0, NULL },
    { "script-name", 0, WEFT_OPT_CALLBACK, 0, NULL, "/PREFIX",
      "the app is mounted at /PREFIX: a path under it gets SCRIPT_NAME /PREFIX and the rest as PATH_INFO (default $SCRIPT_NAME); repeatable, the longest match wins", 0, 0, set_script_name },
    { "manage-script-name", 0, WEFT_OPT_FLAG, 0, &weft_conf.manage_script_name, NULL,
      "take the frontend's SCRIPT_NAME off the front of its PATH_INFO (uwsgi protocol: nginx sends the whole path)", 0, 0, NULL },

    /* the ini dialect, --check-config, --show-config (ini) */
    { "strict", 0, WEFT_OPT_FLAG, 0, &weft_ini_strict, NULL,
      "a key that is not an option, or a uWSGI option weft does not honour, is an error (not a WARN)", 0, 0, NULL },
    { "set", 'S', WEFT_OPT_CALLBACK, 0, NULL, "NAME=VALUE",
      "set the placeholder %(NAME) for ini files", 0, 0, set_placeholder },
    { "set-placeholder", 0, WEFT_OPT_CALLBACK, 0, NULL, "NAME=VALUE",
      "the same as --set", 0, 0, set_placeholder },
    { "set-ph", 0, WEFT_OPT_CALLBACK, 0, NULL, "NAME=VALUE",
      "the same as --set", 0, 0, set_placeholder },
    { "check-config", 0, WEFT_OPT_CALLBACK, 0, NULL, "FILE",
      "read, expand and check FILE (with its includes and plugins), say what is not applied as uWSGI would, start nothing; exit 0 if weft would start", 0, 0, set_check_config },
    { "show-config", 0, WEFT_OPT_FLAG, 0, &weft_show_config, NULL,
      "print the options in effect after expansion, one name = value a line", 0, 0, NULL },
    /* ---- uWSGI's everyday options (issue 14 item 4): core/opts*.c ---- */
    /* names */
    { "http", 0, WEFT_OPT_CALLBACK, 0, NULL, "ADDR",
      "uWSGI's HTTP router address: weft speaks HTTP itself, so an --http-socket", 0, 0,
      weft_opts_set_http },
    { "uwsgi-socket", 0, WEFT_OPT_LIST, 0, &weft_conf.uwsgi_sockets, "ADDR",
      "the same as --socket", 0, 0, NULL },
    /* sockets and processes */
    { "chown-socket", 0, WEFT_OPT_STRING, 0, &weft_conf.chown_socket, "USER[:GROUP]",
      "chown UNIX sockets to USER (and GROUP)", 0, 0, NULL },
    { "vacuum", 0, WEFT_OPT_FLAG, 0, &weft_conf.vacuum, NULL,
      "remove the UNIX sockets and pidfiles at exit", 0, 0, NULL },
    { "daemonize", 'd', WEFT_OPT_STRING, 0, &weft_conf.daemonize, "LOGFILE",
      "go to the background, logging to LOGFILE", 0, 0, NULL },
    { "umask", 0, WEFT_OPT_CALLBACK, 0, NULL, "MODE",
      "set the umask (octal, such as 022) before the sockets are made", 0, 0, weft_opts_set_umask },
    { "procname-prefix", 0, WEFT_OPT_STRING, 0, &weft_conf.procname_prefix, "PREFIX",
      "name the processes PREFIX + \"weft master\"/\"weft worker N\" in ps and top",
      0, 0, NULL },
    { "procname-prefix-spaced", 0, WEFT_OPT_STRING, 0, &weft_conf.procname_prefix, "PREFIX",
      "the same as --procname-prefix (give the space yourself)", 0, 0, NULL },
    { "auto-procname", 0, WEFT_OPT_FLAG, 0, &weft_conf.auto_procname, NULL,
      "name the processes \"weft master\", \"weft worker N\"", 0, 0, NULL },
    { "safe-pidfile", 0, WEFT_OPT_STRING, 0, &weft_conf.safe_pidfile, "FILE",
      "write the pid to FILE through a temporary file renamed over it", 0, 0, NULL },
    { "close-on-exec", 0, WEFT_OPT_CALLBACK, WEFT_OPTF_OPTARG, NULL, NULL,
      "accepted: weft opens every socket close-on-exec", 0, 0, weft_opts_set_accepted },
    /* environment and start-up */
    { "env", 0, WEFT_OPT_CALLBACK, 0, NULL, "NAME=VALUE",
      "set NAME in the environment of weft and its apps (repeatable)", 0, 0, weft_opts_set_env },
    { "need-app", 0, WEFT_OPT_FLAG, 0, &weft_conf.need_app, NULL,
      "accepted: weft always exits non-zero when an app does not load", 0, 0, NULL },
    { "print", 0, WEFT_OPT_CALLBACK, 0, NULL, "TEXT",
      "log TEXT as the options are read", 0, 0, weft_opts_set_print },
    /* requests and timeouts */
    { "post-buffering", 0, WEFT_OPT_CALLBACK, 0, NULL, "SIZE",
      "read the whole body before the app runs, keeping SIZE in memory and the rest in a temporary file (0: stream bodies)",
      0, 0, weft_opts_set_post_buffering },
    { "http-timeout", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.socket_timeout, "SECONDS",
      "the same as --socket-timeout", 0, 0, weft_opts_set_seconds },
    { "http-keepalive", 0, WEFT_OPT_CALLBACK, WEFT_OPTF_OPTARG, NULL, NULL,
      "accepted: weft keeps HTTP/1.1 connections alive (--keepalive-timeout)", 0, 0,
      weft_opts_set_accepted },
    { "http-auto-chunked", 0, WEFT_OPT_CALLBACK, WEFT_OPTF_OPTARG, NULL, NULL,
      "accepted: weft chunks an HTTP/1.1 response that has no Content-Length", 0, 0,
      weft_opts_set_accepted },
    { "harakiri-verbose", 0, WEFT_OPT_FLAG, 0, &weft_conf.harakiri_verbose, NULL,
      "say more of a worker killed by --harakiri (its system call and wait channel)", 0, 0, NULL },
    { "reload-mercy", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.reload_mercy, "SECONDS",
      "the same as --worker-reload-mercy", 0, 0, weft_opts_set_seconds },
    { "max-worker-lifetime", 0, WEFT_OPT_INT, 0, &weft_conf.max_worker_lifetime, "SECONDS",
      "recycle a worker gracefully after SECONDS (implies --master)", 0, 86400L * 365, NULL },
    { "reload-on-as", 0, WEFT_OPT_INT, 0, &weft_conf.reload_on_as, "MIB",
      "recycle a worker gracefully when its address space exceeds MIB (implies --master)",
      0, 1L << 30, NULL },
    { "offload-threads", 0, WEFT_OPT_CALLBACK, 0, NULL, "N",
      "accepted: weft's sendfile and copied responses never hold a core", 0, 0,
      weft_opts_set_accepted },
    /* logging */
    { "log-4xx", 0, WEFT_OPT_FLAG, 0, &weft_conf.log_4xx, NULL,
      "with --disable-logging: still log requests answered 4xx", 0, 0, NULL },
    { "log-5xx", 0, WEFT_OPT_FLAG, 0, &weft_conf.log_5xx, NULL,
      "with --disable-logging: still log requests answered 5xx", 0, 0, NULL },
    { "log-slow", 0, WEFT_OPT_INT, 0, &weft_conf.log_slow, "MSECS",
      "with --disable-logging: still log requests slower than MSECS", 0, 86400000L, NULL },
    { "log-x-forwarded-for", 0, WEFT_OPT_FLAG, 0, &weft_conf.log_xff, NULL,
      "log the first address of X-Forwarded-For instead of the peer's", 0, 0, NULL },
    { "logto2", 0, WEFT_OPT_STRING, 0, &weft_conf.logto2, "FILE",
      "like --logto, opened after the privileges drop (--uid)", 0, 0, NULL },
    { "log-reopen", 0, WEFT_OPT_CALLBACK, WEFT_OPTF_OPTARG, NULL, NULL,
      "accepted: a reload re-executes weft, which opens the log anew (SIGUSR1 too)", 0, 0,
      weft_opts_set_accepted },
    { "log-master", 0, WEFT_OPT_CALLBACK, WEFT_OPTF_OPTARG, NULL, NULL,
      "accepted: every weft process writes whole lines itself, so lines never interleave", 0, 0,
      weft_opts_set_accepted },
    { "log-date", 0, WEFT_OPT_CALLBACK, WEFT_OPTF_OPTARG, NULL, "[FORMAT]",
      "start access lines with the date (strftime FORMAT)", 0, 0, weft_opts_set_log_date },
    { "log-maxsize", 0, WEFT_OPT_SIZE, 0, &weft_conf.log_maxsize, "SIZE",
      "rotate a log file past SIZE bytes (to --log-backupname, else FILE.EPOCH)", 0, 0, NULL },
    { "log-backupname", 0, WEFT_OPT_STRING, 0, &weft_conf.log_backupname, "FILE",
      "where --log-maxsize moves the full log", 0, 0, NULL },
    { "logger", 0, WEFT_OPT_CALLBACK, 0, NULL, "[NAME] stdio|file:PATH|syslog[:IDENT[,FACILITY]]",
      "send the log there (repeatable; every line goes to every logger)", 0, 0,
      weft_opts_set_logger },
    { "req-logger", 0, WEFT_OPT_CALLBACK, 0, NULL, "stdio|file:PATH|syslog[:IDENT[,FACILITY]]",
      "send the access lines there, apart from the rest of the log", 0, 0,
      weft_opts_set_req_logger },
    { "memory-report", 0, WEFT_OPT_FLAG, 0, &weft_conf.memory_report, NULL,
      "log the worker's address space and resident memory after each request", 0, 0, NULL },
    /* ---- end of issue 14 item 4 ---- */

    /* ---- routes (core/route*.c): uWSGI's request chain, in the order given */
    { "route", 0, WEFT_OPT_CALLBACK, 0, &route_kinds[0], "REGEXP ACTION",
      "when PATH_INFO matches REGEXP, run ACTION (see docs/routes.md)", 0, 0, set_route },
    { "route-if", 0, WEFT_OPT_CALLBACK, 0, &route_kinds[1], "COND:A[;B] ACTION",
      "when the condition holds, run ACTION", 0, 0, set_route },
    { "route-if-not", 0, WEFT_OPT_CALLBACK, 0, &route_kinds[2], "COND:A[;B] ACTION",
      "when the condition does not hold, run ACTION", 0, 0, set_route },
    { "route-run", 0, WEFT_OPT_CALLBACK, 0, &route_kinds[3], "ACTION",
      "always run ACTION", 0, 0, set_route },
    { "route-label", 0, WEFT_OPT_CALLBACK, 0, &route_kinds[4], "NAME",
      "a place goto:NAME jumps to", 0, 0, set_route },

    /* ---- operations (issue 16): core/health.c, core/touch.c */
    { "health", 0, WEFT_OPT_STRING, 0, &weft_conf.health_path, "PATH",
      "answer GET PATH in the core, never in the app: 200 while the worker takes work, 503 while it drains", 0, 0, NULL },
    { "touch-reload", 0, WEFT_OPT_LIST, 0, &weft_conf.touch_reload, "FILE",
      "reload gracefully when FILE's modification time changes (repeatable; implies --master)", 0, 0, NULL },
    { "touch-workers-reload", 0, WEFT_OPT_LIST, 0, &weft_conf.touch_workers_reload, "FILE",
      "replace the workers gracefully, the master staying, when FILE's modification time changes (repeatable; implies --master)", 0, 0, NULL },

    /* ---- daemons, cron, hooks (core/daemons.c, core/cron.c, core/hooks.c) ---- */
    { "attach-daemon", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.attach_daemon, "COMMAND",
      "run COMMAND beside the workers, restart it when it exits, stop it at shutdown (implies --master; repeatable)", 0, 0, weft_daemons_opt },
    { "smart-attach-daemon", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.smart_attach_daemon, "PIDFILE COMMAND",
      "like --attach-daemon for a daemon that writes its pid to PIDFILE: run COMMAND only when PIDFILE names no live process; left running at shutdown (repeatable)", 0, 0, weft_daemons_opt },
    { "attach-daemon2", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.attach_daemon2, "cmd=CMD[,KEY=VALUE...]",
      "an attached daemon with keys: cmd, pidfile, daemonize (the master detaches it and writes pidfile), stopsignal, chdir (repeatable)", 0, 0, weft_daemons_opt },
    { "cron", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.cron, "\"MIN HOUR DAY MONTH WEEKDAY CMD\"",
      "run CMD at that time (each field a number, -1: any, -N: every N; implies --master; repeatable)", 0, 0, weft_cron_opt },
    { "unique-cron", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.unique_cron, "\"MIN HOUR DAY MONTH WEEKDAY CMD\"",
      "like --cron, but never while the last run of CMD is still going", 0, 0, weft_cron_opt },
    { "hook-as-root", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.hook_as_root, "ACTION:ARGS",
      "run a hook action before dropping privileges: exec:, print:, chdir:, mkdir:, putenv:, unix_signal:N ACTION (repeatable)", 0, 0, weft_hooks_opt },
    { "hook-as-user", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.hook_as_user, "ACTION:ARGS",
      "run a hook action after dropping privileges", 0, 0, weft_hooks_opt },
    { "hook-pre-app", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.hook_pre_app, "ACTION:ARGS",
      "run a hook action before the apps load", 0, 0, weft_hooks_opt },
    { "hook-post-app", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.hook_post_app, "ACTION:ARGS",
      "run a hook action after the apps load", 0, 0, weft_hooks_opt },
    { "hook-master-start", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.hook_master_start, "ACTION:ARGS",
      "run a hook action in the master before it starts the workers (implies --master)", 0, 0, weft_hooks_opt },
    { "hook-accepting", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.hook_accepting, "ACTION:ARGS",
      "run a hook action in each worker before it accepts requests", 0, 0, weft_hooks_opt },
    { "exec-as-root", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.hook_as_root, "COMMAND",
      "the same as --hook-as-root exec:COMMAND", 0, 0, weft_hooks_exec_opt },
    { "exec-as-user", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.hook_as_user, "COMMAND",
      "the same as --hook-as-user exec:COMMAND", 0, 0, weft_hooks_exec_opt },
    { "exec-pre-app", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.hook_pre_app, "COMMAND",
      "the same as --hook-pre-app exec:COMMAND", 0, 0, weft_hooks_exec_opt },
    { "exec-post-app", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.hook_post_app, "COMMAND",
      "the same as --hook-post-app exec:COMMAND", 0, 0, weft_hooks_exec_opt },
    { "exec-master-start", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.hook_master_start, "COMMAND",
      "the same as --hook-master-start exec:COMMAND", 0, 0, weft_hooks_exec_opt },
    { "exec-accepting", 0, WEFT_OPT_CALLBACK, 0, &weft_conf.hook_accepting, "COMMAND",
      "the same as --hook-accepting exec:COMMAND", 0, 0, weft_hooks_exec_opt },

    /* ---- stats and metrics (core/stats_server.c, docs/stats.md) ---- */
    { "stats", 0, WEFT_OPT_STRING, 0, &weft_conf.stats_addr, "ADDR",
      "serve the stats document (JSON, uWSGI's keys) on ADDR (HOST:PORT or a UNIX socket path): each connection gets it and is closed (implies --master)", 0, 0, NULL },
    { "stats-http", 0, WEFT_OPT_FLAG, 0, &weft_conf.stats_http, NULL,
      "answer --stats connections as HTTP (an HTTP request gets the document as application/json)", 0, 0, NULL },
    { "metrics", 0, WEFT_OPT_STRING, 0, &weft_conf.metrics_addr, "ADDR",
      "serve Prometheus metrics at GET /metrics on ADDR (HOST:PORT or a UNIX socket path; implies --master)", 0, 0, NULL },
    /* ---- limits (issue 17 item 3): core/worker.c ---- */
    { "max-body", 0, WEFT_OPT_SIZE, 0, &weft_conf.limit_post, "SIZE",
      "the same as --limit-post", 0, 0, NULL },
    { "max-conns", 0, WEFT_OPT_INT, 0, &weft_conf.max_conns, "N",
      "a worker holding N client connections stops accepting until one closes: new clients wait in the listen queue (default 0: no limit)", 0, 1000000, NULL },

    /* ---- cheaper (issue 15 item 2): core/cheaper.c ---- */
    { "cheaper", 0, WEFT_OPT_INT, 0, &weft_conf.cheaper, "N",
      "adaptive spawning: run at least N workers, up to --processes, as the load needs (0: off; implies --master)", 0, 1024, NULL },
    { "cheaper-initial", 0, WEFT_OPT_INT, 0, &weft_conf.cheaper_initial, "N",
      "with --cheaper: start N workers (default: --cheaper)", 1, 1024, NULL },
    { "cheaper-step", 0, WEFT_OPT_INT, 0, &weft_conf.cheaper_step, "N",
      "with --cheaper: start N workers at a time when every worker is busy (default 1)", 1, 1024, NULL },
    { "cheaper-overload", 0, WEFT_OPT_INT, 0, &weft_conf.cheaper_overload, "SECONDS",
      "with --cheaper: how long every worker must be busy before more start, and more than one idle before one stops (default 3)", 1, 86400, NULL },
    { "cheaper-algo", 0, WEFT_OPT_CALLBACK, 0, NULL, "spare|busyness",
      "with --cheaper: the algorithm, spare (the default) or busyness", 0, 0, weft_cheaper_algo_opt },
    { "cheaper-busyness-max", 0, WEFT_OPT_INT, 0, &weft_conf.busyness_max, "PERCENT",
      "busyness: start --cheaper-step workers when the workers' average busyness over --cheaper-overload is higher (default 50)", 0, 100, NULL },
    { "cheaper-busyness-min", 0, WEFT_OPT_INT, 0, &weft_conf.busyness_min, "PERCENT",
      "busyness: a --cheaper-overload window below this is an idle one (default 25)", 0, 100, NULL },
    { "cheaper-busyness-multiplier", 0, WEFT_OPT_INT, 0, &weft_conf.busyness_multiplier, "N",
      "busyness: stop one worker after N idle windows in a row (default 10)", 1, 100000, NULL },
    { "cheaper-busyness-penalty", 0, WEFT_OPT_INT, 0, &weft_conf.busyness_penalty, "N",
      "busyness: add N to the multiplier when a worker must start again sooner than it took to stop one (default 2)", 0, 100000, NULL },
    { "cheaper-busyness-backlog-alert", 0, WEFT_OPT_INT, 0, &weft_conf.busyness_backlog_alert, "N",
      "busyness: start emergency workers at once when more than N connections wait in the listen queue (default 33; 0: off)", 0, 1L << 20, NULL },
    { "cheaper-busyness-backlog-multiplier", 0, WEFT_OPT_INT, 0, &weft_conf.busyness_backlog_multiplier, "N",
      "busyness: idle windows before an emergency worker is stopped (default 3)", 1, 100000, NULL },
    { "cheaper-busyness-backlog-step", 0, WEFT_OPT_INT, 0, &weft_conf.busyness_backlog_step, "N",
      "busyness: emergency workers started at a time (default 1)", 1, 1024, NULL },
    { "cheaper-busyness-backlog-nonzero", 0, WEFT_OPT_INT, 0, &weft_conf.busyness_backlog_nonzero, "SECONDS",
      "busyness: start an emergency worker when the listen queue has not been empty for SECONDS (default 60; 0: off)", 0, 86400, NULL },
    { "cheaper-busyness-verbose", 0, WEFT_OPT_FLAG, 0, &weft_conf.busyness_verbose, NULL,
      "busyness: log each window's busyness and what it decided", 0, 0, NULL },

    /* ---- threads (issue 15 item 1): core/threads.c ---- */
    { "threads", 0, WEFT_OPT_INT, 0, &weft_conf.threads, "N",
      "serve N requests at once in each worker, on N OS threads (for apps that block; see docs/threads.md)", 1, 1024, NULL },
    { "threads-stacksize", 0, WEFT_OPT_INT, 0, &weft_conf.threads_stacksize, "KIB",
      "the stack of each --threads thread, in KiB (uWSGI's unit; default: the system's)", 0, 1048576, NULL },

    WEFT_OPTION_END
};
