# Process.wait and name lookups under the fiber scheduler.
#   /wait?PATH   spawn a child that waits until PATH exists; Process.wait
#                for it: "waited 0" (only if another request can run the
#                /touch meanwhile, since the child waits for it)
#   /touch?PATH  create PATH: "touched"
#   /resolve     Addrinfo.getaddrinfo("localhost"): the addresses and how
#                many lookups went through the scheduler's address_resolve
require "socket"

$resolves = 0
module CountResolves
  def address_resolve(hostname)
    $resolves += 1
    super
  end
end

run lambda { |env|
  q = env["QUERY_STRING"].to_s
  case env["PATH_INFO"]
  when "/wait"
    pid = spawn("sh", "-c", 'while [ ! -e "$0" ]; do sleep 0.02; done', q)
    Process.wait(pid)
    [200, {"Content-Type" => "text/plain"}, ["waited #{$?.exitstatus}"]]
  when "/touch"
    File.write(q, "")
    [200, {"Content-Type" => "text/plain"}, ["touched"]]
  when "/resolve"
    # The scheduler is made in the worker, after this file was loaded.
    sched = Fiber.scheduler.singleton_class
    sched.prepend(CountResolves) unless sched < CountResolves
    addrs = Addrinfo.getaddrinfo("localhost", 80, nil, :STREAM).map(&:ip_address).uniq.sort
    [200, {"Content-Type" => "text/plain"}, ["#{addrs.join(",")} via scheduler #{$resolves}"]]
  else
    [404, {"Content-Type" => "text/plain"}, ["no such route"]]
  end
}
