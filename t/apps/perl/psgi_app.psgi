# The Perl plugin's test app: one route per thing the tests check.
use strict;
use warnings;

my %routes;
my $self_file = __FILE__;

sub json_of {
    my ($h) = @_;
    my @out;
    for my $k (sort keys %$h) {
        my $v = $h->{$k};
        my $s = !defined $v ? 'null'
              : ref $v eq 'ARRAY' ? '[' . join(',', map { qq("$_") } @$v) . ']'
              : ref $v ? '"' . ref($v) . '"'
              : do { (my $e = $v) =~ s/(["\\])/\\$1/g; $e =~ s/([\x00-\x1f])/sprintf('\\u%04x', ord $1)/ge; qq("$e") };
        push @out, qq("$k":$s);
    }
    return '{' . join(',', @out) . '}';
}

$routes{'/hello'} = sub { [200, ['Content-Type' => 'text/plain'], ['Hello, World!']] };

$routes{'/env'} = sub {
    my $env = shift;
    my %e = map { $_ => $env->{$_} } grep { !/^psgi/ } keys %$env;
    for my $k (qw(psgi.url_scheme psgi.multithread psgi.multiprocess psgi.run_once
                  psgi.nonblocking psgi.streaming psgix.input.buffered psgix.harakiri
                  psgix.cleanup)) {
        $e{$k} = $env->{$k} ? 1 : 0;
    }
    $e{'psgi.url_scheme'} = $env->{'psgi.url_scheme'};
    $e{'psgi.version'} = $env->{'psgi.version'};
    $e{'input class'} = ref $env->{'psgi.input'};
    $e{'errors class'} = ref $env->{'psgi.errors'};
    $e{'handlers'} = ref $env->{'psgix.cleanup.handlers'};
    $e{'io'} = defined $env->{'psgix.io'} ? 1 : 0;
    [200, ['Content-Type' => 'application/json'], [json_of(\%e)]];
};

$routes{'/echo'} = sub {
    my $env = shift;
    my $in = $env->{'psgi.input'};
    my ($body, $buf) = ('', '');
    while (my $n = $in->read($buf, 1000)) { $body .= $buf }
    [200, ['Content-Type' => 'application/octet-stream', 'X-Length' => length $body], [$body]];
};

$routes{'/read-offset'} = sub {
    my $env = shift;
    my $buf = 'XY';
    $env->{'psgi.input'}->read($buf, 3, 5);
    (my $shown = $buf) =~ s/\0/./g;
    [200, [], [$shown]];
};

$routes{'/seek'} = sub {
    my $env = shift;
    my $in = $env->{'psgi.input'};
    my ($a, $b) = ('', '');
    $in->read($a, 100);
    my $ok = $in->seek(0, 0) ? 'yes' : 'no';
    $in->read($b, 100);
    [200, [], ["$ok:$a:$b"]];
};

$routes{'/die'} = sub { die "this app dies on purpose\n" };
$routes{'/die-object'} = sub { die { code => 42 } };
$routes{'/bad-status'} = sub { ['abc', [], ['x']] };
$routes{'/bad-headers'} = sub { [200, ['X-A'], ['x']] };
$routes{'/bad-body'} = sub { [200, [], 'not a ref'] };
$routes{'/not-array'} = sub { 'nope' };

$routes{'/multi-header'} = sub {
    [200, ['Set-Cookie' => 'a=1', 'Set-Cookie' => 'b=2', 'Content-Type' => 'text/plain'], ['ok']];
};

$routes{'/304'} = sub { [304, [], []] };

$routes{'/glob'} = sub {
    open my $fh, '<', $self_file or die "cannot open $self_file: $!";
    [200, ['Content-Type' => 'text/plain'], $fh];
};

$routes{'/memfile'} = sub {
    my $data = "in memory\n" x 3;
    open my $fh, '<', \$data or die;
    [200, [], $fh];
};

{
    package Lines;
    sub new { my ($c, @l) = @_; bless { l => [@l] }, $c }
    sub getline { shift @{ $_[0]{l} } }
    sub close { $Lines::closed++ }
}
$Lines::closed = 0;
$routes{'/getline'} = sub { [200, [], Lines->new("one\n", "two\n", "three\n")] };
$routes{'/closed'} = sub { [200, [], ["closed=$Lines::closed"]] };

{
    package WithPath;
    sub new { my ($c, $p) = @_; bless { p => $p }, $c }
    sub path { $_[0]{p} }
    sub getline { undef }
    sub close { 1 }
}
$routes{'/path'} = sub { [200, ['Content-Type' => 'text/plain'], WithPath->new($self_file)] };

$routes{'/delayed'} = sub {
    my $env = shift;
    return sub { my $responder = shift; $responder->([200, ['Content-Type' => 'text/plain'], ['delayed']]) };
};

$routes{'/stream'} = sub {
    my $env = shift;
    return sub {
        my $responder = shift;
        my $w = $responder->([200, ['Content-Type' => 'text/plain']]);
        $w->write("chunk $_\n") for 1 .. 3;
        $w->close;
    };
};

our ($kept_writer, $kept_responder);
$routes{'/keep-responder'} = sub {
    return sub { $kept_responder = shift; $kept_responder->([200, [], ['first']]) };
};
$routes{'/stale-responder'} = sub {
    my $r = eval { $kept_responder->([200, [], ['stale']]); 1 } ? 'answered' : "died: $@";
    $r =~ s/ at .*//s;
    [200, [], [$r]];
};

$routes{'/stream-keep'} = sub {
    return sub {
        my $w = shift->([200, []]);
        $w->write('kept');
        $w->close;
        $kept_writer = $w;
    };
};
$routes{'/stale-writer'} = sub {
    my $r = eval { $kept_writer->write('x'); 1 } ? 'wrote' : "died: $@";
    $r =~ s/ at .*//s;
    [200, [], [$r]];
};

our @cleaned;
$routes{'/cleanup'} = sub {
    my $env = shift;
    push @{ $env->{'psgix.cleanup.handlers'} }, sub { push @cleaned, $_[0]{PATH_INFO} };
    push @{ $env->{'psgix.cleanup.handlers'} }, sub { die "a cleanup handler dies on purpose\n" };
    [200, [], ['cleanup set']];
};
$routes{'/cleaned'} = sub { [200, [], [join(',', @cleaned)]] };

$routes{'/harakiri'} = sub {
    my $env = shift;
    $env->{'psgix.harakiri.commit'} = 1;
    [200, [], ["pid $$"]];
};
$routes{'/pid'} = sub { [200, [], ["$$"]] };

$routes{'/errors'} = sub {
    my $env = shift;
    $env->{'psgi.errors'}->print("a line for the log\n");
    [200, [], ['logged']];
};

$routes{'/api'} = sub {
    my %v = (
        worker => uwsgi::worker_id(),
        core => Weft::core_id(),
        same => (\&uwsgi::suspend == \&uwsgi::suspend ? 1 : 0),
        version => $uwsgi::VERSION,
    );
    [200, ['Content-Type' => 'application/json'], [json_of(\%v)]];
};

$routes{'/sleep'} = sub {
    my $env = shift;
    my ($t) = ($env->{QUERY_STRING} =~ /t=([\d.]+)/);
    uwsgi::async_sleep($t || 0.2);
    uwsgi::suspend();
    [200, [], ['slept ' . (uwsgi::timed_out() ? 'timed out' : 'woken')]];
};

$routes{'/wait-fd'} = sub {
    pipe(my $r, my $w) or die;
    syswrite $w, 'x';
    Weft::wait_fd_read($r, 2);
    Weft::suspend();
    my $ready = Weft::ready_fd() == fileno($r) ? 'ready' : 'not ready';
    [200, [], [$ready]];
};

$routes{'/api-errors'} = sub {
    my @out;
    for my $code (sub { uwsgi::async_sleep() }, sub { uwsgi::wait_fd_read() },
                  sub { uwsgi::wait_fd_read('abc') }) {
        eval { $code->(); 1 } and push(@out, 'lived'), next;
        (my $e = $@) =~ s/ at .*//s;
        push @out, $e;
    }
    [200, [], [join("\n", @out)]];
};

# The app frames its body itself (as Mojo::Server::PSGI does), split
# across the pieces anyhow, with an extension and a trailer.
$routes{'/self-chunked'} = sub {
    [200, ['Transfer-Encoding' => 'chunked'],
     ["5;x=y\r\nhel", "lo\r", "\n6\r\n, worl\r\n", "1\r\nd\r\n0\r\nX-T: 1\r\n\r\n"]];
};
$routes{'/bad-chunked'} = sub { [200, ['Transfer-Encoding' => 'chunked'], ["zz\r\n"]] };

# uWSGI's async idiom: register a wait, return an empty chunk, go on after.
{
    package Later;
    sub new { my ($c, $t) = @_; bless { t => $t, step => 0 }, $c }
    sub getline {
        my $s = shift;
        my $step = $s->{step}++;
        return uwsgi::async_sleep($s->{t}) if $step == 0;
        return "woke after $s->{t}" if $step == 1;
        return undef;
    }
    sub close { 1 }
}
$routes{'/sleep-body'} = sub { [200, ['Content-Type' => 'text/plain'], Later->new(0.5)] };

$routes{'/big'} = sub { [200, [], ['x' x 200_000]] };

# Seed in the master (the first rand seeds): without a new seed per worker
# every forked worker would replay the same sequence.
my $master_rand = rand();
$routes{'/srand'} = sub { [200, [], [int(rand(1_000_000_000))]] };

$routes{'/sig'} = sub { [200, [], [defined $SIG{TERM} ? "TERM=$SIG{TERM}" : 'TERM unset']] };

$SIG{TERM} = sub { print STDERR "the app's TERM handler ran\n" };
$SIG{HUP} = 'IGNORE';

my $app = sub {
    my $env = shift;
    my $h = $routes{$env->{PATH_INFO}} || sub { [404, ['Content-Type' => 'text/plain'], ['not found']] };
    return $h->($env);
};
