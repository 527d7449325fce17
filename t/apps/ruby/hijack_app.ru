# t/apps/ruby/hijack_app.ru - rack.hijack (full and partial) and
# rack.early_hints.
run(lambda do |env|
  case env["PATH_INFO"]
  when "/full"                          # the app speaks HTTP itself
    io = env["rack.hijack"].call
    raise "rack.hijack_io is not the socket" unless env["rack.hijack_io"].equal?(io)
    io.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n")
    while (line = io.gets)
      break if line.chomp == "bye"
      io.write("echo: #{line}")
    end
    io.write("done\n")
    io.close
    [200, {}, ["ignored"]]
  when "/partial"
    [200, { "Content-Type" => "text/plain",
            "rack.hijack" => lambda { |io| io.write("partial "); io.write("hijack\n"); io.close } }, []]
  when "/hints"
    env["rack.early_hints"].call("Link" => "</a.css>; rel=preload\n</b.js>; rel=preload")
    [200, { "Content-Type" => "text/plain" }, ["after hints"]]
  when "/hints-late"
    body = Object.new
    def body.each; yield "x"; end
    [200, { "Content-Type" => "text/plain" }, ["hinted=#{env.key?("rack.early_hints")} hijack?=#{env["rack.hijack?"]}"]]
  else
    [200, { "Content-Type" => "text/plain" }, ["hello"]]
  end
end)
