/*
 * plugins/perl/app.c - loading the PSGI app, evaluating Perl under G_EVAL,
 * and logging Perl errors.
 *
 * The .psgi loads as Plack::Util::load_psgi loads one: made absolute, run
 * with `do` inside a package of its own (so two apps' subs never meet), with
 * $0 set to the file and @ARGV empty; a false result with $@ or $! set is a
 * load error, reported with Perl's message.  The result must be a code ref
 * (or an object that overloads &{}, as Plack::Component does).
 *
 * Unless --perl-no-die-catch is given, a $SIG{__DIE__} hook (installed only
 * when the app set none) notes where each die happened, so the log line of
 * an app's die carries its backtrace.  It never changes the message the app
 * sees in $@.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "perl.h"

SV *weft_pl_app;

/* The loader and the die hook, in Perl: evaluated once at setup. */
static const char loader_src[] =
    "package Weft::PSGI;\n"
    "use strict; no warnings;\n"
    "our ($died, $trace);\n"
    "sub _sandbox { my $f = shift; $f =~ s/([^A-Za-z0-9_])/sprintf('_%02x', ord $1)/ge; $f }\n"
    "sub load_psgi {\n"
    "    my $file = shift;\n"
    "    require File::Spec;\n"
    "    $file = File::Spec->rel2abs($file);\n"
    "    my $pkg = _sandbox($file);\n"
    "    local $0 = $file;\n"
    "    local @ARGV = ();\n"
    "    local ($@, $!);\n"
    "    my $app = eval qq{package Weft::Sandbox::$pkg;\\n}\n"
    "        . q{my $a = do $file; if (!$a && (my $e = $@ || $!)) { die $e } $a};\n"
    "    die $@ if $@;\n"
    "    die \"$file does not make a PSGI app (it returned \"\n"
    "        . (defined $app ? \"'$app'\" : 'undef') . \", not a code ref)\\n\"\n"
    "        unless ref $app eq 'CODE' || (Scalar::Util::blessed($app)\n"
    "                                      && overload::Method($app, '&{}'));\n"
    "    $app;\n"
    "}\n"
    "sub die_hook {\n"
    "    return if ref $_[0];\n"
    "    ($died, $trace) = ($_[0], Carp::longmess(''));\n"
    "}\n"
    "sub trace_of {\n"
    "    my $e = shift;\n"
    "    return '' unless defined $died && !ref $e && $e eq $died;\n"
    "    my $t = $trace; ($died, $trace) = ();\n"
    "    $t =~ s/^ at .*? line \\d+\\.?\\n//;\n"
    "    $t =~ s/^.* called at -e line 0\\n?//mg;\n"
    "    $t;\n"
    "}\n"
    "1;\n";

int
weft_pl_eval(pTHX_ const char *src)
{
    dSP;
    SV *code = newSVpvn_flags(src, strlen(src), SVs_TEMP);

    ENTER;
    SAVETMPS;
    PUSHMARK(SP);
    eval_sv(code, G_DISCARD | G_EVAL);
    FREETMPS;
    LEAVE;
    return SvTRUE(ERRSV) ? -1 : 0;
}

/* The backtrace noted for the error e by the die hook, or "". */
static SV *
trace_for(pTHX_ SV *e)
{
    dSP;
    SV *t = NULL;
    int n;

    if (weft_pl_conf.no_die_catch || get_cv("Weft::PSGI::trace_of", 0) == NULL)
        return NULL;
    PUSHMARK(SP);
    XPUSHs(e);
    PUTBACK;
    n = call_pv("Weft::PSGI::trace_of", G_SCALAR | G_EVAL);
    SPAGAIN;
    if (n == 1)
        t = POPs;
    PUTBACK;
    return t;
}

/* Log each line of the text p..end: the first after the prefix. */
static void
log_lines(int level, const char *prefix, const char *p, const char *end, int first)
{
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        int         n = (int) ((nl ? nl : end) - p);

        if (first)
            weft_pl_api->log(level, "%s: %.*s", prefix, n, p);
        else if (n > 0)
            weft_pl_api->log(level, "  %.*s", n, p);
        first = 0;
        p = nl ? nl + 1 : end;
    }
    if (first)
        weft_pl_api->log(level, "%s", prefix);
}

void
weft_pl_log_error(pTHX_ int level, const char *fmt, ...)
{
    char        prefix[512];
    va_list     ap;
    SV         *e, *t;
    const char *p;
    STRLEN      len;

    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    ENTER;
    SAVETMPS;
    e = sv_mortalcopy(ERRSV);
    sv_setpvs(ERRSV, "");
    if (!SvOK(e) || (!SvROK(e) && SvCUR(e) == 0)) {
        weft_pl_api->log(level, "%s", prefix);
    } else {
        p = SvPV(e, len);           /* an exception object stringifies */
        log_lines(level, prefix, p, p + len, 1);
        t = trace_for(aTHX_ e);
        if (t != NULL && SvOK(t)) {
            p = SvPV(t, len);
            log_lines(level, prefix, p, p + len, 0);
        }
        sv_setpvs(ERRSV, "");
    }
    FREETMPS;
    LEAVE;
}

int
weft_pl_modules_load(pTHX)
{
    char   src[1024];
    size_t i;

    if (weft_pl_eval(aTHX_ "require Carp; require Scalar::Util; require overload; 1") != 0
        || weft_pl_eval(aTHX_ loader_src) != 0) {
        weft_pl_log_error(aTHX_ WEFT_LOG_ERROR, "perl: cannot set up the PSGI loader");
        return WEFT_ERROR;
    }
    for (i = 0; i < weft_pl_conf.modules.n; i++) {
        const char *m = weft_pl_conf.modules.v[i];

        if (strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_:")
            != strlen(m) || *m == '\0') {
            weft_pl_api->log(WEFT_LOG_ERROR, "perl: --perl-module %s: not a module name", m);
            return WEFT_ERROR;
        }
        snprintf(src, sizeof(src), "package main; use %s; 1", m);
        if (weft_pl_eval(aTHX_ src) != 0) {
            weft_pl_log_error(aTHX_ WEFT_LOG_ERROR, "perl: --perl-module %s failed", m);
            return WEFT_ERROR;
        }
    }
    return WEFT_OK;
}

int
weft_pl_app_load(pTHX)
{
    const char *file = weft_pl_conf.psgi;
    dSP;
    SV         *app = NULL;
    int         n;

    ENTER;
    SAVETMPS;
    PUSHMARK(SP);
    XPUSHs(sv_2mortal(newSVpv(file, 0)));
    PUTBACK;
    n = call_pv("Weft::PSGI::load_psgi", G_SCALAR | G_EVAL);
    SPAGAIN;
    if (n == 1)
        app = POPs;
    PUTBACK;
    if (SvTRUE(ERRSV) || app == NULL) {
        weft_pl_log_error(aTHX_ WEFT_LOG_ERROR, "perl: cannot load the PSGI app %s", file);
        FREETMPS;
        LEAVE;
        return WEFT_ERROR;
    }
    weft_pl_app = newSVsv(app);
    FREETMPS;
    LEAVE;
    if (!weft_pl_conf.no_die_catch) {
        SV **slot = hv_fetchs(get_hv("main::SIG", GV_ADD), "__DIE__", 0);

        if (slot == NULL || !SvOK(*slot))
            (void) weft_pl_eval(aTHX_ "$SIG{__DIE__} = \\&Weft::PSGI::die_hook; 1");
    }
    weft_pl_api->log(WEFT_LOG_INFO, "perl: PSGI app %s loaded", file);
    return WEFT_OK;
}
