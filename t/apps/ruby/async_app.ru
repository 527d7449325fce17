# t/apps/ruby/async_app.ru - bodies that yield, for --async with no engine:
# each chunk is a switch point, and UWSGI.async_sleep / wait_fd_read
# followed by an empty chunk waits without blocking the worker.
class Slow
  def initialize(seconds) @seconds = seconds end
  def each
    yield "start "
    yield UWSGI.async_sleep(@seconds)
    yield "end core=#{UWSGI.core_id}"
  end
end

class Ticks
  def each
    5.times { |i| yield "t#{i} "; yield "" }
  end
end

run(lambda do |env|
  case env["PATH_INFO"]
  when "/slow" then [200, { "Content-Type" => "text/plain" }, Slow.new(Float(env["QUERY_STRING"]))]
  when "/ticks" then [200, { "Content-Type" => "text/plain" }, Ticks.new]
  when "/gc" then [200, { "Content-Type" => "text/plain" }, [GC.count.to_s]]
  when "/features"
    h = defined?(WeftTestHelper) ? WeftTestHelper::LOADED_BEFORE_APP.to_s : "missing"
    [200, { "Content-Type" => "text/plain" }, ["#{h} #{Dir.pwd}"]]
  else [200, { "Content-Type" => "text/plain" }, ["hello"]]
  end
end)
$weft_app_loaded = true
