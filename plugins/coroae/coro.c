/*
 * plugins/coroae/coro.c - a connection's Coro, and the loop engine's
 * coroutine functions current(), park() and wake().
 *
 * Each connection gets a Coro (Coro->new) whose body is an XS function of
 * ours: it runs api->serve_connection() to the end.  A small C object
 * (weft_cae_co_t) keeps what the engine knows about it, found from the
 * Coro's hash in a table keyed by its address: current() maps whichever
 * Coro runs to it, however Coro switched there (weft's wait, a
 * Coro::AnyEvent::sleep, an AnyEvent::HTTP request, a Coro::Socket read).
 * A Coro the app made itself is not in the table: current() is NULL there,
 * and api->current_request() with it.
 *
 * The table holds the live connections' Coros, and grows (doubling, kept
 * at most half full) with them; open addressing with linear probing, and
 * a removal that moves the following entries back, so a look-up is O(1)
 * with 10,000 connections as with one.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coroae.h"

struct weft_cae_co_s {
    SV             *coro;       /* a reference to the Coro object */
    HV             *hv;         /* the Coro's hash: its identity */
    int             fd;
    unsigned        li;
    int             parked;     /* in park(), until wake() */
    weft_cae_co_t  *prev, *next;
};

unsigned weft_cae_nlive;

static weft_cae_co_t  *live;        /* every connection's Coro */
static weft_cae_co_t **slots;       /* hv -> co */
static size_t          nslots, nused;
static SV             *serve_ref;   /* \&Weft::Coroae::_serve */

void
weft_cae_coro_bind(void)
{
    WEFT_CAE_BIND_APIS();
}

/* ------------------------------------------------------------ the table */

static size_t
slot_of(const void *p)
{
    uint64_t h = (uint64_t) (uintptr_t) p;

    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t) h & (nslots - 1);
}

static void
table_put(weft_cae_co_t *co)
{
    size_t i;

    for (i = slot_of(co->hv); slots[i] != NULL; i = (i + 1) & (nslots - 1))
        ;
    slots[i] = co;
    nused++;
}

/* Room for one more entry: WEFT_ERROR when memory is short. */
static int
table_grow(void)
{
    weft_cae_co_t **old = slots;
    size_t          n = nslots, i;

    if ((nused + 1) * 2 <= nslots)
        return WEFT_OK;
    slots = calloc(n ? n * 2 : 64, sizeof(*slots));
    if (slots == NULL) {
        slots = old;
        return WEFT_ERROR;
    }
    nslots = n ? n * 2 : 64;
    nused = 0;
    for (i = 0; i < n; i++)
        if (old[i] != NULL)
            table_put(old[i]);
    free(old);
    return WEFT_OK;
}

static weft_cae_co_t *
table_get(const HV *hv)
{
    size_t i;

    if (nused == 0)
        return NULL;
    for (i = slot_of(hv); slots[i] != NULL; i = (i + 1) & (nslots - 1))
        if (slots[i]->hv == hv)
            return slots[i];
    return NULL;
}

static void
table_del(weft_cae_co_t *co)
{
    size_t mask = nslots - 1, i, j;

    for (i = slot_of(co->hv); slots[i] != co; i = (i + 1) & mask)
        if (slots[i] == NULL)
            return;
    slots[i] = NULL;
    nused--;
    for (j = (i + 1) & mask; slots[j] != NULL; j = (j + 1) & mask) {
        size_t home = slot_of(slots[j]->hv);

        /* slots[j] may fill the hole at i unless its home lies in (i, j]. */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            slots[i] = slots[j];
            slots[j] = NULL;
            i = j;
        }
    }
}

/* ------------------------------------------------------------ a connection */

/* The body of a connection's Coro: Weft::Coroae::_serve($co). */
static XS(xs_serve)
{
    dXSARGS;
    weft_cae_co_t *co;

    PERL_UNUSED_VAR(cv);
    if (items != 1)
        croak_xs_usage(cv, "co");
    co = INT2PTR(weft_cae_co_t *, SvUV(ST(0)));
    weft_cae_api->serve_connection(co->fd, co->li);

    table_del(co);
    if (co->prev != NULL)
        co->prev->next = co->next;
    else
        live = co->next;
    if (co->next != NULL)
        co->next->prev = co->prev;
    weft_cae_nlive--;
    /* The Coro runs: Coro holds it as $Coro::current until it is over. */
    SvREFCNT_dec(co->coro);
    free(co);
    weft_cae_maybe_finish();
    XSRETURN_EMPTY;
}

