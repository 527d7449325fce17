# plugins/coroae/local.mk - coroae.so, the Coro::AnyEvent loop engine.
if BUILD_COROAE
plugin_LTLIBRARIES += plugins/coroae/coroae.la
plugins_coroae_coroae_la_SOURCES = \
	plugins/coroae/coroae.h plugins/coroae/plugin.c plugins/coroae/boot.c \
	plugins/coroae/coro.c plugins/coroae/wait.c plugins/coroae/serve.c
plugins_coroae_coroae_la_CPPFLAGS = $(plugin_cppflags) $(PERL_CFLAGS) $(CORO_CFLAGS)
plugins_coroae_coroae_la_CFLAGS = $(plugin_cflags)
plugins_coroae_coroae_la_LDFLAGS = $(plugin_ldflags)
plugins_coroae_coroae_la_LIBADD = $(PERL_LIBS)
endif

COROAE_TESTS = t/integration/test_coroae.py t/integration/test_coroae_psgi.py
COROAE_TEST_APPS = t/apps/perl/coroae_app.psgi t/apps/perl/coroae_preload.psgi
TESTS += $(COROAE_TESTS)
EXTRA_DIST += $(COROAE_TESTS) $(COROAE_TEST_APPS) docs/coroae.md \
	bench/apps/sleep_coroae.psgi bench/apps/sleep_coro.psgi bench/apps/sleep_twiggy.psgi
