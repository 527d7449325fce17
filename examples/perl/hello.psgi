# weft --http-socket :8080 --psgi examples/perl/hello.psgi
my $app = sub {
    my $env = shift;
    return [200, ['Content-Type' => 'text/plain'], ["Hello from weft, $env->{REMOTE_ADDR}\n"]];
};
