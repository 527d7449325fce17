# t/apps/ruby/load_error.ru - an app that cannot load: weft must exit
# non-zero and log the backtrace.
require "json"
def broken_helper
  raise NameError, "this app is broken on purpose"
end
broken_helper
run lambda { |env| [200, {}, ["never"]] }
