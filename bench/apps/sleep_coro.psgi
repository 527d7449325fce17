# One-second sleep through Coro::AnyEvent, with no weft API at all
# (bench/psgi.py, --coroae 1000).
use strict;
use warnings;
use Coro::AnyEvent;

sub {
    Coro::AnyEvent::sleep(1);
    return [200, ['Content-Type' => 'text/plain'], ['slept 1']];
};
