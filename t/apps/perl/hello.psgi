# The smallest PSGI app: the bench's and the boot test's.
my $app = sub {
    return [200, ['Content-Type' => 'text/plain'], ['Hello, World!']];
};
