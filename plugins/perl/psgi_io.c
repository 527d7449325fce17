/*
 * plugins/perl/psgi_io.c - psgix.io: the request's connection, for apps
 * that speak a protocol of their own on it (WebSocket, server push).
 *
 * The env holds a handle tied to Weft::IO, one per core.  Nothing happens
 * until the app uses it: its first use (fileno, sysread, syswrite, print,
 * read...) hands the connection over through the core (api->hijack, no
 * head sent) and opens a real Perl handle on the descriptor it returns;
 * every later operation goes to that handle.  From then on weft writes
 * nothing to the client and ignores the app's response.  The handle is
 * closed when the request ends unless the app closed it.
 */
#include <errno.h>
#include <string.h>

#include "perl.h"

static const char io_src[] =
    "package Weft::IO;\n"
    "use strict; no warnings;\n"
    "sub TIEHANDLE { my ($class, $core) = @_; bless { core => $core }, $class }\n"
    "sub _fh {\n"
    "    my $s = shift;\n"
    "    return $s->{fh} if $s->{fh};\n"
    "    my $fd = Weft::IO::_hijack($s->{core});\n"
    "    open(my $fh, '+<&=', $fd) or die \"psgix.io: cannot open the connection: $!\\n\";\n"
    "    binmode $fh;\n"
    "    $s->{fh} = $fh;\n"
    "}\n"
    "sub FILENO   { fileno($_[0]->_fh) }\n"
    "sub READ     { my $s = shift; my $fh = $s->_fh; sysread($fh, $_[0], $_[1], $_[2] || 0) }\n"
    "sub READLINE { my $fh = $_[0]->_fh; wantarray ? <$fh> : scalar <$fh> }\n"
    "sub GETC     { getc($_[0]->_fh) }\n"
    "sub WRITE    { my ($s, $buf, $len, $off) = @_; syswrite($s->_fh, $buf, $len, $off || 0) }\n"
    "sub PRINT    { my $s = shift; my $fh = $s->_fh; local $\\; my $r = print {$fh} @_; $fh->flush; $r }\n"
    "sub PRINTF   { my $s = shift; my $fmt = shift; $s->PRINT(sprintf($fmt, @_)) }\n"
    "sub BINMODE  { 1 }\n"
    "sub EOF      { eof($_[0]->_fh) }\n"
    "sub CLOSE    { my $s = shift; my $fh = delete $s->{fh}; $fh ? close($fh) : 1 }\n"
    "sub _done    { my $s = shift; my $fh = delete $s->{fh}; close($fh) if $fh; }\n"
    "sub new_for  { my ($class, $core) = @_; my $g = \\do { no strict 'refs'; local *{\"Weft::IO::h$core\"} };\n"
    "               tie *$g, $class, $core; $g }\n"
    "sub done_for { my $t = tied *{$_[0]}; $t->_done if $t }\n"
    "1;\n";

/* Weft::IO::_hijack($core): the connection's fd, now the app's. */
static XS(xs_io_hijack)
{
    dXSARGS;
    weft_pl_core_t *pc;
    IV              id;
    int             fd;

    if (items != 1)
        croak_xs_usage(cv, "core");
    id = SvIV(ST(0));
    if (id < 0 || (UV) id >= weft_pl_ncores || weft_pl_cores[id].r == NULL)
        croak("psgix.io: the request it belonged to is over");
    pc = &weft_pl_cores[id];
    fd = weft_pl_api->hijack(pc->r, 0);
    if (fd < 0)
        croak("psgix.io: the connection cannot be handed over: %s",
              errno == EPIPE ? "the client went away" : strerror(errno));
    pc->hijacked = 1;
    weft_pl_wake(pc);
    XSRETURN_IV((IV) fd);
}

int
weft_pl_io_init(pTHX)
{
    newXS("Weft::IO::_hijack", xs_io_hijack, __FILE__);
    if (weft_pl_eval(aTHX_ io_src) != 0) {
        weft_pl_log_error(aTHX_ WEFT_LOG_ERROR, "perl: cannot set up psgix.io");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

SV *
weft_pl_io_new(pTHX_ weft_pl_core_t *pc)
{
    dSP;
    SV *g = NULL;
    int n;

    ENTER;
    SAVETMPS;
    PUSHMARK(SP);
    XPUSHs(sv_2mortal(newSVpvs("Weft::IO")));
    XPUSHs(sv_2mortal(newSViv((IV) pc->id)));
    PUTBACK;
    n = call_pv("Weft::IO::new_for", G_SCALAR | G_EVAL);
    SPAGAIN;
    if (n == 1)
        g = newSVsv(POPs);
    PUTBACK;
    if (SvTRUE(ERRSV))
        weft_pl_log_error(aTHX_ WEFT_LOG_ERROR, "perl: cannot make psgix.io for core %u", pc->id);
    FREETMPS;
    LEAVE;
    return g != NULL ? g : newSV(0);
}

/* At the end of a request: close the app's handle of the connection. */
void
weft_pl_io_done(pTHX_ weft_pl_core_t *pc)
{
    if (!pc->hijacked || pc->io == NULL || !SvROK(pc->io))
        return;
    {
        dSP;

        PUSHMARK(SP);
        XPUSHs(pc->io);
        PUTBACK;
        call_pv("Weft::IO::done_for", G_DISCARD | G_EVAL);
        if (SvTRUE(ERRSV))
            weft_pl_log_error(aTHX_ WEFT_LOG_ERROR, "perl: closing psgix.io failed");
    }
}
