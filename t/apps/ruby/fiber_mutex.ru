# Mutex and Queue between requests: the scheduler's block and unblock.
#   /pop        wait on a Queue until a /push: "popped X"
#   /push?X     push X: "pushed"
#   /lock?S     hold one Mutex for S seconds: "locked"
#   /thread?S   join a Thread that sleeps S seconds: "joined 42"
Q = Queue.new
M = Mutex.new
run lambda { |env|
  q = env["QUERY_STRING"].to_s
  case env["PATH_INFO"]
  when "/pop"
    [200, {"Content-Type" => "text/plain"}, ["popped #{Q.pop}"]]
  when "/push"
    Q.push(q)
    [200, {"Content-Type" => "text/plain"}, ["pushed"]]
  when "/lock"
    M.synchronize { sleep Float(q) }
    [200, {"Content-Type" => "text/plain"}, ["locked"]]
  when "/thread"
    v = Thread.new { sleep Float(q); 42 }.value
    [200, {"Content-Type" => "text/plain"}, ["joined #{v}"]]
  else
    [404, {"Content-Type" => "text/plain"}, ["no such route"]]
  end
}
