# Reads from a TCP server the test runs (its port in SLOW_PORT), with plain
# Ruby sockets and with Net::HTTP; /fast answers at once.
#   /socket   connect, send "hello\n", read to EOF: "got <reply>"
#   /http     Net::HTTP.get of the server's /: "http <status> <body>"
#   /fast     "fast"
require "socket"
require "net/http"

port = Integer(ENV.fetch("SLOW_PORT"))
run lambda { |env|
  case env["PATH_INFO"]
  when "/socket"
    s = TCPSocket.new("127.0.0.1", port)
    s.write("hello\n")
    reply = s.read
    s.close
    [200, {"Content-Type" => "text/plain"}, ["got #{reply}"]]
  when "/http"
    res = Net::HTTP.start("127.0.0.1", port, read_timeout: 10) { |h| h.get("/") }
    [200, {"Content-Type" => "text/plain"}, ["http #{res.code} #{res.body}"]]
  else
    [200, {"Content-Type" => "text/plain"}, ["fast"]]
  end
}
