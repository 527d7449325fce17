# t/apps/ruby/background_thread.ru - a Ruby thread the app starts (on its
# first request, in the worker) counts every 10 ms; each request answers
# the count.  It advances while the worker is idle only if the worker's
# loop waits with the GVL released.
$weft_counter = 0
$weft_counter_thread = nil

run(lambda do |_env|
  $weft_counter_thread ||= Thread.new do
    loop do
      $weft_counter += 1
      sleep 0.01
    end
  end
  [200, { "Content-Type" => "text/plain" }, [$weft_counter.to_s]]
end)
