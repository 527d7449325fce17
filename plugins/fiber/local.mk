# plugins/fiber/local.mk - fiber.so, the Ruby fiber suspend engine.
if BUILD_FIBER
plugin_LTLIBRARIES += plugins/fiber/fiber.la
plugins_fiber_fiber_la_SOURCES = plugins/fiber/fiber.c plugins/fiber/fiber.h \
	plugins/fiber/sched.c plugins/fiber/sched_rb.c
plugins_fiber_fiber_la_CPPFLAGS = $(plugin_cppflags) $(RUBY_CFLAGS)
plugins_fiber_fiber_la_CFLAGS = $(plugin_cflags)
plugins_fiber_fiber_la_LDFLAGS = $(plugin_ldflags)
plugins_fiber_fiber_la_LIBADD = $(RUBY_LIBS)
endif

FIBER_TESTS = t/integration/test_fiber.py t/integration/test_rack_websocket.py
TESTS += $(FIBER_TESTS)
EXTRA_DIST += $(FIBER_TESTS) docs/fiber.md bench/apps/sleep_plain.ru \
	t/apps/ruby/fiber_sleep.ru t/apps/ruby/fiber_async_sleep.ru \
	t/apps/ruby/fiber_slow_tcp.ru t/apps/ruby/fiber_raise.ru \
	t/apps/ruby/fiber_mutex.ru t/apps/ruby/fiber_timeout.ru t/apps/ruby/fiber_process.ru \
	t/apps/ruby/websocket_echo.ru t/apps/ruby/background_thread.ru
