# One-second sleep through weft's API, as uWSGI's async apps write it:
# register the timer, then suspend (bench/psgi.py, --coroae 1000).
use strict;
use warnings;

sub {
    uwsgi::async_sleep(1);
    uwsgi::suspend();
    return [200, ['Content-Type' => 'text/plain'], ['slept 1']];
};
