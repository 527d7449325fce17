# Found through --perl-local-lib (test_psgi_options.py).
package WeftLocalLib;
sub greeting { 'helper from local::lib' }
1;
