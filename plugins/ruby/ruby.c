/*
 * plugins/ruby/ruby.c - ruby.so: the descriptor, the options, the VM's
 * start-up, and the worker life cycle.
 *
 * setup() runs once, before any fork: it boots Ruby the way the `ruby`
 * command does (ruby_sysinit, RUBY_INIT_STACK, ruby_init, ruby_options on
 * "-e0", so RubyGems is loaded and Debian's rack gem can be required),
 * loads rack with Ruby's own `require`, runs --rbrequire and loads the app.
 * worker_init() runs in each forked worker: rb_thread_atfork() makes the
 * VM's thread state the child's.
 *
 * The language declares WEFT_LANG_NO_FOREIGN_STACK: Ruby code cannot run
 * on a stack the VM did not make, so the core refuses --ugreen and points
 * to --fiber.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ruby.h"

#define WEFT_RB_STR_(x) #x
#define WEFT_RB_STR(x)  WEFT_RB_STR_(x)

const weft_api_t *weft_rb_api;
weft_rb_conf_t    weft_rb_conf;

weft_rb_core_t   *weft_rb_cores;
unsigned          weft_rb_ncores;

int               weft_rb_vm_alive;

static pid_t      setup_pid;
static int        started;
static uint64_t   served;

/* ------------------------------------------------------------ options */

static const weft_option_t weft_rb_options[] = {
    { "rack", 0, WEFT_OPT_STRING, 0, &weft_rb_conf.rack, "FILE",
      "load the Rack app from FILE (a config.ru)", 0, 0, NULL },
    { "rbrequire", 0, WEFT_OPT_LIST, 0, &weft_rb_conf.requires, "FEATURE",
      "require FEATURE before the app loads (repeatable)", 0, 0, NULL },
    { "ruby-require", 0, WEFT_OPT_LIST, 0, &weft_rb_conf.requires, "FEATURE",
      "the same as --rbrequire", 0, 0, NULL },
    { "rubypath", 0, WEFT_OPT_LIST, 0, &weft_rb_conf.rubypath, "DIR",
      "put DIR first on Ruby's $LOAD_PATH (repeatable)", 0, 0, NULL },
    { "ruby-gc-freq", 0, WEFT_OPT_INT, 0, &weft_rb_conf.gc_freq, "N",
      "run Ruby's GC after every N requests (default 0: only when Ruby wants)",
      0, 1e9, NULL },
    WEFT_OPTION_END
};

/* ------------------------------------------------------------ start-up */

static struct sigaction ruby_sigchld;   /* Ruby's SIGCHLD handler */

/*
 * Boot the VM as `ruby -e0` would, without running anything.  Ruby installs
 * its own handlers for SIGINT, SIGHUP, SIGTERM, SIGUSR1...: they are
 * weft's, so every disposition is put back afterwards, but for two that
 * weft's workers do not use and Ruby needs:
 *  - SIGVTALRM: Ruby sends it to its own threads to interrupt their
 *    blocking calls (to stop them at exit, among others); its default
 *    action would kill the worker;
 *  - SIGCHLD: Ruby's waits for a child (Process.wait, system, backticks)
 *    sleep until its handler sees the child exit, and would hang without
 *    it.  Kept for the app's load, saved, and put back in each worker
 *    (worker_init), whose SIGCHLD the master resets.
 */
static int
start_vm(void)
{
    static char      *args[] = { "weft", "-e0", NULL };
    static int        argc = 1;
    static char     **argv = args;
    struct sigaction  saved[NSIG];
    int               i, state = 0;

    for (i = 1; i < NSIG; i++)
        sigaction(i, NULL, &saved[i]);

    ruby_sysinit(&argc, &argv);
    {
        RUBY_INIT_STACK;
        ruby_init();
        ruby_options(2, args);
    }
    ruby_script("weft");

    for (i = 1; i < NSIG; i++)
        if (i != SIGKILL && i != SIGSTOP && i != SIGVTALRM && i != SIGCHLD)
            sigaction(i, &saved[i], NULL);
    sigaction(SIGCHLD, NULL, &ruby_sigchld);

    /* Debian's rack is a gem: only RubyGems' require finds it. */
    weft_rb_eval("require 'rack'", &state);
    if (state) {
        weft_rb_log_exception(WEFT_LOG_ERROR, "ruby: cannot load rack (apt-get install ruby-rack)");
        return WEFT_ERROR;
    }
    started = 1;
    weft_rb_vm_alive = 1;
    return WEFT_OK;
}

