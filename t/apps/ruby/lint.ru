# t/apps/ruby/lint.ru - every request's env and response through Debian's
# Rack::Lint (rack 2.2): a violation raises Rack::Lint::LintError, which
# weft logs as an error and answers with a 500.
require "rack/lint"
require "uri"        # rack 2.2's Lint uses URI.parse without requiring it

class LintStream                  # a body that yields several chunks
  def each
    yield "chunk one\n"
    yield "chunk two\n"
    yield UWSGI.async_sleep(0.01) if ENV["LINT_SLEEP"]
    yield "chunk three\n"
  end
end

class LintPath
  def initialize(path) @path = path end
  def to_path() @path end
  def each() File.open(@path, "rb") { |f| yield f.read } end
end

inner = lambda do |env|
  case env["PATH_INFO"]
  when "/post"
    body = env["rack.input"].read
    env["rack.input"].rewind
    again = env["rack.input"].read
    [200, { "Content-Type" => "text/plain" }, ["#{body.bytesize} #{body == again} #{body}"]]
  when "/stream"
    [200, { "Content-Type" => "text/plain" }, LintStream.new]
  when "/path"
    [200, { "Content-Type" => "text/plain" }, LintPath.new(__FILE__)]
  else
    # Lint wants the app itself to give HEAD an empty body.
    next [200, { "Content-Type" => "text/plain" }, []] if env["REQUEST_METHOD"] == "HEAD"
    env["rack.errors"].write("")
    env["rack.errors"].flush
    [200, { "Content-Type" => "text/plain" }, ["#{env["REQUEST_METHOD"]} #{env["PATH_INFO"]}?#{env["QUERY_STRING"]}"]]
  end
end

run Rack::Lint.new(inner)
