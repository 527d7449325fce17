# The coroae engine's test app: weft's API and Coro's own waits, side by
# side, on the request's Coro or on one the app makes.  Each route answers
# in plain text.
use strict;
use warnings;

use Coro;
use Coro::AnyEvent;
use Coro::Socket;
use Coro::Handle;
use AnyEvent;
use AnyEvent::HTTP;

my %routes;

sub query {
    my ($env) = @_;
    my %q;
    for (split /&/, $env->{QUERY_STRING} // '') {
        my ($k, $v) = split /=/, $_, 2;
        $q{$k} = $v // '';
    }
    return \%q;
}

sub text {
    my ($body, @headers) = @_;
    return [200, ['Content-Type' => 'text/plain', @headers], [$body]];
}

# weft's API, as uWSGI's async apps call it: register, then suspend.
$routes{'/async-sleep'} = sub {
    my ($env, $q) = @_;
    my $s = $q->{s} // 1;
    uwsgi::async_sleep($s);
    uwsgi::suspend();
    return text(sprintf "slept %s on core %d", $s, uwsgi::core_id());
};

# Coro's own sleep: no weft API at all.
$routes{'/coro-sleep'} = sub {
    my ($env, $q) = @_;
    my $s = $q->{s} // 1;
    my $t = AE::time;
    Coro::AnyEvent::sleep($s);
    return text(sprintf "slept %s (%.1f)", $s, AE::time - $t);
};

# uwsgi::suspend with nothing registered: let the others run once.
$routes{'/suspend'} = sub {
    my $n = 0;
    for (1 .. 3) { uwsgi::suspend(); $n++ }
    return text("suspended $n times");
};

# AnyEvent::HTTP against a local server, the Coro way (as many connections
# to it at once as there are requests: the default is 4 per host).
$AnyEvent::HTTP::MAX_PER_HOST = 100;
$routes{'/http'} = sub {
    my ($env, $q) = @_;
    http_get "http://127.0.0.1:$q->{port}/", timeout => 30, Coro::rouse_cb;
    my ($body, $hdr) = Coro::rouse_wait;
    return text("http $hdr->{Status}: $body");
};

# Coro::Socket against a plain TCP server.
$routes{'/socket'} = sub {
    my ($env, $q) = @_;
    my $s = Coro::Socket->new(PeerAddr => '127.0.0.1', PeerPort => $q->{port})
        or return text("cannot connect: $!");
    $s->print("hello");
    $s->shutdown(1);
    my $got = '';
    while (defined(my $line = $s->readline)) { $got .= $line }
    return text("socket: $got");
};

# A Coro the app makes: weft's API there acts on this request or dies with a
# message; Coro's own waits just work.
$routes{'/own-coro'} = sub {
    my ($env, $q) = @_;
    my $what = $q->{call} // 'async_sleep';
    my $c = async {
        my $r = eval {
            if ($what eq 'async_sleep') { uwsgi::async_sleep(0.1); uwsgi::suspend(); }
            elsif ($what eq 'core_id') { return "core " . uwsgi::core_id(); }
            elsif ($what eq 'worker_id') { return "worker " . uwsgi::worker_id(); }
            elsif ($what eq 'coro-sleep') { Coro::AnyEvent::sleep(0.1); }
            'ok';
        };
        defined $r ? $r : "died: $@";
    };
    my $got = $c->join;
    $got =~ s/\s+\z//;
    return text("own coro: $got");
};

# psgi.nonblocking and friends.
$routes{'/env'} = sub {
    my ($env) = @_;
    return text(join ' ', map { "$_=" . ($env->{$_} ? 1 : 0) }
                qw(psgi.nonblocking psgi.multithread psgi.multiprocess psgi.streaming));
};

$routes{'/pid'} = sub { text($$) };

# Which Coro serves: one per connection, never the main one.
$routes{'/coro'} = sub {
    my ($env, $q) = @_;
    Coro::AnyEvent::sleep($q->{s}) if $q->{s};
    return text(($Coro::current + 0) . ' ' . ($Coro::current == $Coro::main ? 'main' : 'own'));
};

