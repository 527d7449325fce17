#!/usr/bin/env python3
"""Issue 4's benchmark: one 1 MiB static file, weft (--static-map, no
engine and with --async 100 --ugreen) against nginx serving the same file
with sendfile, in one run.

    python3 bench/static.py [seconds]
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import PLUGIN_DIR, WEFT, free_port, have, run_case, table  # noqa: E402

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10


def main():
    d = tempfile.mkdtemp(prefix="bench-static-")
    os.chmod(d, 0o755)
    with open(os.path.join(d, "file.bin"), "wb") as f:
        f.write(os.urandom(1 << 20))
    os.chmod(os.path.join(d, "file.bin"), 0o644)

    rows = []
    for name, extra in (("weft --static-map", []),
                        ("weft --static-map --async 100 --ugreen",
                         ["--async", "100", "--ugreen"])):
        port = free_port()
        run_case(name, [WEFT, "--plugin-dir", PLUGIN_DIR, "--http-socket",
                        "127.0.0.1:%d" % port, "--static-map", "/static=%s" % d,
                        "--disable-logging", "--listen", "1024"] + extra,
                 port, "/static/file.bin", rows, connections=50, duration=SECONDS)
    if have("nginx"):
        port = free_port()
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""worker_processes 1; daemon off; error_log %s/error.log; pid %s/nginx.pid;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on;
  server { listen 127.0.0.1:%d; location /static/ { alias %s/; } } }
""" % (d, d, port, d))
        run_case("nginx (sendfile on)", ["nginx", "-c", conf, "-p", d], port,
                 "/static/file.bin", rows, connections=50, duration=SECONDS)
    table("1 MiB static file, 50 connections, %ds" % SECONDS, rows, "nginx (sendfile on)")


if __name__ == "__main__":
    main()
