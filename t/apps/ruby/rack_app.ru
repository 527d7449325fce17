# t/apps/ruby/rack_app.ru - the routes test_rack.py asks for.
require "json"

at_exit { $stderr.puts "rack_app at_exit ran in #{Process.pid}" }

class ClosingBody
  def initialize(parts, log) @parts, @log = parts, log end
  def each(&b) @parts.each(&b) end
  def close() @log.puts "closing body closed" end
end

class StreamBody                       # Rack 3 streaming: only call
  def call(stream)
    stream.write("one ")
    stream << "two "
    stream.flush
    stream.write("three")
    stream.close
  end
end

class PathBody
  def initialize(path) @path = path end
  def to_path() @path end
  def each() File.open(@path, "rb") { |f| yield f.read } end
end

class RaisingBody
  def each() yield "partial"; raise "broken body" end
  def close() $stderr.puts "raising body closed" end
end

run(lambda do |env|
  case env["PATH_INFO"]
  when "/hello"
    [200, { "Content-Type" => "text/plain" }, ["Hello, World!"]]
  when "/env"
    e = env.reject { |k, _| k.start_with?("rack.") }
    e["rack.version"] = env["rack.version"]
    %w[rack.url_scheme rack.multithread rack.multiprocess rack.run_once rack.hijack?].each { |k| e[k] = env[k] }
    e["input class"] = env["rack.input"].class.name
    e["errors class"] = env["rack.errors"].class.name
    e["UWSGI is Weft"] = UWSGI.equal?(Weft)
    [200, { "Content-Type" => "application/json" }, [JSON.generate(e)]]
  when "/echo"
    input = env["rack.input"]
    body = input.read
    input.rewind
    again = input.read
    input.rewind
    lines = []
    input.each { |l| lines << l }
    input.rewind
    first = input.gets
    input.rewind
    buf = +""
    part = input.read(3, buf)
    [200, { "Content-Type" => "application/json" },
     [JSON.generate("body" => body, "again" => again == body, "lines" => lines, "gets" => first,
                    "part" => part, "buf_same" => part.equal?(buf), "eof" => input.read(5).nil? == body.empty?)]]
  when "/multi"
    [200, { "Set-Cookie" => "a=1\nb=2", "X-Arr" => ["x", "y"], "X-Trail" => "t\n",
            "Content-Type" => "text/plain" }, ["multi"]]
  when "/stream"
    [200, { "Content-Type" => "text/plain" }, StreamBody.new]
  when "/each"
    [200, { "Content-Type" => "text/plain" }, ClosingBody.new(%w[a b c], env["rack.errors"])]
  when "/path"
    [200, { "Content-Type" => "text/plain" }, PathBody.new(__FILE__)]
  when "/raise"
    raise ArgumentError, "the app failed on purpose"
  when "/raise-body"
    [200, { "Content-Type" => "text/plain" }, RaisingBody.new]
  when "/bad-header"
    [200, { "Bad Name" => "x" }, ["no"]]
  when "/bad-value"
    [200, { "X-Bad" => "a\rb" }, ["no"]]
  when "/bad-status"
    ["abc", {}, ["no"]]
  when "/not-triple"
    "nope"
  when "/status"
    [Integer(env["QUERY_STRING"]), {}, []]
  when "/big"
    [200, { "Content-Type" => "application/octet-stream" }, ["x" * 300_000, "y" * 100_000]]
  when "/api"
    [200, { "Content-Type" => "application/json" },
     [JSON.generate("worker" => Weft.worker_id, "core" => UWSGI.core_id)]]
  when "/thread-api"
    err = Thread.new { begin; UWSGI.suspend; "no error"; rescue RuntimeError => e; e.message; end }.value
    [200, {}, [err]]
  when "/children"
    out = `echo backticks`.chomp
    ok = system("true")
    pid = spawn("sh", "-c", "exit 3")
    Process.wait(pid)
    [200, {}, ["#{out} #{ok} #{$?.exitstatus}"]]
  when "/thread-input"
    input = env["rack.input"]
    err = Thread.new { begin; input.read; "no error"; rescue RuntimeError => e; e.message; end }.value
    [200, {}, [err, "; then ", input.read]]
  when "/compact"
    big = "z" * 200_000
    GC.compact if GC.respond_to?(:compact)
    [200, {}, [big, "!"]]
  when "/sleep"
    UWSGI.async_sleep(0.2)
    UWSGI.suspend
    [200, {}, ["slept"]]
  else
    [404, { "Content-Type" => "text/plain" }, ["not found"]]
  end
end)
