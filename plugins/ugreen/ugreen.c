/*
 * plugins/ugreen/ugreen.c - uGreen: a suspend engine on makecontext and
 * swapcontext.
 *
 * Each core gets an mmap'd stack with a guard region below it.  Stacks are
 * mapped on a core's first request and kept; the kernel only backs the pages
 * a core actually touches, so a thousand idle cores cost little memory.  A
 * core that runs off the end of its stack faults in the guard region: the
 * SIGSEGV handler (on an alternate stack) names the core and its request,
 * then lets the worker die, so no other core's stack is ever overwritten.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <weft/weft.h>

#define GUARD_PAGES 16          /* 64 KiB: big frames cannot jump over it */

typedef struct {
    ucontext_t  ctx;
    char       *map;            /* guard region, then the stack */
    size_t      map_len;
} ugreen_core_t;

static const weft_api_t *api;
static long              stack_pages = 256;     /* --ugreen-stacksize */
static size_t            page_size;
static size_t            guard_len;
static ugreen_core_t    *ucores;
static unsigned          nucores;
static ucontext_t        main_ctx;
static weft_core_t      *starting;
static char             *altstack;

static size_t
stack_size(void)
{
    return (size_t) stack_pages * page_size;
}

/* ------------------------------------------------------------ overflow */

static void
segv_handler(int sig, siginfo_t *si, void *uc)
{
    const char *addr = si->si_addr;
    unsigned    i;

    for (i = 0; i < nucores; i++) {
        ugreen_core_t *u = &ucores[i];
        if (u->map != NULL && addr >= u->map && addr < u->map + guard_len) {
            char                  line[512];
            const weft_request_t *r = NULL;
            int                   n;

            /* Only the failing core's request is named; nothing else is
             * touched from here. */
            r = api->current_request();
            n = snprintf(line, sizeof(line),
                         "weft: core %u overflowed its %zu KiB uGreen stack%s%.*s%s%.*s: "
                         "the worker stops (raise --ugreen-stacksize, now %ld pages)\n",
                         i, stack_size() / 1024, r ? " serving " : "",
                         r ? (int) r->method.len : 0, r ? r->method.data : "",
                         r ? " " : "", r ? (int) r->uri.len : 0, r ? r->uri.data : "",
                         stack_pages);
            if (n > 0 && write(2, line, (size_t) n) < 0)
                break;
            break;
        }
    }
    /* Die of the signal, as an unhandled fault would. */
    signal(SIGSEGV, SIG_DFL);
}

static int
install_overflow_handler(void)
{
    stack_t          ss;
    struct sigaction sa;

    altstack = malloc(SIGSTKSZ * 4);
    if (altstack == NULL)
        return WEFT_ERROR;
    ss.ss_sp = altstack;
    ss.ss_size = SIGSTKSZ * 4;
    ss.ss_flags = 0;
    if (sigaltstack(&ss, NULL) != 0)
        return WEFT_ERROR;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = segv_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGSEGV, &sa, NULL) == 0 ? WEFT_OK : WEFT_ERROR;
}

/* ------------------------------------------------------------ the engine */

