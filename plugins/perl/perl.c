/*
 * plugins/perl/perl.c - perl.so: the descriptor, the options, the
 * interpreter's start-up, and the worker life cycle.
 *
 * setup() runs once, before any fork: PERL_SYS_INIT3, then one interpreter
 * made as `perl -e0` makes it (perl_alloc, perl_construct, perl_parse with
 * xs_init registering DynaLoader so XS modules load, perl_run), with
 * PERL_EXIT_DESTRUCT_END so END blocks run at the worker's exit.  Perl's
 * start-up and the app's load may install signal handlers (%SIG): every
 * disposition weft had is put back afterwards, so SIGTERM, SIGHUP, SIGINT
 * and friends stay the server's.  worker_init() reseeds srand in each forked
 * worker, so workers do not share one random sequence.
 *
 * The language declares WEFT_LANG_NO_FOREIGN_STACK: the interpreter's
 * stacks and its JMPENV chain are the interpreter's own, so switching C
 * stacks in the middle of a Perl call (uGreen, greenlet, fibers) corrupts
 * them.  The core refuses such a pairing and points to --coroae, where Coro
 * switches the interpreter's state itself.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perl.h"

const weft_api_t *weft_pl_api;
PerlInterpreter  *weft_pl_perl;
weft_pl_conf_t    weft_pl_conf;

weft_pl_core_t   *weft_pl_cores;
unsigned          weft_pl_ncores;

static int        sys_inited;
static char     **boot_argv;        /* perl keeps pointers into it (PL_origargv) */

/* ------------------------------------------------------------ options */

static const weft_option_t weft_pl_options[] = {
    { "psgi", 0, WEFT_OPT_STRING, 0, &weft_pl_conf.psgi, "FILE",
      "load the PSGI app from FILE (a .psgi)", 0, 0, NULL },
    { "perl-include", 'I', WEFT_OPT_LIST, 0, &weft_pl_conf.includes, "DIR",
      "put DIR first on Perl's @INC (repeatable)", 0, 0, NULL },
    { "perl-local-lib", 0, WEFT_OPT_LIST, 0, &weft_pl_conf.local_libs, "DIR",
      "use the local::lib tree DIR (DIR/lib/perl5 and its arch directory on @INC; repeatable)", 0, 0, NULL },
    { "perl-module", 0, WEFT_OPT_LIST, 0, &weft_pl_conf.modules, "MODULE",
      "load MODULE before the app (repeatable)", 0, 0, NULL },
    { "perl-no-die-catch", 0, WEFT_OPT_FLAG, 0, &weft_pl_conf.no_die_catch, NULL,
      "leave $SIG{__DIE__} to the app (no backtrace added to logged errors)", 0, 0, NULL },
    WEFT_OPTION_END
};

/* ------------------------------------------------------------ start-up */

EXTERN_C void boot_DynaLoader(pTHX_ CV *cv);

/* Registered by perl_parse: DynaLoader, which loads every other XS module. */
static void
xs_init(pTHX)
{
    newXS("DynaLoader::boot_DynaLoader", boot_DynaLoader, __FILE__);
}

/* perl_parse's arguments: "weft", then -I for each include, "-e0". */
static char **
boot_args(int *argc)
{
    size_t  n = weft_pl_conf.includes.n + 2 * weft_pl_conf.local_libs.n;
    size_t  len;
    char  **argv = calloc(n + 4, sizeof(char *));
    size_t  i;
    int     k = 0;

    if (argv == NULL)
        return NULL;
    argv[k++] = (char *) "weft";
    for (i = 0; i < weft_pl_conf.includes.n; i++) {
        len = strlen(weft_pl_conf.includes.v[i]) + 3;
        argv[k] = malloc(len);
        if (argv[k] != NULL)
            snprintf(argv[k++], len, "-I%s", weft_pl_conf.includes.v[i]);
    }
    /* A local::lib tree: its lib/perl5, and the arch directory under it
     * where XS modules go (perl's -I does not add that one itself). */
    for (i = 0; i < weft_pl_conf.local_libs.n; i++) {
        len = strlen(weft_pl_conf.local_libs.v[i]) + sizeof(ARCHNAME) + 16;
        argv[k] = malloc(len);
        if (argv[k] != NULL)
            snprintf(argv[k++], len, "-I%s/lib/perl5/%s", weft_pl_conf.local_libs.v[i], ARCHNAME);
        argv[k] = malloc(len);
        if (argv[k] != NULL)
            snprintf(argv[k++], len, "-I%s/lib/perl5", weft_pl_conf.local_libs.v[i]);
    }
    argv[k++] = (char *) "-e0";
    *argc = k;
    return argv;
}

