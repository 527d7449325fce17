# One second of sleep per request, for bench/fiber.py.  /async sleeps
# through uWSGI's API (UWSGI.async_sleep, then UWSGI.suspend), which weft
# and uWSGI --fiber both run; any other path calls plain Kernel#sleep,
# which only weft's fiber scheduler turns into a switch.
run lambda { |env|
  if env["PATH_INFO"] == "/async"
    UWSGI.async_sleep(1)
    UWSGI.suspend
  else
    sleep 1
  end
  [200, {"Content-Type" => "text/plain"}, ["slept"]]
}
