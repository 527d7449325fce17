#!/no/such/interpreter
print "hello"
