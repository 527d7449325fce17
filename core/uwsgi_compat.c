/*
 * core/uwsgi_compat.c - the uWSGI option names weft answers without an
 * option of its own (see uwsgi_compat.h; docs/uwsgi-migration.md has the
 * same rows, with the options weft honours).
 */
#include "config.h"

#include <string.h>

#include "options.h"
#include "uwsgi_compat.h"

#define ACC WEFT_COMPAT_ACCEPTED
#define MAP WEFT_COMPAT_MAPPED
#define IGN WEFT_COMPAT_IGNORED
#define UNS WEFT_COMPAT_UNSUPPORTED

const weft_compat_t weft_compat_table[] = {
    /* accepted: weft already behaves that way */
    { "enable-threads", ACC, NULL, "Python threads always run in weft" },
    { "single-interpreter", ACC, NULL, "weft runs one interpreter per worker" },
    { "thunder-lock", ACC, NULL,
      "weft has no accept lock to turn on: a worker that loses an accept goes back to its loop" },
    { "die-on-term", ACC, NULL, "SIGTERM stops weft (SIGHUP reloads it)" },
    { "ignore-sigpipe", ACC, NULL, "weft never dies of SIGPIPE" },
    { "ignore-write-errors", ACC, NULL, "a client that goes away is logged at INFO" },
    { "disable-write-exception", ACC, NULL,
      "a client that goes away is logged at INFO, never raised into the app" },
    { "no-default-app", ACC, NULL, "weft serves the one app it loads" },
    { "wsgi-disable-file-wrapper", ACC, NULL,
      "weft's wsgi.file_wrapper streams files correctly: nothing to turn off" },
    { "py-callos-afterfork", ACC, NULL, "weft runs Python's after-fork hooks in every worker" },
    { "py-call-osafterfork", ACC, NULL, "weft runs Python's after-fork hooks in every worker" },
    { "master-as-root", ACC, NULL, "weft's master keeps its user; workers drop to uid/gid" },
    { "no-orphans", ACC, NULL, "a worker dies with its master" },
    { "pcre-jit", ACC, NULL, "weft compiles every route's regular expression with PCRE2's JIT" },

    /* mapped: another weft option takes the value */
    { "pidfile2", MAP, "pidfile", "weft writes --pidfile after dropping privileges, as pidfile2" },
    { "static-check", MAP, "check-static", "the same as --check-static" },
    { "logformat", MAP, "log-format", "the same as --log-format" },
    { "venv", MAP, "virtualenv", "the same as --virtualenv (python)" },
    { "pyhome", MAP, "virtualenv", "the same as --virtualenv (python)" },
    { "pp", MAP, "pythonpath", "the same as --pythonpath (python)" },
    { "file", MAP, "wsgi-file", "the same as --wsgi-file (python)" },
    { "lazy", MAP, "lazy-apps", "the same as --lazy-apps (python)" },
    { "need-plugin", MAP, "plugin", "the same as --plugin" },
    { "need-plugins", MAP, "plugin", "the same as --plugin" },
    { "stats-server", MAP, "stats", "the same as --stats" },

    /* ignored: no effect in weft */
    { "max-fd", IGN, NULL, "weft keeps the limit it was started with (raise it with ulimit -n)" },
    { "cpu-affinity", IGN, NULL, "weft does not pin workers to CPUs" },
    { "reuse-port", IGN, NULL, "weft binds each socket once, in the master" },
    { "so-keepalive", IGN, NULL, "weft does not set SO_KEEPALIVE" },
    { "tcp-nodelay", IGN, NULL, "weft writes whole responses: Nagle does not delay them" },
    { "max-requests-delta", IGN, NULL, "workers recycle at exactly --max-requests" },
    { "honour-stdin", IGN, NULL, "weft's apps read /dev/null on stdin" },
    { "wsgi-env-behavior", IGN, NULL, "weft builds a fresh environ for every request" },
    { "wsgi-env-behaviour", IGN, NULL, "weft builds a fresh environ for every request" },
    { "post-buffering-bufsize", IGN, NULL, "see --body-buffer-size" },
    { "logfile-chown", IGN, NULL, "weft opens the log before dropping privileges" },
    { "http-websockets", IGN, NULL, "WebSocket upgrades reach the app as ordinary requests" },
    { "exit-on-reload", IGN, NULL, "SIGHUP reloads weft; SIGTERM stops it" },
    { "mule-reload-mercy", IGN, NULL, "weft has no mules" },
    { "protocol", IGN, NULL, "socket always speaks uwsgi and http-socket HTTP" },
    { "socket-protocol", IGN, NULL, "socket always speaks uwsgi and http-socket HTTP" },

    /* unsupported: the next issue builds them, or weft has no such thing */
    { "cheaper*", UNS, NULL, "weft runs cheaper's spare and busyness algorithms with cheaper, cheaper-initial, -step, -overload, -algo and cheaper-busyness-* alone (docs/cheaper.md)" },
    { "cheap", UNS, NULL, "weft starts its workers at once" },
    { "idle", UNS, NULL, "weft's workers stay up" },
    { "die-on-idle", UNS, NULL, "weft's workers stay up" },
    { "vhost", UNS, NULL, "weft serves one app: route virtual hosts in the frontend" },
    { "pyargv", UNS, NULL, "set sys.argv in the app" },
    { "cgroup", UNS, NULL, "use the service manager's cgroups (systemd slices)" },
    { "subscribe*", UNS, NULL, "weft has no subscription server" },
    { "static-expires*", UNS, NULL, "set Expires in the frontend" },
    { "static-gzip*", UNS, NULL, "serve precompressed files from the frontend" },
    { "smart-attach-daemon2", UNS, NULL, "use attach-daemon2 with pidfile and daemonize=1" },
    { "cron2", UNS, NULL, "use cron MIN HOUR DAY MONTH WEEKDAY COMMAND" },
    { "unique-cron2", UNS, NULL, "use unique-cron MIN HOUR DAY MONTH WEEKDAY COMMAND" },
    { "hook-*", UNS, NULL, "weft runs the hook phases as-root, as-user, pre-app, post-app, master-start and accepting" },
    { "exec-*", UNS, NULL, "weft runs the exec phases as-root, as-user, pre-app, post-app, master-start and accepting" },
    { "route*", UNS, NULL, "weft routes only the request chain (route, route-if, route-run): write route-if = regexp:${HTTP_HOST};PATTERN ACTION and the like" },
    { "response-route*", UNS, NULL, "weft runs only the request chain of routes (docs/routes.md)" },
    { "final-route*", UNS, NULL, "weft runs only the request chain of routes (docs/routes.md)" },
    { "error-route*", UNS, NULL, "weft runs only the request chain of routes (docs/routes.md)" },
    { "add-header", UNS, NULL, "add the header in the app or the frontend" },
    { "stats*", UNS, NULL,
      "weft serves the document on --stats (and Prometheus metrics on --metrics); stats-push, stats-minified and the rest are not done" },
    { "touch-chain-reload", UNS, NULL, "use --touch-workers-reload: the workers are replaced gracefully, while new ones serve" },
    { "master-fifo", UNS, NULL, "use signals: SIGHUP reloads, SIGTERM stops" },
    { "emperor", UNS, NULL, "run one weft per app from your service manager" },
    { "mount", UNS, NULL, "weft serves one app: use --script-name /PREFIX for its mount point" },
    { "spooler*", UNS, NULL, "weft has no spooler: use a task queue" },
    { "mule*", UNS, NULL, "weft has no mules" },
    { "cache2", UNS, NULL, "weft has no cache: use an external one" },
    { "harakiri-graceful-timeout", UNS, NULL, "harakiri kills the worker" },
    { "limit-as", UNS, NULL, "use --reload-on-rss, or the service manager's memory limit" },
    { "evil-reload-on-rss", UNS, NULL, "use --reload-on-rss" },
    { "https", UNS, NULL, "weft does not speak TLS: terminate it in a proxy" },
    { "https-socket", UNS, NULL, "weft does not speak TLS: terminate it in a proxy" },
    { "ssl-socket", UNS, NULL, "weft does not speak TLS: terminate it in a proxy" },
    { "fastcgi-socket", UNS, NULL, "weft speaks HTTP and uwsgi: use http-socket or socket" },
    { "scgi-socket", UNS, NULL, "weft speaks HTTP and uwsgi: use http-socket or socket" },
    { "shared-socket", UNS, NULL, "give the socket to http-socket or socket" },
    { "enable-metrics", UNS, NULL, "weft's metrics are Prometheus's: serve them with --metrics ADDR (docs/stats.md)" },
    { "carbon", UNS, NULL, "weft does not push to Graphite: scrape --metrics with Prometheus (docs/stats.md)" },
    { "py-tracebacker", UNS, NULL, "weft has no tracebacker socket" },
    { "xml", UNS, NULL, "weft reads ini files only" },
    { "yaml", UNS, NULL, "weft reads ini files only" },
    { "json", UNS, NULL, "weft reads ini files only" },
    { "inherit", UNS, NULL, "use ini = FILE" },
    { "include", UNS, NULL, "use ini = FILE" },
    { NULL, 0, NULL, NULL }
};

const weft_compat_t *
weft_compat_find(const char *name)
{
    const weft_compat_t *c;

    for (c = weft_compat_table; c->name != NULL; c++) {
        size_t len = strlen(c->name);
        if (c->name[len - 1] == '*') {
            size_t i;
            for (i = 0; i < len - 1; i++) {
                char a = c->name[i], b = name[i] == '_' ? '-' : name[i];
                if (b == '\0' || a != b)
                    break;
            }
            if (i == len - 1)
                return c;
        } else if (weft_option_name_eq(c->name, name, strlen(name))) {
            return c;
        }
    }
    return NULL;
}

const char *
weft_compat_status_name(weft_compat_status_t status)
{
    switch (status) {
    case WEFT_COMPAT_ACCEPTED: return "accepted";
    case WEFT_COMPAT_MAPPED: return "mapped";
    case WEFT_COMPAT_IGNORED: return "ignored";
    case WEFT_COMPAT_UNSUPPORTED: return "unsupported";
    }
    return "?";
}
