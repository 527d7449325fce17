/*
 * core/api.c - fills weft_api_t with the core's services.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <weft/version.h>
#include "api.h"
#include "conf.h"
#include "cores.h"
#include "http_rules.h"
#include "request.h"
#include "worker.h"
#include "log.h"
#include "loop_serve.h"
#include "options.h"
#include "path.h"
#include "registry.h"

unsigned weft_worker_id;

static int
api_set_option(const char *name, const char *value)
{
    const weft_option_t *opt = weft_options_find(name, NULL);
    char                 err[512];

    if (opt == NULL) {
        weft_log(WEFT_LOG_ERROR, "a plugin set the unknown option --%s", name);
        return WEFT_ERROR;
    }
    if (weft_option_apply(opt, value, "plugin", err, sizeof(err)) != WEFT_OK) {
        weft_log(WEFT_LOG_ERROR, "%s", err);
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

static unsigned
api_worker_id(void)
{
    return weft_worker_id;
}

static unsigned
api_worker_count(void)
{
    return weft_conf.processes > 0 ? (unsigned) weft_conf.processes : 1;
}

/*
 * api->can_suspend(r): 1 when a wait by r suspends only r.  Under a loop
 * engine every wait parks the calling coroutine; under a suspend engine
 * only when the caller runs on r's own core (weft_core_can_suspend() and
 * that core is r's).  Without an engine a wait blocks the worker.
 */
static int
api_can_suspend(weft_request_t *r)
{
    if (r == NULL)
        return 0;
    if (weft_loop_engine != NULL)
        return 1;
    return weft_core_can_suspend() && &weft_core_current()->pub == r->core;
}

const weft_api_t weft_core_api = {
    .size = sizeof(weft_api_t),
    .abi_major = WEFT_ABI_MAJOR,
    .abi_minor = WEFT_ABI_MINOR,
    .version = PACKAGE_VERSION,

    .register_language = weft_register_language,
    .register_suspend_engine = weft_register_suspend_engine,
    .register_loop_engine = weft_register_loop_engine,
    .select_engine = weft_select_engine,
    .set_option = api_set_option,

    .log = weft_log,
    .vlog = weft_vlog,

    .worker_id = api_worker_id,
    .core_count = weft_conf_cores,
    .engine_name = weft_engine_name,

    .var = weft_var_get,
    .read_body = weft_body_read,
    .set_status = weft_resp_set_status,
    .add_header = weft_resp_add_header,
    .write = weft_resp_write,
    .sendfile = weft_resp_sendfile,

    .watch_fd = weft_api_watch_fd,
    .watch_timer = weft_api_watch_timer,
    .suspend = weft_api_suspend,
    .ready_fd = weft_api_ready_fd,
    .timed_out = weft_api_timed_out,
    .wait_fd = weft_api_wait_fd,
    .sleep = weft_api_sleep,
    .current_request = weft_api_current_request,

    .core_main = weft_core_main,

    .listener_count = weft_loop_listener_count,
    .listener_fd = weft_loop_listener_fd,
    .accept = weft_loop_accept,
    .serve_connection = weft_loop_serve_connection,
    .stop_worker = weft_worker_stop,

    .worker_count = api_worker_count,
    .percent_decode = weft_percent_decode,

    /* ABI 1.1 */
    .engine_flags = weft_engine_flags,
    .can_suspend = api_can_suspend,
    .set_content_length = weft_resp_set_content_length,
    .sendfile_fd = weft_resp_sendfile_fd,
    .valid_header_name = weft_http_valid_name,
    .valid_header_value = weft_http_valid_value,
    .parse_status = weft_http_parse_status,
    .parse_content_length = weft_http_parse_content_length,
    .status_has_body = weft_http_status_has_body,
    .read_line = weft_body_read_line,
    .body_seek = weft_body_seek,
    .write_ref = weft_resp_write_ref,
    .open_beneath = weft_open_beneath,

    /* ABI 1.2 */
    .hijack = weft_resp_hijack,
    .early_hints = weft_resp_early_hints,

    /* ABI 1.4 */
    .has_master = weft_worker_has_master,
    .recycle_worker = weft_worker_recycle,

    /* ABI 1.5 */
    .reopen_log = weft_log_reopen,
};
