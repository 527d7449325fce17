# plugins/python/local.mk - python.so, the WSGI language plugin.
if BUILD_PYTHON
plugin_LTLIBRARIES += plugins/python/python.la
plugins_python_python_la_SOURCES = \
	plugins/python/python.h plugins/python/python.c plugins/python/app.c \
	plugins/python/tstate.c plugins/python/gilstate.c \
	plugins/python/wsgi.c plugins/python/wsgi_environ.c plugins/python/wsgi_input.c \
	plugins/python/wsgi_response.c plugins/python/api_module.c \
	plugins/python/prefork.c
plugins_python_python_la_CPPFLAGS = $(plugin_cppflags) $(PYTHON_CFLAGS) \
	-DWEFT_PY_EXECUTABLE='"$(PYTHON)"'
plugins_python_python_la_CFLAGS = $(plugin_cflags)
plugins_python_python_la_LDFLAGS = $(plugin_ldflags)
plugins_python_python_la_LIBADD = $(PYTHON_LIBS)
endif

PYTHON_TESTS = \
	t/integration/test_wsgi.py \
	t/integration/test_wsgi_input.py \
	t/integration/test_wsgi_validate.py \
	t/integration/test_python_async.py \
	t/integration/test_python_engines.py
PYTHON_TEST_APPS = \
	t/apps/python/wsgiclient.py t/apps/python/wsgi_app.py t/apps/python/input_app.py \
	t/apps/python/validate_app.py t/apps/python/api_app.py t/apps/python/engine_app.py \
	t/apps/python/greenlet_app.py t/apps/python/factory_app.py \
	t/apps/python/import_error.py t/apps/python/cpubound_async.py \
	t/apps/python/sleeping_async.py t/apps/python/sleep_suspend.py
TESTS += $(PYTHON_TESTS)
EXTRA_DIST += $(PYTHON_TESTS) $(PYTHON_TEST_APPS) \
	docs/python.md examples/python/hello.py examples/python/sleep.py

# uWSGI's everyday options and ini files (issue 14), served by python.so
OPTS_TESTS = \
	t/integration/test_uwsgi_opts.py \
	t/integration/test_uwsgi_logging.py \
	t/integration/test_uwsgi_ini_apps.py \
	t/integration/test_uwsgi_ini_debian.py
OPTS_TEST_APPS = \
	t/apps/python/opts_app.py t/apps/python/thread_at_import.py \
	t/apps/python/uwsgi_opts/flask_site.py t/apps/python/uwsgi_opts/djsite/__init__.py \
	t/apps/python/uwsgi_opts/djsite/settings.py t/apps/python/uwsgi_opts/djsite/urls.py \
	t/apps/python/uwsgi_opts/djsite/wsgi.py
TESTS += $(OPTS_TESTS)
EXTRA_DIST += $(OPTS_TESTS) $(OPTS_TEST_APPS)

# --threads (issue 15 item 1)
THREADS_TESTS = t/integration/test_threads.py
THREADS_TEST_APPS = t/apps/python/threads_app.py t/apps/python/threads_flask.py
TESTS += $(THREADS_TESTS)
EXTRA_DIST += $(THREADS_TESTS) $(THREADS_TEST_APPS) docs/threads.md bench/threads.py \
	bench/apps/sleep50.py
