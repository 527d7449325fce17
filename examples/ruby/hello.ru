# examples/ruby/hello.ru - weft --http-socket :8080 --rack examples/ruby/hello.ru
run lambda { |env| [200, { "Content-Type" => "text/plain" }, ["Hello from Rack on weft\n"]] }
