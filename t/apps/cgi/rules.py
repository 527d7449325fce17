#!/usr/bin/env python3
# The head test_http_rules.py asks for: QUERY_STRING, percent-decoded, is
# written as it is (bytes such as %01 and %00 included), then a body.
import os
import sys
from urllib.parse import unquote_to_bytes

head = unquote_to_bytes(os.environ.get("QUERY_STRING", ""))
sys.stdout.buffer.write(head + b"\n\nbody\n")
