#!/usr/bin/perl
# Reads CONTENT_LENGTH bytes of form data, as CGI.pm does, and reports.
use strict;
use warnings;
my $len = $ENV{CONTENT_LENGTH} || 0;
my $body = '';
while (length($body) < $len) {
    my $n = read(STDIN, $body, $len - length($body), length($body));
    last unless $n;
}
my %form = map { my ($k, $v) = split /=/, $_, 2; ($k, $v) } split /&/, $body;
print "Status: 200 OK\n";
print "Content-Type: text/plain\n\n";
print "length=", length($body), "\n";
print "$_=$form{$_}\n" for sort keys %form;
