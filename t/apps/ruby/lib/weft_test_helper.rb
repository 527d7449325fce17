# t/apps/ruby/lib/weft_test_helper.rb - found through --rubypath, loaded by
# --rbrequire before the app.
module WeftTestHelper
  LOADED_BEFORE_APP = !defined?(Rack::Builder).nil? && !$weft_app_loaded
end
