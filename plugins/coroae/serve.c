/*
 * plugins/coroae/serve.c - a worker's life under coroae: prepare(), run()
 * and stop().
 *
 * run() makes an AnyEvent io watcher per listen socket, whose callback only
 * accepts (until api->accept() says there is no more) and readies a new
 * Coro per connection, and EV signal watchers for SIGTERM, SIGINT (graceful
 * stop), SIGQUIT (hard stop) and SIGUSR1 (reopen the log); then it runs
 * EV's loop on the main Coro.
 * Coro::EV runs the ready Coros each time before the loop polls.  Once the
 * worker is stopping and the last connection's Coro is over, the loop is
 * broken and run() returns.
 *
 * A graceful stop only drops the listen watchers: requests in flight
 * finish, and idle keep-alive connections give up at the core's next look
 * (within a second).  A hard stop also makes every pending wait fail, so
 * requests unwind at once; a Coro blocked in a wait of its own (an app's
 * Coro::AnyEvent::sleep) cannot be made to, and is cut off once the others
 * have unwound, as suspend engines cut off their cores.
 */
#include <signal.h>
#include <stdlib.h>

#include "coroae.h"

static const int signals[4] = { SIGTERM, SIGINT, SIGQUIT, SIGUSR1 };

static SV      **listeners;         /* an AnyEvent io watcher per listen socket */
static unsigned  nlisteners;
static ev_signal sig_watchers[4];
static int       stopping, finishing, running;

void
weft_cae_serve_bind(void)
{
    WEFT_CAE_BIND_APIS();
}

/* ------------------------------------------------------------ callbacks */

/* A listen socket is readable: the watcher's callback, with the listener's
 * number in its XSANY. */
static XS(xs_accept)
{
    dXSARGS;
    unsigned li = (unsigned) XSANY.any_i32;
    int      fd;

    PERL_UNUSED_VAR(items);
    while ((fd = weft_cae_api->accept(li)) >= 0)
        weft_cae_spawn(fd, li);
    XSRETURN_EMPTY;
}

static void
on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void) loop;
    (void) revents;
    if (w->signum == SIGUSR1)
        weft_cae_api->reopen_log();
    else
        weft_cae_api->stop_worker(w->signum != SIGQUIT);
}

/* ------------------------------------------------------------ the engine */

int
weft_cae_prepare(unsigned ncores)
{
    (void) ncores;
    if (weft_cae_boot() != WEFT_OK || weft_cae_coro_init() != WEFT_OK)
        return WEFT_ERROR;
    return WEFT_OK;
}

/* AnyEvent->io(fh => fd, poll => "r", cb => an accept callback for li):
 * the watcher (a new reference), or NULL (logged). */
static SV *
listen_watcher(int fd, unsigned li)
{
    dTHX;
    dSP;
    CV *cb = newXS(NULL, xs_accept, __FILE__);
    SV *w = NULL;
    int n;

    CvXSUBANY(cb).any_i32 = (I32) li;
    ENTER;
    SAVETMPS;
    PUSHMARK(SP);
    EXTEND(SP, 7);
    PUSHs(sv_2mortal(newSVpvs("AnyEvent")));
    PUSHs(sv_2mortal(newSVpvs("fh")));
    PUSHs(sv_2mortal(newSViv(fd)));
    PUSHs(sv_2mortal(newSVpvs("poll")));
    PUSHs(sv_2mortal(newSVpvs("r")));
    PUSHs(sv_2mortal(newSVpvs("cb")));
    PUSHs(sv_2mortal(newRV_noinc((SV *) cb)));
    PUTBACK;
    n = call_method("io", G_SCALAR | G_EVAL);
    SPAGAIN;
    if (n == 1)
        w = POPs;
    if (SvTRUE(ERRSV) || w == NULL || !SvOK(w)) {
        w = NULL;
        weft_cae_log_perl_error(WEFT_LOG_ERROR, "coroae: cannot watch a listen socket");
    } else {
        w = newSVsv(w);
    }
    PUTBACK;
    FREETMPS;
    LEAVE;
    return w;
}

static void
drop_listeners(void)
{
    dTHX;
    unsigned i;

    for (i = 0; i < nlisteners; i++)
        if (listeners[i] != NULL) {
            SV *w = listeners[i];

            listeners[i] = NULL;
            SvREFCNT_dec(w);        /* AnyEvent stops a watcher it frees */
        }
}

static int
start_watching(void)
{
    unsigned i;

    nlisteners = weft_cae_api->listener_count();
    listeners = calloc(nlisteners ? nlisteners : 1, sizeof(*listeners));
    if (listeners == NULL)
        return WEFT_ERROR;
    for (i = 0; i < nlisteners; i++)
        if ((listeners[i] = listen_watcher(weft_cae_api->listener_fd(i), i)) == NULL)
            return WEFT_ERROR;
    for (i = 0; i < 4; i++) {
        ev_signal_init(&sig_watchers[i], on_signal, signals[i]);
        ev_signal_start(EV_DEFAULT_UC, &sig_watchers[i]);
    }
    return WEFT_OK;
}

static void
stop_watching(void)
{
    unsigned i;

    drop_listeners();
    for (i = 0; i < 4; i++)
        if (ev_is_active(&sig_watchers[i]))
            ev_signal_stop(EV_DEFAULT_UC, &sig_watchers[i]);
    free(listeners);
    listeners = NULL;
    nlisteners = 0;
}

int
weft_cae_run(void)
{
    int rc = WEFT_ERROR;

    if (start_watching() == WEFT_OK) {
        running = 1;
        /* The signal watchers keep the loop alive: it only ends when
         * weft_cae_maybe_finish() breaks it. */
        if (!finishing)
            ev_run(EV_DEFAULT_UC, 0);
        running = 0;
        rc = WEFT_OK;
    }
    stop_watching();
    if (weft_cae_nlive > 0)
        weft_cae_api->log(WEFT_LOG_INFO, "coroae: %u connection%s cut off", weft_cae_nlive,
                          weft_cae_nlive == 1 ? "" : "s");
    return rc;
}

void
weft_cae_stop(int graceful)
{
    stopping = 1;
    drop_listeners();
    if (!graceful && !weft_cae_aborting)
        weft_cae_abort_waits();
    weft_cae_maybe_finish();
}

void
weft_cae_maybe_finish(void)
{
    if (!stopping || finishing)
        return;
    if (weft_cae_nlive > 0 && !(weft_cae_aborting && weft_cae_naborted == 0))
        return;
    finishing = 1;
    if (running)
        ev_break(EV_DEFAULT_UC, EVBREAK_ALL);
}
