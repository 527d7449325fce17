# Broken on purpose: the load must fail with Perl's message.
use strict;
sub broken_helper { die "this app is broken on purpose\n" }
broken_helper();
sub { [200, [], ['never']] };