$routes{'/whoami'} = sub {
    my ($env, $q) = @_;
    Coro::AnyEvent::sleep($q->{s}) if $q->{s};
    return text("$$ " . uwsgi::worker_id());
};

# A big body in one piece: the core waits on a full socket.
$routes{'/big'} = sub {
    my ($env, $q) = @_;
    return text('x' x ($q->{size} // 1000000));
};

# Streaming: the writer's write on a full socket suspends only this Coro.
$routes{'/stream'} = sub {
    my ($env, $q) = @_;
    my $n = $q->{n} // 10;
    my $size = $q->{size} // 1000000;
    return sub {
        my ($respond) = @_;
        my $w = $respond->([200, ['Content-Type' => 'text/plain']]);
        $w->write('x' x $size) for 1 .. $n;
        $w->close;
    };
};

# The writer used from a Coro of the app's own, between Coro sleeps.
$routes{'/stream-from-coro'} = sub {
    return sub {
        my ($respond) = @_;
        my $w = $respond->([200, ['Content-Type' => 'text/plain']]);
        async {
            for my $i (1 .. 3) { Coro::AnyEvent::sleep(0.05); $w->write("part $i\n") }
            $w->close;
        };
    };
};

# A delayed response from an AnyEvent timer, as a Twiggy app answers.
$routes{'/delayed'} = sub {
    my ($env, $q) = @_;
    my $s = $q->{s} // 1;
    return sub {
        my ($respond) = @_;
        my $t;
        $t = AE::timer $s, 0, sub {
            undef $t;
            $respond->([200, ['Content-Type' => 'text/plain'], ["delayed $s"]]);
        };
    };
};

# weft's wait on many fds at once (more than the engine keeps at hand):
# only the last pipe is readable.
$routes{'/many-fds'} = sub {
    my ($env, $q) = @_;
    my $n = $q->{n} // 30;
    my @pipes;
    for (1 .. $n) {
        pipe(my $r, my $w) or die "pipe: $!";
        push @pipes, [$r, $w];
    }
    syswrite $pipes[-1][1], "x";
    uwsgi::wait_fd_read(fileno $_->[0], 5) for @pipes;
    uwsgi::suspend();
    my $ready = uwsgi::ready_fd();
    return text($ready == fileno $pipes[-1][0] ? "the last of $n" : "fd $ready of $n");
};

# A Coro the app leaves running after the request: it must not keep the
# worker from stopping.
my $ticks = 0;
$routes{'/background'} = sub {
    async { while (1) { Coro::AnyEvent::sleep(0.05); $ticks++ } };
    return text("started");
};
$routes{'/ticks'} = sub { text("ticks $ticks") };

# psgix.io: the app answers on the connection itself, through Coro::Handle,
# after a Coro sleep, from a Coro of its own.
$routes{'/io'} = sub {
    my ($env) = @_;
    my $fh = $env->{'psgix.io'} or return text("no psgix.io");
    return sub {
        async {
            my $h = Coro::Handle::unblock($fh);
            Coro::AnyEvent::sleep(0.2);
            $h->print("HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n\r\nhello from io");
            $h->close;
        };
    };
};

# A big delayed response from a timer callback: the body's write waits on
# a full socket on whichever Coro runs the loop then.
$routes{'/delayed-big'} = sub {
    my ($env, $q) = @_;
    my $size = $q->{size} // 30000000;
    return sub {
        my ($respond) = @_;
        my $t;
        $t = AE::timer 0.1, 0, sub {
            undef $t;
            $respond->([200, ['Content-Type' => 'text/plain'], ['x' x $size]]);
        };
    };
};

# A Coro of the app's own that dies outside any eval: by Coro's rule that
# ends the worker (weft logs the message first).
$routes{'/own-die'} = sub {
    async { die "an own Coro died\n" };
    Coro::AnyEvent::sleep(0.1);
    return text("not reached");
};

$routes{'/die'} = sub { die "this app died\n" };

my $app = sub {
    my ($env) = @_;
    my $route = $routes{$env->{PATH_INFO}}
        or return [404, ['Content-Type' => 'text/plain'], ['no such route']];
    return $route->($env, query($env));
};

$app;
