# t/local.mk - `make check`: CUnit unit tests of the core, then integration
# tests (pytest) that start the real weft binary.  Every test reports TAP.


LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .py
PY_LOG_COMPILER = $(top_builddir)/t/run-pytest
PY_LOG_DRIVER = $(LOG_DRIVER)
AM_TESTS_ENVIRONMENT = \
	WEFT_BIN='$(abs_top_builddir)/weft'; \
	WEFT_PLUGIN_DIR='$(abs_top_builddir)/.plugins'; \
	WEFT_TEST_PLUGINS='$(abs_top_builddir)/t/plugins/.libs'; \
	WEFT_SRCDIR='$(abs_top_srcdir)'; \
	WEFT_BUILDDIR='$(abs_top_builddir)'; \
	export WEFT_BIN WEFT_PLUGIN_DIR WEFT_TEST_PLUGINS WEFT_SRCDIR WEFT_BUILDDIR;

# ------------------------------------------------------------ test plugins
# Built only for `make check`; several are broken on purpose.
test_plugin_ldflags = -module -avoid-version -shared -rpath /nowhere $(AM_LDFLAGS)
test_plugin_cppflags = $(SDK_CPPFLAGS)

check_LTLIBRARIES += \
	t/plugins/testgood.la t/plugins/needsgood.la t/plugins/dupname.la \
	t/plugins/failinit.la t/plugins/badmagic.la t/plugins/majorplus.la \
	t/plugins/minornewer.la t/plugins/shortdesc.la t/plugins/nodesc.la \
	t/plugins/testapp.la t/plugins/testloop.la

t_plugins_testgood_la_SOURCES = t/plugins/testgood.c
t_plugins_testgood_la_CPPFLAGS = $(test_plugin_cppflags)
t_plugins_testgood_la_LDFLAGS = $(test_plugin_ldflags)
t_plugins_needsgood_la_SOURCES = t/plugins/needsgood.c
t_plugins_needsgood_la_CPPFLAGS = $(test_plugin_cppflags)
t_plugins_needsgood_la_LDFLAGS = $(test_plugin_ldflags)
t_plugins_dupname_la_SOURCES = t/plugins/dupname.c
t_plugins_dupname_la_CPPFLAGS = $(test_plugin_cppflags)
t_plugins_dupname_la_LDFLAGS = $(test_plugin_ldflags)
t_plugins_failinit_la_SOURCES = t/plugins/failinit.c
t_plugins_failinit_la_CPPFLAGS = $(test_plugin_cppflags)
t_plugins_failinit_la_LDFLAGS = $(test_plugin_ldflags)
t_plugins_badmagic_la_SOURCES = t/plugins/badmagic.c
t_plugins_badmagic_la_CPPFLAGS = $(test_plugin_cppflags)
t_plugins_badmagic_la_LDFLAGS = $(test_plugin_ldflags)
t_plugins_majorplus_la_SOURCES = t/plugins/majorplus.c
t_plugins_majorplus_la_CPPFLAGS = $(test_plugin_cppflags)
t_plugins_majorplus_la_LDFLAGS = $(test_plugin_ldflags)
t_plugins_minornewer_la_SOURCES = t/plugins/minornewer.c
t_plugins_minornewer_la_CPPFLAGS = $(test_plugin_cppflags)
t_plugins_minornewer_la_LDFLAGS = $(test_plugin_ldflags)
t_plugins_shortdesc_la_SOURCES = t/plugins/shortdesc.c
t_plugins_shortdesc_la_CPPFLAGS = $(test_plugin_cppflags)
t_plugins_shortdesc_la_LDFLAGS = $(test_plugin_ldflags)
t_plugins_testapp_la_SOURCES = t/plugins/testapp.c
t_plugins_testapp_la_CPPFLAGS = $(test_plugin_cppflags)
t_plugins_testapp_la_LDFLAGS = $(test_plugin_ldflags)
t_plugins_testloop_la_SOURCES = t/plugins/testloop.c
t_plugins_testloop_la_CPPFLAGS = $(test_plugin_cppflags)
t_plugins_testloop_la_LDFLAGS = $(test_plugin_ldflags)
t_plugins_nodesc_la_SOURCES = t/plugins/nodesc.c
t_plugins_nodesc_la_LDFLAGS = $(test_plugin_ldflags)

