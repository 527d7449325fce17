# t/apps/ruby/sinatra_app.ru - a classic Sinatra app (Debian's
# ruby-sinatra on rack 2.2), unchanged from how it runs under Puma.
require "sinatra/base"

class WeftSinatra < Sinatra::Base
  set :environment, :production
  set :show_exceptions, false
  set :raise_errors, false
  set :logging, false

  get "/" do
    "Hello from Sinatra"
  end

  get "/hello/:name" do
    "Hello, #{params[:name]}! q=#{params[:q]}"
  end

  post "/form" do
    "name=#{params[:name]} age=#{params[:age]}"
  end

  get "/stream" do
    stream do |out|
      out << "one\n"
      out << "two\n"
      out << "three\n"
    end
  end

  get "/json" do
    content_type :json
    '{"ok":true}'
  end

  get "/boom" do
    raise "sinatra route failed on purpose"
  end

  not_found do
    status 404
    "no such page: #{request.path_info}"
  end

  error do
    status 500
    "error page: #{env['sinatra.error'].message}"
  end
end

run WeftSinatra
