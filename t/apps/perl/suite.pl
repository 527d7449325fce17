#!/usr/bin/perl
# Run Plack::Test::Suite against weft: perl suite.pl WEFT [ARGS...]
# run_server_tests forks a child for the server; the child execs weft with
# ARGS, serving suite.psgi on the port the suite chose, and the suite's
# client then runs every test against it over HTTP.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use Test::More;
use Plack::Test::Suite;

my @weft = @ARGV or die "usage: $0 WEFT [ARGS...]\n";
my $psgi = File::Spec->rel2abs(File::Spec->catfile(dirname(__FILE__), 'suite.psgi'));

Plack::Test::Suite->run_server_tests(sub {
    my ($port) = @_;
    exec @weft, '--http-socket', "127.0.0.1:$port", '--psgi', $psgi
        or die "cannot run $weft[0]: $!";
});
done_testing;
