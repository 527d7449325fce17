-- wrk: one request per connection, as uWSGI's --http-socket serves them.
wrk.headers["Connection"] = "close"
