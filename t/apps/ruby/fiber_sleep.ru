# Plain Ruby that sleeps (Kernel#sleep): under --fiber the fiber scheduler
# turns the sleep into a wait of this request's core only.
#   /?S            sleep S seconds (default 1): "slept S on core C"
#   /nested?S      the same sleep inside a Fiber the app makes itself
#   /enum?S        the sleep inside an Enumerator's fiber (a blocking fiber:
#                  the scheduler does not see it, the sleep blocks the worker)
#   /pid           the worker's pid
#   /scheduler     the class of Fiber.scheduler in the request
#   /stack         the fiber machine and VM stack sizes Ruby uses
core = -> { Weft::FiberEngine.core }
run lambda { |env|
  q = env["QUERY_STRING"].to_s
  s = q.empty? ? 1 : (q.include?(".") ? Float(q) : Integer(q))
  case env["PATH_INFO"]
  when "/pid"
    [200, {"Content-Type" => "text/plain"}, [Process.pid.to_s]]
  when "/scheduler"
    [200, {"Content-Type" => "text/plain"}, [Fiber.scheduler.class.to_s]]
  when "/stack"
    p = RubyVM::DEFAULT_PARAMS
    [200, {"Content-Type" => "text/plain"},
     ["#{p[:fiber_machine_stack_size]} #{p[:fiber_vm_stack_size]}"]]
  when "/enum"
    v = Enumerator.new { |y| sleep s; y << "enum slept #{s}" }.next
    [200, {"Content-Type" => "text/plain"}, [v]]
  when "/nested"
    c = nil
    Fiber.new { sleep s; c = core.call }.resume
    [200, {"Content-Type" => "text/plain"}, ["nested slept #{s} on core #{c}"]]
  else
    sleep s
    [200, {"Content-Type" => "text/plain"}, ["slept #{s} on core #{core.call}"]]
  end
}
