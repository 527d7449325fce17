/*
 * plugins/coroae/boot.c - the engine's start in each worker: EV, AnyEvent,
 * Coro and Coro::AnyEvent in perl.so's interpreter, and their C APIs.
 *
 * They start after the fork, in the worker that runs them.  An app may have
 * loaded some of them already in the master (a `use AnyEvent` at the top of
 * the .psgi): EV's default loop is then made anew in this process
 * (ev_loop_fork), and AnyEvent must have chosen EV, or must choose it now.
 * EV is loaded before AnyEvent looks for a loop, so it takes the one that
 * is loaded; Coro::AnyEvent then hooks Coro into it through Coro::EV, so
 * an app's Coro::AnyEvent::sleep, AnyEvent::HTTP or Coro::Socket waits on
 * the same loop as weft's own waits.
 *
 * EV counts a timer from the loop's clock, which stands still while the
 * ready Coros run: with a thousand of them, a Coro::AnyEvent::sleep(1)
 * started by the last could end a tenth of a second early.  So the worker's
 * Coro::AnyEvent::sleep brings the clock up to date first, as weft's own
 * waits do (wait.c); AnyEvent timers an app makes itself keep AnyEvent's
 * rule (they count from AE::now).
 */
#include <stdio.h>
#include <string.h>

#include "coroae.h"

struct CoroAPI *weft_cae_coro_api;
struct EVAPI   *weft_cae_ev_api;

/* C stacks for Coros that switch from inside C: at least 1 MiB each (the
 * core, perl.so and the app's XS nest there), in pointers.  Coro maps them
 * and only the pages a Coro touches cost memory. */
#define CCTX_STACK_WORDS (1024 * 1024 / sizeof(void *))

static const char boot_code[] =
    "for my $m (qw(EV Coro Coro::EV AnyEvent Coro::AnyEvent)) {\n"
    "  eval \"require $m; 1\" or die \"cannot load $m (apt-get install libcoro-perl libanyevent-perl libev-perl): $@\";\n"
    "}\n"
    "AnyEvent::detect();\n"
    "$AnyEvent::MODEL eq 'AnyEvent::Impl::EV'\n"
    "  or die \"AnyEvent runs on $AnyEvent::MODEL here, and coroae needs EV (unset PERL_ANYEVENT_MODEL, or load EV before AnyEvent chooses)\\n\";\n"
    "Coro::State::cctx_stacksize(%lu) if Coro::State::cctx_stacksize() < %lu;\n"
    "{\n"
    "  no warnings 'redefine';\n"
    "  my $sleep = \\&Coro::AnyEvent::sleep;\n"
    "  *Coro::AnyEvent::sleep = sub ($) { EV::now_update(); $sleep->($_[0]) };\n"
    "}\n"
    "1;\n";

void
weft_cae_log_perl_error(int level, const char *what)
{
    dTHX;
    SV *err = ERRSV;

    if (err != NULL && SvTRUE(err)) {
        STRLEN      len;
        const char *m = SvPV(err, len);

        while (len > 0 && (m[len - 1] == '\n' || m[len - 1] == ' '))
            len--;
        weft_cae_api->log(level, "%s: %.*s", what, (int) len, m);
    } else {
        weft_cae_api->log(level, "%s", what);
    }
}

/* The table a module published in $name as an IV, checked against the
 * version this file was built with; NULL (logged) when it is missing or of
 * another version. */
static void *
import_table(const char *name, const char *module)
{
    dTHX;
    SV *sv = get_sv(name, 0);

    if (sv == NULL || !SvIOK(sv)) {
        weft_cae_api->log(WEFT_LOG_ERROR, "coroae: %s did not publish %s", module, name);
        return NULL;
    }
    return INT2PTR(void *, SvIV(sv));
}

int
weft_cae_boot(void)
{
    dTHX;
    char code[sizeof(boot_code) + 64];

    if (my_perl == NULL) {
        weft_cae_api->log(WEFT_LOG_ERROR, "coroae: Perl is not running (load the perl plugin)");
        return WEFT_ERROR;
    }
    snprintf(code, sizeof(code), boot_code, (unsigned long) CCTX_STACK_WORDS,
             (unsigned long) CCTX_STACK_WORDS);
    eval_pv(code, FALSE);
    if (SvTRUE(ERRSV)) {
        weft_cae_log_perl_error(WEFT_LOG_ERROR, "coroae: cannot start Coro and AnyEvent on EV");
        return WEFT_ERROR;
    }
    weft_cae_ev_api = import_table("EV::API", "EV");
    weft_cae_coro_api = import_table("Coro::API", "Coro");
    if (weft_cae_ev_api == NULL || weft_cae_coro_api == NULL)
        return WEFT_ERROR;
    if (weft_cae_ev_api->ver != EV_API_VERSION || weft_cae_ev_api->rev < EV_API_REVISION) {
        weft_cae_api->log(WEFT_LOG_ERROR, "coroae: EV's C API is %d.%d, coroae.so was built for %d.%d: rebuild weft",
                          (int) weft_cae_ev_api->ver, (int) weft_cae_ev_api->rev,
                          EV_API_VERSION, EV_API_REVISION);
        return WEFT_ERROR;
    }
    if (weft_cae_coro_api->ver != CORO_API_VERSION || weft_cae_coro_api->rev < CORO_API_REVISION) {
        weft_cae_api->log(WEFT_LOG_ERROR, "coroae: Coro's C API is %d.%d, coroae.so was built for %d.%d: rebuild weft",
                          (int) weft_cae_coro_api->ver, (int) weft_cae_coro_api->rev,
                          CORO_API_VERSION, CORO_API_REVISION);
        return WEFT_ERROR;
    }
    weft_cae_coro_bind();
    weft_cae_wait_bind();
    weft_cae_serve_bind();
    /* A loop made before the fork (EV loaded in the master) gets its
     * kernel state anew here; a fresh one only redoes a little. */
    weft_cae_ev_api->loop_fork(weft_cae_ev_api->default_loop);
    return WEFT_OK;
}
