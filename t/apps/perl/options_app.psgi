# The Perl plugin's options: -I, --perl-local-lib, --perl-module, --chdir,
# --perl-no-die-catch; and psgix.io.
use strict;
use Cwd ();

my %routes = (
    '/inc' => sub {
        my @found = grep { eval "require $_; 1" } qw(WeftTestHelper WeftLocalLib);
        [200, [], [join(',', @found)]];
    },
    '/module' => sub { [200, [], [exists $INC{'WeftTestHelper.pm'} ? 'preloaded' : 'not loaded']] },
    '/cwd' => sub { [200, [], [Cwd::getcwd()]] },
    '/die' => sub { inner_die() },
    '/die-hook' => sub { [200, [], [defined $SIG{__DIE__} ? 'hook set' : 'no hook']] },
    '/io' => sub {
        my $env = shift;
        my $io = $env->{'psgix.io'};
        my $fd = fileno($io);
        syswrite $io, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\nraw from $fd" =~ s/from \d+/from fd/r;
        close $io;
        [200, [], ['ignored']];
    },
);

# END blocks run when a worker stops (PERL_EXIT_DESTRUCT_END).
END {
    if (my $f = $ENV{WEFT_TEST_END_FILE}) {
        open my $fh, '>', $f or die "cannot write $f: $!";
        print $fh "END ran in $$\n";
        close $fh;
    }
}

sub inner_die { die "died in inner_die\n" }

sub {
    my $env = shift;
    ($routes{$env->{PATH_INFO}} || sub { [404, [], ['not found']] })->($env);
};
