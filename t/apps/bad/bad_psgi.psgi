# A PSGI app that misbehaves in the way PATH_INFO names
# (t/integration/test_bad_apps.py); /ok and /pid behave.
use strict;
use warnings;
use POSIX ();
use Time::HiRes ();

package Cut;
sub new { my ($class) = @_; return bless { n => 0 }, $class }
sub getline {
    my ($self) = @_;
    if ($self->{n}++ == 0) { return "part of the body " x 2000 }   # over the 16k held back
    Time::HiRes::sleep(0.2);
    die "the body broke halfway\n";
}
sub close { }

package RaiseFirst;
sub new { return bless {}, shift }
sub getline { die "the body broke before its first chunk\n" }
sub close { }

package main;

sub ok { my ($body) = @_; return [200, ['Content-Type' => 'text/plain'], [defined $body ? $body : 'ok']] }

sub fork_case {
    my ($how) = @_;
    my $pid = fork;
    if (defined $pid && $pid == 0) {
        POSIX::_exit(0) if $how eq 'exit';
        if ($how eq 'linger') { sleep 60; POSIX::_exit(0) }
        return ok('child');                 # "return": back into the server
    }
    return ok("parent $pid");
}

my $app = sub {
    my ($env) = @_;
    (my $case = $env->{PATH_INFO}) =~ s{/}{}g;
    if ($case eq 'ok') {
        local $| = 1;
        print STDOUT "stdout still works\n";
        return ok();
    }
    return ok("$$") if $case eq 'pid';
    return [[200], ['Content-Type' => 'text/plain'], ['x']] if $case eq 'status_type';
    return [200, ['Content-Type' => 'text/plain'], 42] if $case eq 'body_type';
    return [200, ['Content-Type'], ['x']] if $case eq 'header_type';
    return [200, ['X-A' => "a\r\nSet-Cookie: evil=1"], ['x']] if $case eq 'header_crlf';
    return [200, ["X-\0A" => 'v'], ['x']] if $case eq 'header_nul_name';
    return [200, ['X-A' => "a\0b"], ['x']] if $case eq 'header_nul_value';
    return ['OK', ['Content-Type' => 'text/plain'], ['x']] if $case eq 'status_nodigits';
    return [200, ['Content-Type' => 'text/plain'], RaiseFirst->new] if $case eq 'raise_before';
    return [200, ['Content-Type' => 'text/plain'], Cut->new] if $case eq 'raise_after_chunked';
    return [200, ['Content-Type' => 'text/plain', 'Content-Length' => 100000], Cut->new]
        if $case eq 'raise_after_length';
    if ($case eq 'close_stdin')  { close STDIN;  return ok() }
    if ($case eq 'close_stdout') { close STDOUT; return ok() }
    if ($case eq 'close_stderr') { close STDERR; return ok() }
    return fork_case($1) if $case =~ /^fork_(.*)/;
    return [404, ['Content-Type' => 'text/plain'], ['no such case']];
};
