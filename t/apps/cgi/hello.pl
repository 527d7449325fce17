#!/usr/bin/perl
# A Perl script; with --cgi-helper .pl=perl it needs no exec bit.
use strict;
use warnings;
print "Content-Type: text/plain\r\n\r\n";
print "Hello from Perl\n";
print "argv=", scalar(@ARGV), "\n";
print "query=$ENV{QUERY_STRING}\n";
