# t/apps/ruby/websocket_echo.ru - a WebSocket echo server with Debian's
# ruby-faye-websocket over full rack.hijack.  Faye hands the hijacked socket
# to an EventMachine reactor on a thread of its own (started on the first
# WebSocket request), which does the handshake and every message after the
# request returned: it runs only while the worker's loop lets go of the GVL.
require "faye/websocket"

run(lambda do |env|
  if Faye::WebSocket.websocket?(env)
    ws = Faye::WebSocket.new(env)
    ws.on(:message) { |event| ws.send(event.data) }
    ws.on(:close) { |_event| ws = nil }
    ws.rack_response
  else
    [200, { "Content-Type" => "text/plain" }, ["plain http"]]
  end
end)