# ------------------------------------------------------------ unit tests
if HAVE_CUNIT
unit_cppflags = $(SDK_CPPFLAGS) -I$(top_srcdir)/core $(CUNIT_CFLAGS) $(LIBEVENT_CFLAGS)
unit_ldadd = $(CORE_LIBS) $(CUNIT_LIBS)

check_PROGRAMS += t/unit/test_options t/unit/test_loader t/unit/test_proto
TESTS += t/unit/test_options t/unit/test_loader t/unit/test_proto

t_unit_test_options_SOURCES = t/unit/test_options.c t/unit/tap.c t/unit/tap.h
t_unit_test_options_CPPFLAGS = $(unit_cppflags)
t_unit_test_options_LDADD = $(unit_ldadd)

t_unit_test_loader_SOURCES = t/unit/test_loader.c t/unit/tap.c t/unit/tap.h
t_unit_test_loader_CPPFLAGS = $(unit_cppflags)
t_unit_test_loader_LDADD = $(unit_ldadd)

t_unit_test_proto_SOURCES = t/unit/test_proto.c t/unit/tap.c t/unit/tap.h
t_unit_test_proto_CPPFLAGS = $(unit_cppflags)
t_unit_test_proto_LDADD = $(unit_ldadd)

# routes (core/route*.c): the parser and the template expander
check_PROGRAMS += t/unit/test_route
TESTS += t/unit/test_route
t_unit_test_route_SOURCES = t/unit/test_route.c t/unit/tap.c t/unit/tap.h
t_unit_test_route_CPPFLAGS = $(unit_cppflags) $(PCRE2_CFLAGS)
t_unit_test_route_LDADD = $(unit_ldadd)
endif

# ------------------------------------------------------------ integration
INTEGRATION_TESTS = \
	t/integration/test_cli.py \
	t/integration/test_hello_plugin.py \
	t/integration/test_tiny_language.py \
	t/integration/test_startup_signals.py \
	t/integration/test_http.py \
	t/integration/test_async.py \
	t/integration/test_uwsgi.py \
	t/integration/test_nginx.py \
	t/integration/test_master.py \
	t/integration/test_daemons.py \
	t/integration/test_cron.py \
	t/integration/test_hooks.py \
	t/integration/test_systemd.py \
	t/integration/test_operations.py \
	t/integration/test_static.py \
	t/integration/test_routes.py \
	t/integration/test_logs.py \
	t/integration/test_ini.py \
	t/integration/test_loop_engine.py
# the stats server and the metrics (issue 16 items 1 and 2)
INTEGRATION_TESTS += t/integration/test_stats.py t/integration/test_metrics.py
EXTRA_DIST += t/integration/statslib.py
TESTS += $(INTEGRATION_TESTS)

EXTRA_DIST += $(INTEGRATION_TESTS) \
	t/integration/conftest.py t/integration/weft_tap.py t/integration/weftlib.py t/integration/slow_backend.py \
	t/integration/pytest.ini

# ------------------------------------------------------------ ABI (abi)
# test_abi holds every ABI struct's layout against t/abi/layout-ARCH.txt
# and checks the options' stride; abi10 is built against nothing but the
# frozen 1.0 headers (t/abi/1.0), nostack declares a language that cannot
# run on foreign C stacks.
if HAVE_CUNIT
check_PROGRAMS += t/unit/test_abi
TESTS += t/unit/test_abi
t_unit_test_abi_SOURCES = t/unit/test_abi.c t/unit/tap.c t/unit/tap.h
t_unit_test_abi_CPPFLAGS = $(unit_cppflags) -DWEFT_TOP_SRCDIR='"$(abs_top_srcdir)"'
t_unit_test_abi_LDADD = $(unit_ldadd)
endif

