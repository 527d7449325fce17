# t/apps/ruby/hello.ru - the smallest Rack app: one route, a fixed body.
run lambda { |env| [200, { "Content-Type" => "text/plain" }, ["Hello from Rack\n"]] }
