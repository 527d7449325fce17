# A Dancer2 app (libdancer2-perl): routes, params, a POST form, a streamed
# (delayed) response and an error page.
package WeftDancer;
use Dancer2;

set logger      => 'null';      # the error page is what the test checks
set show_errors => 0;

get '/' => sub { 'Hello from Dancer2' };

get '/hello/:name' => sub { 'Hello, ' . route_parameters->get('name') };

get '/params' => sub { 'q=' . (query_parameters->get('q') // '') };

post '/form' => sub { 'name=' . (body_parameters->get('name') // '') . ';n=' . (body_parameters->get('n') // '') };

get '/stream' => sub {
    delayed {
        response_header 'Content-Type' => 'text/plain';
        flush;
        content "one\n";
        content "two\n";
        done;
    };
};

get '/error' => sub { die "a Dancer2 route dies on purpose\n" };

package main;
WeftDancer->to_app;