check_LTLIBRARIES += t/plugins/abi10.la t/plugins/nostack.la t/plugins/caps.la
t_plugins_abi10_la_SOURCES = t/plugins/abi10.c
t_plugins_abi10_la_CPPFLAGS = -I$(top_srcdir)/t/abi/1.0
t_plugins_abi10_la_LDFLAGS = $(test_plugin_ldflags)
t_plugins_nostack_la_SOURCES = t/plugins/nostack.c
t_plugins_nostack_la_CPPFLAGS = $(test_plugin_cppflags)
t_plugins_nostack_la_LDFLAGS = $(test_plugin_ldflags)
t_plugins_caps_la_SOURCES = t/plugins/caps.c
t_plugins_caps_la_CPPFLAGS = $(test_plugin_cppflags)
t_plugins_caps_la_LDFLAGS = $(test_plugin_ldflags)

ABI_TESTS = t/integration/test_abi.py
TESTS += $(ABI_TESTS)
EXTRA_DIST += $(ABI_TESTS) t/abi/layout-lp64.txt \
	t/abi/1.0/weft/api.h t/abi/1.0/weft/engine.h t/abi/1.0/weft/language.h \
	t/abi/1.0/weft/option.h t/abi/1.0/weft/plugin.h t/abi/1.0/weft/request.h \
	t/abi/1.0/weft/status.h t/abi/1.0/weft/version.h t/abi/1.0/weft/weft.h

# ------------------------------------------------------------ the HTTP rules (rules)
# test_http_rules: core/http_rules.c, the API slots and the parser's use of
# them; test_http_rules.py: every language's view of them (python and CGI).
if HAVE_CUNIT
check_PROGRAMS += t/unit/test_http_rules
TESTS += t/unit/test_http_rules
t_unit_test_http_rules_SOURCES = t/unit/test_http_rules.c t/unit/tap.c t/unit/tap.h
t_unit_test_http_rules_CPPFLAGS = $(unit_cppflags)
t_unit_test_http_rules_LDADD = $(unit_ldadd)
endif

RULES_TESTS = t/integration/test_http_rules.py
TESTS += $(RULES_TESTS)
EXTRA_DIST += $(RULES_TESTS) t/apps/python/rules_app.py t/apps/cgi/rules.py
# The request body buffered by the loop, kept and rewound (through python.so).
TESTS += t/integration/test_body_buffer.py
EXTRA_DIST += t/integration/test_body_buffer.py t/apps/python/body_app.py

if HAVE_CUNIT
check_PROGRAMS += t/unit/test_bodybuf
TESTS += t/unit/test_bodybuf
t_unit_test_bodybuf_SOURCES = t/unit/test_bodybuf.c t/unit/tap.c t/unit/tap.h
t_unit_test_bodybuf_CPPFLAGS = $(unit_cppflags)
t_unit_test_bodybuf_LDADD = $(unit_ldadd)
endif

# The response drains without a core (issue 11, item 5): its own list, so
# the lines above stay as they are.
OFFLOAD_TESTS = t/integration/test_offload.py
TESTS += $(OFFLOAD_TESTS)
EXTRA_DIST += $(OFFLOAD_TESTS) t/apps/python/offload_app.py

if HAVE_CUNIT
check_PROGRAMS += t/unit/test_outq
TESTS += t/unit/test_outq
t_unit_test_outq_SOURCES = t/unit/test_outq.c t/unit/tap.c t/unit/tap.h
t_unit_test_outq_CPPFLAGS = $(unit_cppflags)
t_unit_test_outq_LDADD = $(unit_ldadd)
endif

