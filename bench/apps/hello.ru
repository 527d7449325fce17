# bench/apps/hello.ru - hello-world Rack, the same for weft, uWSGI and Puma.
# It gives its Content-Length: uWSGI's --http11-socket keeps a connection
# alive only then.
run lambda { |env| [200, { "Content-Type" => "text/plain", "Content-Length" => "13" }, ["Hello, World!"]] }
