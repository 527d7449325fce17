/*
 * core/conf.h - the core's settings, filled by the options in
 * core/core_options.c (command line and ini files).
 */
#ifndef WEFT_CORE_CONF_H
#define WEFT_CORE_CONF_H

#include <stddef.h>
#include <weft/option.h>

typedef struct weft_conf_s weft_conf_t;

struct weft_conf_s {
    /* plugins */
    const char      *plugin_dir;

    /* sockets */
    weft_strlist_t   uwsgi_sockets;     /* --socket */
    weft_strlist_t   http_sockets;      /* --http-socket */
    long             listen_backlog;    /* --listen */
    const char      *chmod_socket;      /* --chmod-socket (octal) */
    long             http_modifier1;    /* --http-socket-modifier1, -1: auto */

    /* requests */
    long             async;             /* --async: cores per worker (0: not given) */
    size_t           buffer_size;       /* --buffer-size: largest request head */
    size_t           limit_post;        /* --limit-post: largest body, 0: none */
    double           socket_timeout;    /* --socket-timeout, seconds */
    double           keepalive_timeout; /* --keepalive-timeout, seconds */
    long             max_headers;       /* --max-headers */
    size_t           body_buffer_size;  /* --body-buffer-size: a body's memory
                                           before it goes to a temp file */
    size_t           body_buffering;    /* --body-buffering: bodies up to this
                                           are read before a core takes the
                                           request; 0: off, SIZE_MAX: all */

    /* processes */
    int              master;            /* --master */
    long             processes;         /* --processes */
    const char      *pidfile;           /* --pidfile */
    const char      *uid;               /* --uid */
    const char      *gid;               /* --gid */
    const char      *chdir_to;          /* --chdir */
    double           reload_mercy;      /* --worker-reload-mercy, seconds */
    long             harakiri;          /* --harakiri, seconds (0: off) */
    long             max_requests;      /* --max-requests (0: off) */
    long             reload_on_rss;     /* --reload-on-rss, MiB (0: off) */

    /* static files */
    weft_strlist_t   static_map;        /* --static-map /url=dir */
    weft_strlist_t   check_static;      /* --check-static dir */
    weft_strlist_t   static_index;      /* --static-index index.html */

    /* logs */
    int              disable_logging;   /* --disable-logging: no access lines */
    const char      *log_format;        /* --log-format: common, json */
    const char      *logto;             /* --logto FILE */

    /* the response */
    size_t           offload_buffer_size; /* --offload-buffer-size: copied bytes a
                                             connection may queue (0: none) */
    /* request facts (core/facts.c; the --script-name prefixes live there) */
    int              manage_script_name; /* --manage-script-name */

    /* daemons, cron and hooks (core/daemons.c, core/cron.c, core/hooks.c):
     * every value is checked when read, then kept as given */
    weft_strlist_t   attach_daemon;       /* --attach-daemon CMD */
    weft_strlist_t   smart_attach_daemon; /* --smart-attach-daemon PIDFILE CMD */
    weft_strlist_t   attach_daemon2;      /* --attach-daemon2 key=value,... */
    weft_strlist_t   cron;                /* --cron "M H D MON WD CMD" */
    weft_strlist_t   unique_cron;         /* --unique-cron, same form */
    weft_strlist_t   hook_as_root;        /* --hook-as-root ACTION:ARGS */
    weft_strlist_t   hook_as_user;
    weft_strlist_t   hook_pre_app;
    weft_strlist_t   hook_post_app;
    weft_strlist_t   hook_master_start;
    weft_strlist_t   hook_accepting;

    /* misc */
    int              help;
    int              version;

