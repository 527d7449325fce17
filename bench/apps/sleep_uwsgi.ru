# bench/apps/sleep_uwsgi.ru - one second asleep per request through the
# uWSGI API (UWSGI.async_sleep then UWSGI.suspend), for the fiber engines.
run lambda { |env|
  UWSGI.async_sleep(1)
  UWSGI.suspend
  [200, { "Content-Type" => "text/plain" }, ["slept"]]
}
