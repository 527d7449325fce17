# uWSGI's async API: UWSGI.async_sleep(S) registers a timer and
# UWSGI.suspend waits for it, suspending only this request's fiber.
#   /?S       "slept S on core C"
#   /enum?S   the same inside an Enumerator's fiber (Enumerator#next)
run lambda { |env|
  q = env["QUERY_STRING"].to_s
  s = q.empty? ? 1 : (q.include?(".") ? Float(q) : Integer(q))
  if env["PATH_INFO"] == "/enum"
    Enumerator.new { |y| UWSGI.async_sleep(s); UWSGI.suspend; y << 1 }.next
  else
    UWSGI.async_sleep(s)
    UWSGI.suspend
  end
  [200, {"Content-Type" => "text/plain"}, ["slept #{s} on core #{UWSGI.core_id}"]]
}
