# Broken on purpose: a syntax error.
my $app = sub { [200, [], ['x']] ;
