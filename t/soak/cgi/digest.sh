#!/bin/sh
# The soak's CGI /digest: "LENGTH SHA256HEX" of the request body.
echo "Content-Type: text/plain"
echo "X-Pid: $PPID"
echo
tmp=$(mktemp) || exit 1
cat > "$tmp"
echo "$(wc -c < "$tmp") $(sha256sum < "$tmp" | cut -d' ' -f1)"
rm -f "$tmp"