/* Each --rubypath first on $LOAD_PATH, in the order given. */
static void
extend_load_path(void)
{
    VALUE  lp = rb_gv_get("$LOAD_PATH");
    size_t i = weft_rb_conf.rubypath.n;

    while (i-- > 0)
        rb_ary_unshift(lp, rb_str_new_cstr(weft_rb_conf.rubypath.v[i]));
}

int
weft_rb_cores_init(unsigned n)
{
    unsigned i;

    weft_rb_cores = calloc(n, sizeof(*weft_rb_cores));
    if (weft_rb_cores == NULL) {
        weft_rb_api->log(WEFT_LOG_ERROR, "ruby: out of memory for %u cores", n);
        return WEFT_ERROR;
    }
    weft_rb_ncores = n;
    for (i = 0; i < n; i++) {
        weft_rb_core_t *rc = &weft_rb_cores[i];

        rc->env = rc->body = rc->iter = rc->input = rc->refs = rc->hijack = rc->hints = Qnil;
        /* Once per core for the life of the process: never per request. */
        rb_gc_register_address(&rc->env);
        rb_gc_register_address(&rc->body);
        rb_gc_register_address(&rc->iter);
        rb_gc_register_address(&rc->input);
        rb_gc_register_address(&rc->refs);
        rb_gc_register_address(&rc->hijack);
        rb_gc_register_address(&rc->hints);
        rc->refs = rb_ary_new();
        rc->hijack = weft_rb_hijack_new(rc);
        rc->hints = weft_rb_hints_new(rc);
        rc->input = weft_rb_input_new(rc);
    }
    return WEFT_OK;
}

weft_rb_core_t *
weft_rb_current(void)
{
    weft_request_t *r = weft_rb_api->current_request();

    if (r == NULL || r->core->id >= weft_rb_ncores)
        return NULL;
    return &weft_rb_cores[r->core->id];
}

void
weft_rb_on_worker_thread(const char *prefix, const char *what)
{
    if (rb_thread_current() != rb_thread_main())
        rb_raise(rb_eRuntimeError, "%s%s called from a thread other than the worker's",
                 prefix, what);
}

/* The plugin's modules, classes and per-core slots: under rb_protect. */
static VALUE
init_cb(VALUE unused)
{
    (void) unused;
    extend_load_path();
    if (weft_rb_api_module_init() != WEFT_OK
        || weft_rb_input_init() != WEFT_OK
        || weft_rb_env_init() != WEFT_OK
        || weft_rb_response_init() != WEFT_OK
        || weft_rb_hijack_init() != WEFT_OK
        || weft_rb_cores_init(weft_rb_api->core_count()) != WEFT_OK)
        return INT2FIX(WEFT_ERROR);
    return INT2FIX(WEFT_OK);
}

static int
weft_rb_setup(void)
{
    VALUE v, rv;
    int   state;

    if (start_vm() != WEFT_OK)
        return WEFT_ERROR;
    v = weft_rb_protect(init_cb, Qnil, &state);
    if (state) {
        weft_rb_log_exception(WEFT_LOG_ERROR, "ruby: cannot set up the plugin's Ruby objects");
        return WEFT_ERROR;
    }
    if (FIX2INT(v) != WEFT_OK)
        return WEFT_ERROR;
    if (weft_rb_requires_run() != WEFT_OK)
        return WEFT_ERROR;
    if (weft_rb_conf.rack == NULL)
        weft_rb_api->log(WEFT_LOG_WARN, "ruby: no app to serve (give --rack FILE): every request gets 500");
    else if (weft_rb_app_load() != WEFT_OK)
        return WEFT_ERROR;
    setup_pid = getpid();
    v = weft_rb_eval("Rack.release.to_s", &state);
    if (state)
        rb_set_errinfo(Qnil);
    rv = rb_const_get(rb_cObject, rb_intern("RUBY_VERSION"));
    weft_rb_api->log(WEFT_LOG_INFO, "ruby: Ruby %s ready (rack %s)",
                     RB_TYPE_P(rv, T_STRING) ? StringValueCStr(rv) : "?",
                     state || !RB_TYPE_P(v, T_STRING) ? "?" : StringValueCStr(v));
    return WEFT_OK;
}

