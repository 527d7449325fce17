# plugins/perl/local.mk - perl.so, the PSGI language plugin.
# PERL_CFLAGS / PERL_LIBS (m4/weft_plugins.m4) serve coroae.so as well.
if BUILD_PERL
plugin_LTLIBRARIES += plugins/perl/perl.la
plugins_perl_perl_la_SOURCES = \
	plugins/perl/perl.h plugins/perl/perl.c plugins/perl/app.c \
	plugins/perl/psgi.c plugins/perl/psgi_env.c plugins/perl/psgi_input.c \
	plugins/perl/psgi_response.c plugins/perl/psgi_io.c plugins/perl/api_module.c \
	plugins/perl/psgi_stdio.c
plugins_perl_perl_la_CPPFLAGS = $(plugin_cppflags) $(PERL_CFLAGS)
plugins_perl_perl_la_CFLAGS = $(plugin_cflags)
plugins_perl_perl_la_LDFLAGS = $(plugin_ldflags)
plugins_perl_perl_la_LIBADD = $(PERL_LIBS)
endif

PERL_TESTS = \
	t/integration/test_psgi.py t/integration/test_psgi_suite.py \
	t/integration/test_psgi_frameworks.py t/integration/test_psgi_options.py
PERL_TEST_APPS = \
	t/apps/perl/psgiclient.py t/apps/perl/hello.psgi t/apps/perl/psgi_app.psgi \
	t/apps/perl/load_error.psgi t/apps/perl/syntax_error.psgi t/apps/perl/not_code.psgi \
	t/apps/perl/suite.pl t/apps/perl/suite.psgi \
	t/apps/perl/dancer2_app.psgi t/apps/perl/mojo_app.psgi \
	t/apps/perl/options_app.psgi t/apps/perl/lib/WeftTestHelper.pm \
	t/apps/perl/locallib/lib/perl5/WeftLocalLib.pm
TESTS += $(PERL_TESTS)
EXTRA_DIST += $(PERL_TESTS) $(PERL_TEST_APPS) \
	docs/perl.md examples/perl/hello.psgi bench/psgi.py bench/apps/hello.psgi
