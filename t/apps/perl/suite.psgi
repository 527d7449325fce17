# Plack's server conformance suite's apps, behind Plack::Middleware::Lint
# (as run_server_tests wraps them for a Perl server).
use Plack::Test::Suite;
use Plack::Middleware::Lint;
Plack::Middleware::Lint->wrap(Plack::Test::Suite->test_app_handler);