/*
 * A Coro of the app's own that dies outside any eval ends the program, by
 * Coro's rule: the worker, with the requests in flight (the master starts
 * another).  Coro's DIEHOOK (the default die hook of new Coros) puts the
 * message in weft's log first, then calls the hook that was there (Coro's
 * own, or the app's).  It cannot end only that Coro: Coro's
 * terminate is a schedule-like function, which Coro refuses inside a die
 * hook (and which no Perl wrapper may call for it either: Coro's cancel
 * and terminate stay as they are).
 */
static const char diehook_code[] =
    "{\n"
    "  my $theirs = $Coro::State::DIEHOOK;\n"
    "  $Coro::State::DIEHOOK = sub {\n"
    "    Weft::Coroae::_log(\"coroae: a Coro of the app's died outside any eval, which ends the worker (Coro's rule; catch it with eval): $_[0]\")\n"
    "      unless $^S || !defined $^S || ref $_[0] || $Coro::current == $Coro::main;\n"
    "    &$theirs;\n"
    "  };\n"
    "}\n"
    "1;\n";

/* Weft::Coroae::_log($message): one ERROR line (or one per line). */
static XS(xs_log)
{
    dXSARGS;
    STRLEN      len;
    const char *m, *end, *nl;

    if (items != 1)
        croak_xs_usage(cv, "message");
    m = SvPV(ST(0), len);
    for (end = m + len; m < end; m = nl + 1) {
        nl = memchr(m, '\n', (size_t) (end - m));
        if (nl == NULL)
            nl = end;
        if (nl > m)
            weft_cae_api->log(WEFT_LOG_ERROR, "%.*s", (int) (nl - m), m);
    }
    XSRETURN_EMPTY;
}

int
weft_cae_coro_init(void)
{
    dTHX;
    CV *cv = newXS("Weft::Coroae::_serve", xs_serve, __FILE__);

    if (cv == NULL || newXS("Weft::Coroae::_log", xs_log, __FILE__) == NULL)
        return WEFT_ERROR;
    serve_ref = newRV_inc((SV *) cv);
    eval_pv(diehook_code, FALSE);
    if (SvTRUE(ERRSV)) {
        weft_cae_log_perl_error(WEFT_LOG_ERROR, "coroae: cannot set Coro's die hook");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

void
weft_cae_spawn(int fd, unsigned li)
{
    dTHX;
    dSP;
    weft_cae_co_t *co = calloc(1, sizeof(*co));
    SV            *coro = NULL;
    int            n;

    if (co == NULL || table_grow() != WEFT_OK) {
        weft_cae_api->log(WEFT_LOG_ERROR, "coroae: out of memory for a connection's Coro");
        free(co);
        close(fd);
        return;
    }
    co->fd = fd;
    co->li = li;
    ENTER;
    SAVETMPS;
    PUSHMARK(SP);
    EXTEND(SP, 3);
    PUSHs(sv_2mortal(newSVpvs("Coro")));
    PUSHs(serve_ref);
    PUSHs(sv_2mortal(newSVuv(PTR2UV(co))));
    PUTBACK;
    n = call_method("new", G_SCALAR | G_EVAL);
    SPAGAIN;
    if (n == 1)
        coro = POPs;
    if (SvTRUE(ERRSV) || coro == NULL || !SvROK(coro) || SvTYPE(SvRV(coro)) != SVt_PVHV) {
        PUTBACK;
        weft_cae_log_perl_error(WEFT_LOG_ERROR, "coroae: cannot make a Coro for a connection");
        FREETMPS;
        LEAVE;
        free(co);
        close(fd);
        return;
    }
    co->coro = newSVsv(coro);
    co->hv = (HV *) SvRV(co->coro);
    PUTBACK;
    FREETMPS;
    LEAVE;

    table_put(co);
    co->next = live;
    if (live != NULL)
        live->prev = co;
    live = co;
    weft_cae_nlive++;
    CORO_READY(co->coro);
}

/* ------------------------------------------------------------ the engine */

void *
weft_cae_current(void)
{
    dTHX;

    if (GCoroAPI == NULL || my_perl == NULL)
        return NULL;
    return table_get((HV *) CORO_CURRENT);
}

void
weft_cae_park(void)
{
    dTHX;
    weft_cae_co_t *co = weft_cae_current();

    if (co == NULL) {
        weft_cae_api->log(WEFT_LOG_ERROR, "coroae: weft parks a Coro that serves no connection");
        return;
    }
    /* Only wake() ends a park: a stray ready() from elsewhere goes back. */
    co->parked = 1;
    while (co->parked)
        CORO_SCHEDULE;
}

void
weft_cae_wake(void *p)
{
    dTHX;
    weft_cae_co_t *co = p;

    if (co->parked) {
        co->parked = 0;
        CORO_READY(co->coro);
    }
}
