# plugins/greenlet/local.mk - greenlet.so, the greenlet suspend engine.
if BUILD_GREENLET
plugin_LTLIBRARIES += plugins/greenlet/greenlet.la
plugins_greenlet_greenlet_la_SOURCES = plugins/greenlet/greenlet.c
plugins_greenlet_greenlet_la_CPPFLAGS = $(plugin_cppflags) $(PYTHON_CFLAGS)
plugins_greenlet_greenlet_la_CFLAGS = $(plugin_cflags)
plugins_greenlet_greenlet_la_LDFLAGS = $(plugin_ldflags)
plugins_greenlet_greenlet_la_LIBADD = $(PYTHON_LIBS)
endif

GREENLET_TESTS = t/integration/test_greenlet.py
TESTS += $(GREENLET_TESTS)
EXTRA_DIST += $(GREENLET_TESTS)
