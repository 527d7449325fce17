# bench/apps/sleep_plain.ru - one second asleep per request with plain
# Kernel#sleep: under weft --fiber the fiber scheduler makes it a switch
# (uWSGI's fiber engine cannot: there it blocks the worker).
run lambda { |env|
  sleep 1
  [200, { "Content-Type" => "text/plain" }, ["slept"]]
}
