# Timeout.timeout through the scheduler's timeout_after.
#   /?T     Timeout.timeout(T) { sleep 5 }: "timed out" (or "slept")
require "timeout"
run lambda { |env|
  t = Float(env["QUERY_STRING"].to_s.empty? ? "0.2" : env["QUERY_STRING"])
  begin
    Timeout.timeout(t) { sleep 5 }
    body = "slept"
  rescue Timeout::Error
    body = "timed out"
  end
  [200, {"Content-Type" => "text/plain"}, [body]]
}
