# plugins/gevent/local.mk - gevent.so, the gevent loop engine.
if BUILD_GEVENT
plugin_LTLIBRARIES += plugins/gevent/gevent.la
plugins_gevent_gevent_la_SOURCES = \
	plugins/gevent/gevent.h plugins/gevent/plugin.c plugins/gevent/hub.c \
	plugins/gevent/coro.c plugins/gevent/serve.c
plugins_gevent_gevent_la_CPPFLAGS = $(plugin_cppflags) $(PYTHON_CFLAGS)
plugins_gevent_gevent_la_CFLAGS = $(plugin_cflags)
plugins_gevent_gevent_la_LDFLAGS = $(plugin_ldflags)
plugins_gevent_gevent_la_LIBADD = $(PYTHON_LIBS)
endif

GEVENT_TESTS = t/integration/test_gevent.py
GEVENT_TEST_APPS = t/apps/python/gevent_app.py
TESTS += $(GEVENT_TESTS)
EXTRA_DIST += $(GEVENT_TESTS) $(GEVENT_TEST_APPS) bench/apps/sleep_gevent.py
