# plugins/ugreen/local.mk - ugreen.so, the swapcontext suspend engine.
if BUILD_UGREEN
plugin_LTLIBRARIES += plugins/ugreen/ugreen.la
plugins_ugreen_ugreen_la_SOURCES = plugins/ugreen/ugreen.c
plugins_ugreen_ugreen_la_CPPFLAGS = $(plugin_cppflags)
plugins_ugreen_ugreen_la_CFLAGS = $(plugin_cflags)
plugins_ugreen_ugreen_la_LDFLAGS = $(plugin_ldflags)
endif
