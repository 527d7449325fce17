# A Rack app that misbehaves in the way PATH_INFO names
# (t/integration/test_bad_apps.py); /ok and /pid behave.

class Cut
  def initialize(length)
    @length = length
  end

  def each
    yield "part of the body " * 2000   # over the 16k the core holds back
    sleep 0.2
    raise "the body broke halfway"
  end
end

class RaiseFirst
  def each
    raise "the body broke before its first chunk"
  end
end

def ok(body = "ok")
  [200, { "Content-Type" => "text/plain" }, [body]]
end

def fork_case(how)
  pid = fork
  if pid.nil?
    exit!(0) if how == "exit"
    if how == "linger"
      sleep 60
      exit!(0)
    end
    return ok("child")              # "return": back into the server
  end
  Process.detach(pid)
  ok("parent #{pid}")
end

run lambda { |env|
  case env["PATH_INFO"].delete("/")
  when "ok"
    $stdout.puts "stdout still works"
    $stdout.flush
    ok
  when "pid" then ok(Process.pid.to_s)
  when "status_type" then [nil, { "Content-Type" => "text/plain" }, ["x"]]
  when "body_type" then [200, { "Content-Type" => "text/plain" }, 42]
  when "header_type" then [200, 42, ["x"]]
  when "header_crlf" then [200, { "X-A" => "a\r\nSet-Cookie: evil=1" }, ["x"]]
  when "header_nul_name" then [200, { "X-\0A" => "v" }, ["x"]]
  when "header_nul_value" then [200, { "X-A" => "a\0b" }, ["x"]]
  when "status_nodigits" then ["OK", { "Content-Type" => "text/plain" }, ["x"]]
  when "raise_before" then [200, { "Content-Type" => "text/plain" }, RaiseFirst.new]
  when "raise_after_chunked" then [200, { "Content-Type" => "text/plain" }, Cut.new(false)]
  when "raise_after_length"
    [200, { "Content-Type" => "text/plain", "Content-Length" => "100000" }, Cut.new(true)]
  when "close_stdin" then $stdin.close; ok
  when "close_stdout" then $stdout.close; ok
  when "close_stderr" then $stderr.close; ok
  when /\Afork_(.*)/ then fork_case($1)
  else [404, { "Content-Type" => "text/plain" }, ["no such case"]]
  end
}
