# uWSGI's async API: UWSGI.async_sleep(S) registers a timer and
# UWSGI.suspend waits for it, suspending only this request's fiber.
#   /?S    "slept S on core C"
run lambda { |env|
  q = env["QUERY_STRING"].to_s
  s = q.empty? ? 1 : (q.include?(".") ? Float(q) : Integer(q))
  UWSGI.async_sleep(s)
  UWSGI.suspend
  [200, {"Content-Type" => "text/plain"}, ["slept #{s} on core #{UWSGI.core_id}"]]
}
