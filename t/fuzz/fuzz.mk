# t/fuzz/fuzz.mk - the libFuzzer build of every harness, and `make fuzz`.
#
# Run by the top-level `make fuzz` (t/fuzz/local.mk), which passes:
#   srcdir builddir   the source tree and the configured build tree (config.h)
#   CORE_SRCS         the core's own sources (core_libweftcore_a_SOURCES):
#                     compiled again here, with clang's coverage and the
#                     sanitizers, into libweftcore-fuzz.a
#   FUZZ_DEP_CFLAGS FUZZ_DEP_LIBS   libevent, libhttp-parser, pcre2...
# and takes:
#   FUZZ_CC     the compiler (clang-14: Debian's clang-14, libclang-rt-14-dev)
#   FUZZ_TIME   seconds each harness runs (60)
#   FUZZERS     which harnesses (all of them)
# Nothing here is needed by the normal build, which never calls clang.

FUZZ_CC   ?= clang-14
FUZZ_TIME ?= 60
FUZZERS   ?= http chunked uwsgi ini cgi_head query

SAN        = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_FLAGS = -g -O1 -fno-omit-frame-pointer $(SAN)
INCLUDES   = -I$(builddir) -I$(srcdir)/sdk/include -I$(srcdir)/core $(FUZZ_DEP_CFLAGS)
OBJ        = t/fuzz/obj

CORE_OBJS  = $(patsubst %.c,$(OBJ)/%.o,$(filter %.c,$(CORE_SRCS)))
CORE_LIB   = $(OBJ)/libweftcore-fuzz.a

# Each harness: its own file, what it shares, and the sources it tests
# beyond the core library.
common_objs          = $(OBJ)/t/fuzz/fuzz_common.o
driver_objs          = $(OBJ)/t/fuzz/conn_driver.o
objs_http            = $(OBJ)/t/fuzz/fuzz_http.o $(driver_objs)
objs_chunked         = $(OBJ)/t/fuzz/fuzz_chunked.o $(driver_objs)
objs_uwsgi           = $(OBJ)/t/fuzz/fuzz_uwsgi.o $(driver_objs)
objs_ini             = $(OBJ)/t/fuzz/fuzz_ini.o
objs_cgi_head        = $(OBJ)/t/fuzz/fuzz_cgi_head.o $(OBJ)/plugins/cgi/cgi_headers.o
objs_query           = $(OBJ)/t/fuzz/fuzz_query.o

BINS = $(patsubst %,t/fuzz/fuzz_%,$(FUZZERS))

.PHONY: build run
.SECONDEXPANSION:

build: $(BINS)

# The core is compiled with coverage (fuzzer-no-link); only the harness
# binary links libFuzzer's main().
$(OBJ)/core/%.o: $(srcdir)/core/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(INCLUDES) \
	    -DWEFT_PLUGIN_DIR='"/nonexistent"' -c $< -o $@

$(OBJ)/t/fuzz/%.o: $(srcdir)/t/fuzz/%.c $(srcdir)/t/fuzz/fuzz.h $(srcdir)/t/fuzz/conn_driver.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(INCLUDES) -c $< -o $@

$(OBJ)/plugins/cgi/%.o: $(srcdir)/plugins/cgi/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -I$(srcdir)/sdk/include -c $< -o $@

$(CORE_LIB): $(CORE_OBJS)
	rm -f $@
	ar rcs $@ $(CORE_OBJS)

$(BINS): t/fuzz/fuzz_%: $$(objs_$$*) $(common_objs) $(CORE_LIB)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $(objs_$*) $(common_objs) \
	    $(CORE_LIB) $(FUZZ_DEP_LIBS)

# Each harness for FUZZ_TIME seconds, one after the other; the first that
# crashes stops the run (t/fuzz/run-fuzz.sh prints the input).
run: build
	@for f in $(FUZZERS); do \
	    $(SHELL) $(srcdir)/t/fuzz/run-fuzz.sh $$f t/fuzz/fuzz_$$f $(srcdir)/t/fuzz \
	        t/fuzz/work $(FUZZ_TIME) || exit 1; \
	done
