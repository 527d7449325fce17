#!/usr/bin/perl
# What a script inherits: its signal dispositions and mask, its open fds.
use strict;
use warnings;
print "Content-Type: text/plain\n\n";
open(my $st, '<', "/proc/$$/status") or die;
print grep { /^Sig(Ign|Blk):/ } <$st>;
close($st);
opendir(my $d, "/proc/self/fd") or die;
for my $fd (sort { $a <=> $b } grep { /^\d+$/ } readdir($d)) {
    my $to = readlink("/proc/self/fd/$fd") // '?';
    print "fd $fd $to\n" unless $to =~ m{^/proc/\d+/fd$};
}
