# /raise raises inside the request's fiber (after a suspension, so the
# exception comes from a resumed fiber); anything else answers "ok".
run lambda { |env|
  if env["PATH_INFO"] == "/raise"
    sleep 0.05
    raise ArgumentError, "raised in a fiber on purpose"
  end
  [200, {"Content-Type" => "text/plain"}, ["ok"]]
}
