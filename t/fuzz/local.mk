# t/fuzz/local.mk - the fuzz harnesses (issue 17): one per parser that
# sees untrusted bytes.  See docs/testing.md, "Fuzzing".
#
# `make check` builds each harness with the normal compiler against
# t/fuzz/replay.c and replays its seed corpus and every input a fuzzer
# ever crashed on (t/fuzz/corpus/NAME, t/fuzz/regressions/NAME): no clang
# needed.  `make fuzz` builds them again with clang-14's libFuzzer, ASan
# and UBSan (t/fuzz/fuzz.mk) and runs each for FUZZ_TIME seconds.

FUZZ_NAMES = http chunked uwsgi ini cgi_head query
fuzz_cppflags = $(SDK_CPPFLAGS) -I$(top_srcdir)/core $(LIBEVENT_CFLAGS) $(PCRE2_CFLAGS)
fuzz_common = t/fuzz/replay.c t/fuzz/fuzz_common.c t/fuzz/fuzz.h
fuzz_driver = t/fuzz/conn_driver.c t/fuzz/conn_driver.h

check_PROGRAMS += t/fuzz/replay_http t/fuzz/replay_chunked t/fuzz/replay_uwsgi \
	t/fuzz/replay_ini t/fuzz/replay_cgi_head t/fuzz/replay_query
TESTS += t/fuzz/replay_http t/fuzz/replay_chunked t/fuzz/replay_uwsgi \
	t/fuzz/replay_ini t/fuzz/replay_cgi_head t/fuzz/replay_query

t_fuzz_replay_http_SOURCES = t/fuzz/fuzz_http.c $(fuzz_driver) $(fuzz_common)
t_fuzz_replay_http_CPPFLAGS = $(fuzz_cppflags) -DFUZZ_NAME='"http"'
t_fuzz_replay_http_LDADD = $(CORE_LIBS)
t_fuzz_replay_chunked_SOURCES = t/fuzz/fuzz_chunked.c $(fuzz_driver) $(fuzz_common)
t_fuzz_replay_chunked_CPPFLAGS = $(fuzz_cppflags) -DFUZZ_NAME='"chunked"'
t_fuzz_replay_chunked_LDADD = $(CORE_LIBS)
t_fuzz_replay_uwsgi_SOURCES = t/fuzz/fuzz_uwsgi.c $(fuzz_driver) $(fuzz_common)
t_fuzz_replay_uwsgi_CPPFLAGS = $(fuzz_cppflags) -DFUZZ_NAME='"uwsgi"'
t_fuzz_replay_uwsgi_LDADD = $(CORE_LIBS)
t_fuzz_replay_ini_SOURCES = t/fuzz/fuzz_ini.c $(fuzz_common)
t_fuzz_replay_ini_CPPFLAGS = $(fuzz_cppflags) -DFUZZ_NAME='"ini"'
t_fuzz_replay_ini_LDADD = $(CORE_LIBS)
# The CGI head parser is the plugin's own file, linked as it is.
t_fuzz_replay_cgi_head_SOURCES = t/fuzz/fuzz_cgi_head.c plugins/cgi/cgi_headers.c $(fuzz_common)
t_fuzz_replay_cgi_head_CPPFLAGS = $(fuzz_cppflags) -DFUZZ_NAME='"cgi_head"'
t_fuzz_replay_cgi_head_LDADD = $(CORE_LIBS)
t_fuzz_replay_query_SOURCES = t/fuzz/fuzz_query.c $(fuzz_common)
t_fuzz_replay_query_CPPFLAGS = $(fuzz_cppflags) -DFUZZ_NAME='"query"'
t_fuzz_replay_query_LDADD = $(CORE_LIBS)

# The corpora, dictionaries and regressions are directories: shipped whole.
EXTRA_DIST += t/fuzz/fuzz.mk t/fuzz/run-fuzz.sh t/fuzz/make-seeds.py \
	t/fuzz/corpus t/fuzz/dict t/fuzz/regressions

FUZZ_TIME = 60
FUZZ_CC = clang-14
.PHONY: fuzz fuzz-build
fuzz fuzz-build: config.h
	$(MAKE) -f $(top_srcdir)/t/fuzz/fuzz.mk \
	    srcdir='$(top_srcdir)' builddir='$(top_builddir)' \
	    CORE_SRCS='$(core_libweftcore_a_SOURCES)' \
	    FUZZ_DEP_CFLAGS='$(LIBEVENT_CFLAGS) $(PCRE2_CFLAGS)' \
	    FUZZ_DEP_LIBS='$(LIBEVENT_LIBS) $(HTTP_PARSER_LIBS) $(PCRE2_LIBS) $(CRYPT_LIBS) -lm' \
	    FUZZ_CC='$(FUZZ_CC)' FUZZ_TIME='$(FUZZ_TIME)' \
	    $(if $(FUZZERS),FUZZERS='$(FUZZERS)') \
	    $(if $(filter fuzz,$@),run,build)
clean-local: clean-fuzz
clean-fuzz:
	rm -rf t/fuzz/obj t/fuzz/work $(FUZZ_NAMES:%=t/fuzz/fuzz_%)
