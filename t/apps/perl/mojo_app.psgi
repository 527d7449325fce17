# A Mojolicious app (libmojolicious-perl) served through
# Mojo::Server::PSGI: routes, params, a POST form, a streamed response and
# an error page.
use Mojolicious::Lite -signatures;
use Mojo::Server::PSGI;

app->mode('production');
app->log->level('fatal');       # the error page is what the test checks

get '/' => {text => 'Hello from Mojolicious'};

get '/hello/:name' => sub ($c) { $c->render(text => 'Hello, ' . $c->param('name')) };

get '/params' => sub ($c) { $c->render(text => 'q=' . ($c->param('q') // '')) };

post '/form' => sub ($c) {
    $c->render(text => 'name=' . ($c->param('name') // '') . ';n=' . ($c->param('n') // ''));
};

get '/stream' => sub ($c) {
    $c->res->headers->content_type('text/plain');
    $c->write_chunk("one\n" => sub ($c, @) {
        $c->write_chunk("two\n" => sub ($c, @) { $c->finish });
    });
};

get '/error' => sub ($c) { die "a Mojolicious route dies on purpose\n" };

Mojo::Server::PSGI->new(app => app)->to_psgi_app;