/* The -I strings made by boot_args (the rest are literals). */
static void
free_boot_args(void)
{
    int i;

    if (boot_argv == NULL)
        return;
    for (i = 1; boot_argv[i] != NULL; i++)
        if (boot_argv[i][0] == '-' && boot_argv[i][1] == 'I')
            free(boot_argv[i]);
    free(boot_argv);
    boot_argv = NULL;
}

/*
 * Make the interpreter.  Every signal disposition is saved first and put
 * back after: they are weft's.
 */
static int
start_perl(void)
{
    static char     *env_args[] = { NULL };
    static char     *sys_args[] = { (char *) "weft", NULL };
    int              sys_argc = 1, argc = 0, rc;
    char           **sys_argv = sys_args, **sys_env = env_args;
    struct sigaction saved[NSIG];
    int              i;

    for (i = 1; i < NSIG; i++)
        sigaction(i, NULL, &saved[i]);
    if (!sys_inited) {
        PERL_SYS_INIT3(&sys_argc, &sys_argv, &sys_env);
        sys_inited = 1;
    }
    weft_pl_perl = perl_alloc();
    if (weft_pl_perl == NULL) {
        weft_pl_api->log(WEFT_LOG_ERROR, "perl: cannot allocate an interpreter");
        return WEFT_ERROR;
    }
    PERL_SET_CONTEXT(weft_pl_perl);
    perl_construct(weft_pl_perl);
    {
        dWEFT_PL;

        PL_exit_flags |= PERL_EXIT_DESTRUCT_END;
        PL_origalen = 1;            /* $0 = ... must not write over argv */
    }
    boot_argv = boot_args(&argc);
    if (boot_argv == NULL) {
        weft_pl_api->log(WEFT_LOG_ERROR, "perl: out of memory");
        return WEFT_ERROR;
    }
    rc = perl_parse(weft_pl_perl, xs_init, argc, boot_argv, NULL);
    if (rc == 0)
        rc = perl_run(weft_pl_perl);
    for (i = 1; i < NSIG; i++)
        if (i != SIGKILL && i != SIGSTOP)
            sigaction(i, &saved[i], NULL);
    if (rc != 0) {
        weft_pl_api->log(WEFT_LOG_ERROR, "perl: the interpreter did not start (status %d)", rc);
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

int
weft_pl_cores_init(pTHX_ unsigned n)
{
    unsigned i;

    weft_pl_cores = calloc(n, sizeof(*weft_pl_cores));
    if (weft_pl_cores == NULL) {
        weft_pl_api->log(WEFT_LOG_ERROR, "perl: out of memory for %u cores", n);
        return WEFT_ERROR;
    }
    weft_pl_ncores = n;
    for (i = 0; i < n; i++) {
        weft_pl_core_t *pc = &weft_pl_cores[i];

        pc->id = i;
        pc->wake_fd = -1;
        pc->input = weft_pl_input_new(aTHX_ pc);
        pc->io = weft_pl_io_new(aTHX_ pc);
    }
    return WEFT_OK;
}

weft_pl_core_t *
weft_pl_current(void)
{
    weft_request_t *r = weft_pl_api->current_request();

    if (r == NULL || r->core == NULL || r->core->id >= weft_pl_ncores)
        return NULL;
    return &weft_pl_cores[r->core->id];
}

static int
weft_pl_setup(void)
{
    struct sigaction saved[NSIG];
    int              i, rc;
    const char      *engine = weft_pl_api->engine_name();

    /* Only a loop engine that switches Perl's own state (Coro) may run
     * Perl code concurrently: greenlet and fibers switch another
     * interpreter's, on C stacks Perl did not make. */
    if (engine != NULL && !(weft_pl_api->engine_flags() & WEFT_ENGINE_OWNS_LOOP)) {
        weft_pl_api->log(WEFT_LOG_ERROR, "perl cannot run on the %s engine (it switches C stacks in the middle of Perl calls): use --coroae N instead", engine);
        return WEFT_ERROR;
    }
    if (start_perl() != WEFT_OK)
        return WEFT_ERROR;
    {
        dWEFT_PL;

        if (weft_pl_api_module_init(aTHX) != WEFT_OK
            || weft_pl_input_init(aTHX) != WEFT_OK
            || weft_pl_env_init(aTHX) != WEFT_OK
            || weft_pl_response_init(aTHX) != WEFT_OK
            || weft_pl_io_init(aTHX) != WEFT_OK
            || weft_pl_cores_init(aTHX_ weft_pl_api->core_count()) != WEFT_OK)
            return WEFT_ERROR;
        /* The app's load may set %SIG: the server's handlers come back. */
        for (i = 1; i < NSIG; i++)
            sigaction(i, NULL, &saved[i]);
        rc = weft_pl_modules_load(aTHX);
        if (rc == WEFT_OK) {
            if (weft_pl_conf.psgi == NULL)
                weft_pl_api->log(WEFT_LOG_WARN, "perl: no app to serve (give --psgi FILE): every request gets 500");
            else
                rc = weft_pl_app_load(aTHX);
        }
        for (i = 1; i < NSIG; i++)
            if (i != SIGKILL && i != SIGSTOP)
                sigaction(i, &saved[i], NULL);
        if (rc != WEFT_OK)
            return WEFT_ERROR;
        weft_pl_api->log(WEFT_LOG_INFO, "perl: Perl %d.%d.%d ready%s", PERL_REVISION,
                         PERL_VERSION, PERL_SUBVERSION,
                         weft_pl_api->engine_flags() & WEFT_ENGINE_OWNS_LOOP ? " (psgi.nonblocking)" : "");
    }
    return WEFT_OK;
}

static int
weft_pl_worker_init(unsigned worker_id)
{
    dWEFT_PL;

    (void) worker_id;
    if (weft_pl_perl == NULL)
        return WEFT_ERROR;
    PERL_SET_CONTEXT(weft_pl_perl);
    /* A new seed per worker (srand() with no argument draws one): forked
     * workers would otherwise all replay the master's sequence. */
    if (weft_pl_eval(aTHX_ "srand(); 1") != 0)
        weft_pl_log_error(aTHX_ WEFT_LOG_WARN, "perl: srand failed");
    return WEFT_OK;
}

static void
weft_pl_worker_exit(void)
{
    unsigned i;

    if (weft_pl_perl == NULL)
        return;
    for (i = 0; i < weft_pl_ncores; i++)
        if (weft_pl_cores[i].r != NULL)
            return;                 /* cut off by a hard stop: leave Perl be */
    /* END blocks and global destruction. */
    perl_destruct(weft_pl_perl);
    perl_free(weft_pl_perl);
    weft_pl_perl = NULL;
    free_boot_args();
}

/* ------------------------------------------------------------ plugin */

static const weft_language_t perl_language = {
    .size = sizeof(weft_language_t),
    .name = "perl",
    .modifier1 = 5,
    .setup = weft_pl_setup,
    .worker_init = weft_pl_worker_init,
    .request = weft_pl_request,
    .request_done = weft_pl_request_done,
    .worker_exit = weft_pl_worker_exit,
    .flags = WEFT_LANG_NO_FOREIGN_STACK,
    .engine_hint = "--coroae",
};

static int
weft_pl_init(const weft_api_t *api)
{
    weft_pl_api = api;
    return api->register_language(&perl_language);
}

#define WEFT_PL_STR_(x) #x
#define WEFT_PL_STR(x)  WEFT_PL_STR_(x)

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    /* GLOBAL: XS modules (POSIX.so, Coro, EV...) resolve libperl's symbols
     * when DynaLoader loads them. */
    .flags = WEFT_PLUGIN_LANGUAGE | WEFT_PLUGIN_GLOBAL,
    .name = "perl",
    .version = WEFT_PLUGIN_VERSION,
    .summary = "Perl " WEFT_PL_STR(PERL_REVISION) "." WEFT_PL_STR(PERL_VERSION)
               ": PSGI apps and the uwsgi::-compatible API",
    .options = weft_pl_options,
    .init = weft_pl_init,
};
