/*
 * core/core_options.c - the core's options and their defaults.
 *
 * Names follow uWSGI where uWSGI has the option, so its users keep their
 * habits (design.md section 6).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <weft/status.h>
#include "conf.h"
#include "log.h"
#include "plugin_loader.h"

weft_conf_t weft_conf = {
    .listen_backlog = 1024,
    .http_modifier1 = -1,
    .buffer_size = 16384,
    .limit_post = 0,
    .socket_timeout = 30.0,
    .keepalive_timeout = 15.0,
    .max_headers = 100,
};

unsigned
weft_conf_cores(void)
{
    return weft_conf.async > 0 ? (unsigned) weft_conf.async : 1;
}

static int
set_plugin(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    return weft_plugin_load_list(value, 1, err, errlen);
}

static int
set_plugin_dir(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    weft_conf.plugin_dir = value;
    weft_plugin_set_dir(value);
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
set_octal(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    const char *p = value ? value : "666";

    if (strlen(p) < 3 || strlen(p) > 4 || strspn(p, "01234567") != strlen(p)) {
        snprintf(err, errlen, "'%s' is not an octal mode such as 660", p);
        return WEFT_ERROR;
    }
    *(const char **) opt->data = p;
    return WEFT_OK;
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
      "the most header fields a request may have (default 100; more get 431)", 1, 10000, NULL },

    WEFT_OPTION_END
};
