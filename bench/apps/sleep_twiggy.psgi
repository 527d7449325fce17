# One-second sleep as an AnyEvent server answers it: a timer, then a
# delayed response (bench/psgi.py: under Twiggy, and under weft --coroae).
use strict;
use warnings;
use AnyEvent;

sub {
    return sub {
        my ($respond) = @_;
        my $t;
        $t = AE::timer 1, 0, sub {
            undef $t;
            $respond->([200, ['Content-Type' => 'text/plain'], ['slept 1']]);
        };
    };
};