static int
weft_rb_worker_init(unsigned worker_id)
{
    (void) worker_id;
    if (!started)
        return WEFT_ERROR;
    if (getpid() != setup_pid)
        rb_thread_atfork();         /* forked: the VM's threads and locks */
    sigaction(SIGCHLD, &ruby_sigchld, NULL);   /* see start_vm() */
    return WEFT_OK;
}

/* --ruby-gc-freq: after every N requests, a full GC. */
static void
count_request(void)
{
    if (weft_rb_conf.gc_freq > 0 && ++served % (uint64_t) weft_rb_conf.gc_freq == 0)
        rb_gc();
}

static int
weft_rb_handle(weft_request_t *r)
{
    int rc = weft_rb_request(r);

    if (rc != WEFT_AGAIN)
        count_request();
    return rc;
}

/* Under rb_protect: at_exit blocks and END{}, the app's threads stopped,
 * finalizers (ruby_finalize() may raise). */
static VALUE
finalize_cb(VALUE unused)
{
    (void) unused;
    ruby_finalize();
    return Qnil;
}

/*
 * The VM is finalized but not freed (ruby_cleanup() would free it): the
 * process ends right after, and a thread of the app's that Ruby has just
 * stopped (EventMachine's reactor, for faye-websocket) may still be leaving
 * its native thread, which crashed the worker at exit (SIGSEGV, seen once
 * in distcheck) when the VM went from under it.
 */
static void
weft_rb_worker_exit(void)
{
    unsigned i;
    int      state = 0;

    for (i = 0; i < weft_rb_ncores; i++)
        if (weft_rb_cores[i].r != NULL)
            return;                 /* cut off by a hard stop: leave the VM be */
    weft_rb_vm_alive = 0;           /* release_ref must not touch it now */
    rb_protect(finalize_cb, Qnil, &state);
    if (state)
        weft_rb_log_exception(WEFT_LOG_WARN, "ruby: an at_exit block raised");
    started = 0;
}

/* ------------------------------------------------------------ plugin */

static const weft_language_t ruby_language = {
    .size = sizeof(weft_language_t),
    .name = "ruby",
    .modifier1 = 7,
    .setup = weft_rb_setup,
    .worker_init = weft_rb_worker_init,
    .request = weft_rb_handle,
    .request_done = weft_rb_request_done,
    .worker_exit = weft_rb_worker_exit,
    .flags = WEFT_LANG_NO_FOREIGN_STACK,
    .engine_hint = "--fiber",
    .has_threads = weft_rb_has_threads,
    .without_lock = weft_rb_without_lock,
    .with_lock = weft_rb_with_lock,
};

static int
weft_rb_init(const weft_api_t *api)
{
    weft_rb_api = api;
    return api->register_language(&ruby_language);
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    /* GLOBAL: Ruby's extension libraries (socket.so, stringio.so...)
     * resolve libruby's symbols when they are loaded. */
    .flags = WEFT_PLUGIN_LANGUAGE | WEFT_PLUGIN_GLOBAL,
    .name = "ruby",
    .version = WEFT_PLUGIN_VERSION,
    .summary = "Ruby " WEFT_RB_STR(RUBY_API_VERSION_MAJOR) "." WEFT_RB_STR(RUBY_API_VERSION_MINOR) ": Rack apps and the UWSGI-compatible API",
    .options = weft_rb_options,
    .init = weft_rb_init,
};