static int
ugreen_prepare(unsigned ncores)
{
    page_size = (size_t) sysconf(_SC_PAGESIZE);
    guard_len = GUARD_PAGES * page_size;
    ucores = calloc(ncores, sizeof(*ucores));
    if (ucores == NULL)
        return WEFT_ERROR;
    nucores = ncores;
    if (install_overflow_handler() != WEFT_OK) {
        api->log(WEFT_LOG_ERROR, "ugreen: cannot install the stack overflow handler");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

static int
map_stack(ugreen_core_t *u)
{
    u->map_len = guard_len + stack_size();
    u->map = mmap(NULL, u->map_len, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (u->map == MAP_FAILED) {
        u->map = NULL;
        api->log(WEFT_LOG_ERROR, "ugreen: cannot map a %zu KiB stack: %m", stack_size() / 1024);
        return WEFT_ERROR;
    }
    if (mprotect(u->map, guard_len, PROT_NONE) != 0) {
        munmap(u->map, u->map_len);
        u->map = NULL;
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

static void
trampoline(void)
{
    api->core_main(starting);
    /* Returning resumes uc_link: the main context. */
}

static int
ugreen_start(weft_core_t *core)
{
    ugreen_core_t *u = &ucores[core->id];

    if (u->map == NULL && map_stack(u) != WEFT_OK)
        return WEFT_ERROR;
    if (getcontext(&u->ctx) != 0)
        return WEFT_ERROR;
    u->ctx.uc_stack.ss_sp = u->map + guard_len;
    u->ctx.uc_stack.ss_size = stack_size();
    u->ctx.uc_link = &main_ctx;
    makecontext(&u->ctx, trampoline, 0);
    starting = core;
    return swapcontext(&main_ctx, &u->ctx) == 0 ? WEFT_OK : WEFT_ERROR;
}

static void
ugreen_suspend(weft_core_t *core)
{
    swapcontext(&ucores[core->id].ctx, &main_ctx);
}

static void
ugreen_resume(weft_core_t *core)
{
    swapcontext(&main_ctx, &ucores[core->id].ctx);
}

/* A free core's stack pages go back to the kernel; the mapping (and its
 * guard) stays for the core's next request. */
static void
ugreen_shrink(weft_core_t *core)
{
    ugreen_core_t *u = &ucores[core->id];

    if (u->map != NULL)
        madvise(u->map + guard_len, stack_size(), MADV_DONTNEED);
}

static void
ugreen_release(void)
{
    unsigned i;

    for (i = 0; i < nucores; i++)
        if (ucores[i].map != NULL)
            munmap(ucores[i].map, ucores[i].map_len);
    free(ucores);
    ucores = NULL;
    nucores = 0;
    if (altstack != NULL) {
        stack_t ss = { .ss_flags = SS_DISABLE };
        sigaltstack(&ss, NULL);
        free(altstack);
        altstack = NULL;
    }
}

static const weft_suspend_engine_t ugreen_engine = {
    .size = sizeof(weft_suspend_engine_t),
    .name = "ugreen",
    .prepare = ugreen_prepare,
    .start = ugreen_start,
    .suspend = ugreen_suspend,
    .resume = ugreen_resume,
    .release = ugreen_release,
    .shrink = ugreen_shrink,
    .flags = WEFT_ENGINE_FOREIGN_STACK,  /* handlers run on its mmap'd stacks */
};

/* ------------------------------------------------------------ plugin */

static int
set_ugreen(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    if (api->select_engine("ugreen") != WEFT_OK) {
        snprintf(err, errlen, "cannot use uGreen (see above)");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

static const weft_option_t ugreen_options[] = {
    { "ugreen", 0, WEFT_OPT_CALLBACK, WEFT_OPTF_NOARG, NULL, NULL,
      "switch async cores with uGreen (makecontext/swapcontext)", 0, 0, set_ugreen },
    { "ugreen-stacksize", 0, WEFT_OPT_INT, 0, &stack_pages, "PAGES",
      "each core's stack, in pages (default 256: 1 MiB)", 4, 262144, NULL },
    WEFT_OPTION_END
};

static int
ugreen_init(const weft_api_t *a)
{
    api = a;
    return api->register_suspend_engine(&ugreen_engine);
}

WEFT_EXPORT const weft_plugin_t weft_plugin = {
    WEFT_PLUGIN_HEADER,
    .flags = WEFT_PLUGIN_SUSPEND_ENGINE,
    .name = "ugreen",
    .version = WEFT_PLUGIN_VERSION,
    .summary = "uGreen suspend engine: a swapcontext stack per async core",
    .options = ugreen_options,
    .init = ugreen_init,
};
