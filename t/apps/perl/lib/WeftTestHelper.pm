# Found through -I / --perl-include (test_psgi_options.py).
package WeftTestHelper;
use strict;
our $loaded_before_app = 0;
sub greeting { 'helper from -I' }
1;