# ------------------------------------------------------------ request facts, paths
# Core rules checked through every language that is built (each test skips a
# language whose plugin is not).
FACTS_TESTS = \
	t/integration/test_request_facts.py \
	t/integration/test_paths.py
TESTS += $(FACTS_TESTS)
EXTRA_DIST += $(FACTS_TESTS)

if HAVE_CUNIT
check_PROGRAMS += t/unit/test_listen_queue
TESTS += t/unit/test_listen_queue
t_unit_test_listen_queue_SOURCES = t/unit/test_listen_queue.c t/unit/tap.c t/unit/tap.h
t_unit_test_listen_queue_CPPFLAGS = $(unit_cppflags)
t_unit_test_listen_queue_LDADD = $(unit_ldadd)

check_PROGRAMS += t/unit/test_path
TESTS += t/unit/test_path
t_unit_test_path_SOURCES = t/unit/test_path.c t/unit/tap.c t/unit/tap.h
t_unit_test_path_CPPFLAGS = $(unit_cppflags)
t_unit_test_path_LDADD = $(unit_ldadd)
endif

# ------------------------------------------------------------ misc (issue 11)
# The current request under a loop engine, timers on the monotonic clock.
MISC_TESTS = t/integration/test_loop_current.py t/integration/test_watch_fds.py \
	t/integration/test_clock.py
TESTS += $(MISC_TESTS)
EXTRA_DIST += $(MISC_TESTS) t/apps/python/loop_current_app.py t/apps/python/slow_import.py \
	t/apps/python/watch_many_app.py

if HAVE_CUNIT
check_PROGRAMS += t/unit/test_current
TESTS += t/unit/test_current
t_unit_test_current_SOURCES = t/unit/test_current.c t/unit/tap.c t/unit/tap.h
t_unit_test_current_CPPFLAGS = $(unit_cppflags)
t_unit_test_current_LDADD = $(unit_ldadd)
endif

# ------------------------------------------------------------ the ini dialect (ini, issue 14)
# test_ini: core/ini_*.c and core/uwsgi_compat.c (and the migration doc
# agreeing with the table); the integration tests start the real weft.
if HAVE_CUNIT
check_PROGRAMS += t/unit/test_ini
TESTS += t/unit/test_ini
t_unit_test_ini_SOURCES = t/unit/test_ini.c t/unit/tap.c t/unit/tap.h
t_unit_test_ini_CPPFLAGS = $(unit_cppflags) -DWEFT_TOP_SRCDIR='"$(abs_top_srcdir)"'
t_unit_test_ini_LDADD = $(unit_ldadd)
endif

INI_TESTS = t/integration/test_ini_dialect.py t/integration/test_check_config.py
TESTS += $(INI_TESTS)
EXTRA_DIST += $(INI_TESTS) docs/uwsgi-migration.md
# uWSGI's everyday options (issue 14 item 4)
if HAVE_CUNIT
check_PROGRAMS += t/unit/test_opts
TESTS += t/unit/test_opts
t_unit_test_opts_SOURCES = t/unit/test_opts.c t/unit/tap.c t/unit/tap.h
t_unit_test_opts_CPPFLAGS = $(unit_cppflags)
t_unit_test_opts_LDADD = $(unit_ldadd)
endif

# ------------------------------------------------------------ the soak (soak, issue 17)
# t/soak/soak.py runs from .ci/run (step "soak"), not from make check; what
# it found in weft is tested here.
SOAK_TESTS = t/integration/test_soak_regressions.py
TESTS += $(SOAK_TESTS)
EXTRA_DIST += $(SOAK_TESTS) t/soak/soak.py t/soak/traffic.py t/soak/wire.py \
	t/soak/procwatch.py t/soak/app.py t/soak/cgi/hello.sh t/soak/cgi/stream.sh \
	t/soak/cgi/echo.sh t/soak/cgi/digest.sh t/soak/cgi/sleep.sh
