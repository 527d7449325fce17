/*
 * t/unit/test_opts.c - the value rules of uWSGI's everyday options: plugin
 * names, octal modes, the log-format compiler, --env, --post-buffering.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include "conf.h"
#include "opts.h"
#include "tap.h"

static void
test_plugin_names(void)
{
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("python"), "python");
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("python3"), "python");
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("python311"), "python");
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("python3.11"), "python");
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("rack"), "ruby");
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("rack_ruby31"), "ruby");
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("psgi"), "perl");
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("greenlet_python3"), "greenlet");
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("gevent_python3"), "gevent");
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("logfile"), "");
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("http"), "");
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("router_static"), "");
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("cgi"), "cgi");
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("ugreen"), "ugreen");
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("/opt/x/mine.so"), "/opt/x/mine.so");
    CU_ASSERT_STRING_EQUAL(weft_plugin_name_map("pythonista"), "pythonista");
}

static void
test_octal_modes(void)
{
    unsigned m = 0;

    CU_ASSERT_EQUAL(weft_parse_octal_mode("664", &m), WEFT_OK);
    CU_ASSERT_EQUAL(m, 0664);
    CU_ASSERT_EQUAL(weft_parse_octal_mode("0660", &m), WEFT_OK);
    CU_ASSERT_EQUAL(m, 0660);
    CU_ASSERT_EQUAL(weft_parse_octal_mode("022", &m), WEFT_OK);
    CU_ASSERT_EQUAL(m, 022);
    CU_ASSERT_EQUAL(weft_parse_octal_mode("678", &m), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_parse_octal_mode("u=rw", &m), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_parse_octal_mode("", &m), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_parse_octal_mode("17777", &m), WEFT_ERROR);
}

static void
test_log_format_compile(void)
{
    char err[512];

    CU_ASSERT_EQUAL(weft_logformat_compile("%(addr) - %(user) [%(ltime)] \"%(method) %(uri)\" "
                                           "%(status) %(var.HTTP_X)", err, sizeof(err)), WEFT_OK);
    CU_ASSERT_TRUE(weft_logformat_active());
    CU_ASSERT_EQUAL(weft_logformat_compile("%(addr) %(nope)", err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "%(nope) is not a log variable"));
    CU_ASSERT_EQUAL(weft_logformat_compile("%(addr", err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_logformat_compile("", err, sizeof(err)), WEFT_OK);
    CU_ASSERT_FALSE(weft_logformat_active());
}

static void
test_env_and_post_buffering(void)
{
    char err[512];

    CU_ASSERT_EQUAL(weft_opts_set_env(NULL, "WEFT_T_A=1=2", err, sizeof(err)), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(getenv("WEFT_T_A"), "1=2");
    CU_ASSERT_EQUAL(weft_opts_set_env(NULL, "=x", err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_opts_set_env(NULL, "WEFT_T_UNSET_NAME", err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_opts_set_env(NULL, "WEFT_T_A", err, sizeof(err)), WEFT_OK);

    CU_ASSERT_EQUAL(weft_opts_set_post_buffering(NULL, "8k", err, sizeof(err)), WEFT_OK);
    CU_ASSERT_EQUAL(weft_conf.body_buffer_size, 8192);
    CU_ASSERT_EQUAL(weft_conf.body_buffering, SIZE_MAX);
    CU_ASSERT_EQUAL(weft_opts_set_post_buffering(NULL, "0", err, sizeof(err)), WEFT_OK);
    CU_ASSERT_EQUAL(weft_conf.body_buffering, 0);
    CU_ASSERT_EQUAL(weft_opts_set_post_buffering(NULL, "lots", err, sizeof(err)), WEFT_ERROR);
}

static void
test_loggers(void)
{
    char err[512];

    CU_ASSERT_EQUAL(weft_logger_add("redislog:127.0.0.1", 0, err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a logger weft has"));
    CU_ASSERT_EQUAL(weft_logger_add("syslog:app,nosuch", 0, err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_logger_add("file:/nonexistent-dir/x.log", 0, err, sizeof(err)),
                    WEFT_ERROR);
    CU_ASSERT_FALSE(weft_logger_req_active());
}

int
main(void)
{
    static const weft_tap_test_t tests[] = {
        { "uWSGI plugin names", test_plugin_names },
        { "octal modes", test_octal_modes },
        { "log-format", test_log_format_compile },
        { "env and post-buffering", test_env_and_post_buffering },
        { "loggers", test_loggers },
        { NULL, NULL }
    };

    weft_tap_suite("opts", tests);
    return weft_tap_run();
}
