# plugins/cgi/local.mk - cgi.so, the CGI/1.1 language (RFC 3875).
if BUILD_CGI
plugin_LTLIBRARIES += plugins/cgi/cgi.la
plugins_cgi_cgi_la_SOURCES = \
	plugins/cgi/cgi.h \
	plugins/cgi/cgi.c \
	plugins/cgi/cgi_map.c \
	plugins/cgi/cgi_env.c \
	plugins/cgi/cgi_spawn.c \
	plugins/cgi/cgi_headers.c \
	plugins/cgi/cgi_io.c
plugins_cgi_cgi_la_CPPFLAGS = $(plugin_cppflags)
plugins_cgi_cgi_la_CFLAGS = $(plugin_cflags)
plugins_cgi_cgi_la_LDFLAGS = $(plugin_ldflags)
endif

# The user guide and the example the README's quick start serves.
EXTRA_DIST += docs/cgi.md examples/cgi/hello.sh

# Tests and the apps they serve (shipped even when cgi.so is not built: the
# tests then skip, saying why).
CGI_TESTS = \
	t/integration/test_cgi.py \
	t/integration/test_cgi_paths.py \
	t/integration/test_cgi_async.py
TESTS += $(CGI_TESTS)
EXTRA_DIST += $(CGI_TESTS) t/integration/test_cgi_common.py \
	t/apps/cgi/args.sh t/apps/cgi/bad.sh t/apps/cgi/badinterp.cgi t/apps/cgi/big.sh \
	t/apps/cgi/crlf.sh \
	t/apps/cgi/echo.sh t/apps/cgi/emptydir/.keep t/apps/cgi/env.sh \
	t/apps/cgi/hang-after-head.sh t/apps/cgi/hang.sh t/apps/cgi/hello.pl \
	t/apps/cgi/hello.sh t/apps/cgi/hello.txt t/apps/cgi/inherit.pl \
	t/apps/cgi/linger.sh t/apps/cgi/noexec.sh \
	t/apps/cgi/noshebang.cgi t/apps/cgi/nph-hello.sh t/apps/cgi/post.pl \
	t/apps/cgi/redirect-200.sh t/apps/cgi/redirect-303.sh t/apps/cgi/redirect-client.sh \
	t/apps/cgi/redirect-local.sh t/apps/cgi/redirect-loop.sh \
	t/apps/cgi/redirect-missing.sh t/apps/cgi/redirect-protocol-relative.sh \
	t/apps/cgi/sleep.sh t/apps/cgi/status.sh t/apps/cgi/stderr.sh \
	t/apps/cgi/stream-n.sh t/apps/cgi/stream.sh t/apps/cgi/sub/index.sh \
	t/apps/cgi/target.sh
