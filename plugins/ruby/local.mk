# plugins/ruby/local.mk - ruby.so, the Rack language plugin.
# RUBY_CFLAGS / RUBY_LIBS (m4/weft_plugins.m4) serve fiber.so as well.
if BUILD_RUBY
plugin_LTLIBRARIES += plugins/ruby/ruby.la
plugins_ruby_ruby_la_SOURCES = \
	plugins/ruby/ruby.h plugins/ruby/ruby.c plugins/ruby/app.c \
	plugins/ruby/rack.c plugins/ruby/rack_env.c plugins/ruby/rack_input.c \
	plugins/ruby/rack_response.c plugins/ruby/rack_hijack.c plugins/ruby/api_module.c \
	plugins/ruby/gvl.c plugins/ruby/rack_stdio.c
plugins_ruby_ruby_la_CPPFLAGS = $(plugin_cppflags) $(RUBY_CFLAGS)
plugins_ruby_ruby_la_CFLAGS = $(plugin_cflags)
plugins_ruby_ruby_la_LDFLAGS = $(plugin_ldflags)
plugins_ruby_ruby_la_LIBADD = $(RUBY_LIBS)
endif

RUBY_TESTS = \
	t/integration/test_rack.py t/integration/test_rack_lint.py t/integration/test_rack_options.py \
	t/integration/test_rack_sinatra.py t/integration/test_rack_hijack.py
RUBY_TEST_APPS = \
	t/apps/ruby/hello.ru t/apps/ruby/rackclient.py t/apps/ruby/rack_app.ru \
	t/apps/ruby/load_error.ru t/apps/ruby/lint.ru t/apps/ruby/async_app.ru \
	t/apps/ruby/lib/weft_test_helper.rb t/apps/ruby/sinatra_app.ru t/apps/ruby/hijack_app.ru
TESTS += $(RUBY_TESTS)
EXTRA_DIST += $(RUBY_TESTS) $(RUBY_TEST_APPS) \
	docs/ruby.md examples/ruby/hello.ru \
	bench/rack.py bench/apps/hello.ru bench/apps/sleep_uwsgi.ru
