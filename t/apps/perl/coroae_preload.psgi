# An app that starts AnyEvent on EV in the master, before the workers are
# forked: a repeating timer made at load time.  Each worker must get EV's
# loop anew (its own epoll), and the timer ticks in each.
use strict;
use warnings;

use EV;
use AnyEvent;
use Coro;
use Coro::AnyEvent;

my $ticks = 0;
our $TIMER = AE::timer 0, 0.02, sub { $ticks++ };   # kept: the file scope ends
my $model = AnyEvent::detect();
my $master = $$;

sub {
    my $before = $ticks;
    Coro::AnyEvent::sleep(0.2);
    my $ticked = $ticks > $before ? 'ticks' : 'still';
    return [200, ['Content-Type' => 'text/plain'],
            ["$$ $model $ticked " . ($$ == $master ? 'in the master' : 'forked')]];
};