    /* ---- uWSGI's everyday options (issue 14 item 4; core/opts*.c,
     * core/log*.c, core/sockperm.c, core/daemonize.c) ---- */
    const char      *chown_socket;      /* --chown-socket USER[:GROUP] */
    int              vacuum;            /* --vacuum: remove UNIX sockets, pidfile */
    const char      *daemonize;         /* --daemonize LOGFILE */
    const char      *umask_mode;        /* --umask (octal) */
    const char      *procname_prefix;   /* --procname-prefix */
    int              auto_procname;     /* --auto-procname */
    const char      *safe_pidfile;      /* --safe-pidfile (written atomically) */
    int              need_app;          /* --need-app (always so) */
    int              harakiri_verbose;  /* --harakiri-verbose */
    long             max_worker_lifetime; /* --max-worker-lifetime, seconds */
    long             reload_on_as;      /* --reload-on-as, MiB (0: off) */
    int              log_4xx;           /* --log-4xx */
    int              log_5xx;           /* --log-5xx */
    long             log_slow;          /* --log-slow, milliseconds (0: off) */
    int              log_xff;           /* --log-x-forwarded-for */
    const char      *logto2;            /* --logto2: --logto after privileges drop */
    const char      *log_date;          /* --log-date[=strftime]: access lines dated */
    size_t           log_maxsize;       /* --log-maxsize: rotate past this */
    const char      *log_backupname;    /* --log-backupname */
    int              memory_report;     /* --memory-report */
    weft_strlist_t   print;             /* --print */
    int              http_keepalive;    /* --http-keepalive (accepted) */

    /* ---- operations (issue 16): core/health.c, core/touch.c ---- */
    const char      *health_path;       /* --health PATH */
    weft_strlist_t   touch_reload;      /* --touch-reload FILE */
    weft_strlist_t   touch_workers_reload; /* --touch-workers-reload FILE */

    /* ---- stats and metrics (issue 16): core/stats_server.c ---- */
    const char      *stats_addr;        /* --stats ADDR */
    int              stats_http;        /* --stats-http */
    const char      *metrics_addr;      /* --metrics ADDR */

    /* ---- cheaper (issue 15 item 2): core/cheaper.c; 0: not given ---- */
    long             cheaper;           /* --cheaper: the fewest workers (0: off) */
    long             cheaper_initial;   /* --cheaper-initial (0: --cheaper) */
    long             cheaper_step;      /* --cheaper-step (0: 1) */
    long             cheaper_overload;  /* --cheaper-overload, seconds (0: 3) */
    int              cheaper_busyness;  /* --cheaper-algo busyness (cheaper_busyness.c) */
    long             busyness_max;      /* --cheaper-busyness-max, percent */
    long             busyness_min;      /* --cheaper-busyness-min, percent */
    long             busyness_multiplier; /* idle windows before one is stopped */
    long             busyness_penalty;  /* added to it when one comes back too soon */
    long             busyness_backlog_alert; /* listen queue that starts one now (0: off) */
    long             busyness_backlog_multiplier; /* idle windows for those */
    long             busyness_backlog_step; /* how many it starts */
    long             busyness_backlog_nonzero; /* seconds of a non-empty queue (0: off) */
    int              busyness_verbose;  /* --cheaper-busyness-verbose */
    /* ---- limits (issue 17 item 3): core/worker.c, core/listen_warn.c ---- */
    long             max_conns;         /* --max-conns: connections a worker holds
                                           before it stops accepting (0: no limit) */
    /* ---- threads (issue 15 item 1): core/threads.c ---- */
    long             threads;           /* --threads: serving OS threads per worker (0, 1: one) */
    long             threads_stacksize; /* --threads-stacksize, KiB (0: the system's) */
};

extern weft_conf_t         weft_conf;
extern const weft_option_t weft_core_options[];

/* How many cores a worker gets in all: its threads' (--threads) times
 * each thread's async cores (1 when --async was not given).  The
 * scoreboard and the plugins' per-core tables are this long. */
unsigned weft_conf_cores(void);

/* Serving threads per worker (1 without --threads), and the cores each
 * runs: core ids of thread t are t * weft_conf_thread_cores() + i. */
unsigned weft_conf_threads(void);
unsigned weft_conf_thread_cores(void);

#endif
