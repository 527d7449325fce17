# hello-world PSGI: the bench's app (bench/psgi.py).  It gives its own
# Content-Length: uWSGI's psgi plugin adds none, and without one its
# --http11-socket cannot keep a connection alive.
my $app = sub {
    return [200, ['Content-Type' => 'text/plain', 'Content-Length' => 13], ['Hello, World!']];
};
