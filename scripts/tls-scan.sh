#!/usr/bin/env bash
# Scans a freshly started chat-server's TLS with sslscan and fails if anything weaker than
# TLS 1.2 with forward-secret AEAD ciphers is offered. Prints the scan.
#
#   scripts/tls-scan.sh            # builds the server (debug) if needed
#
# Needs sslscan (Debian: apt-get install sslscan). Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v sslscan >/dev/null || { echo "tls-scan: sslscan is not installed" >&2; exit 2; }
cargo build --quiet -p chat-server
server=target/debug/chat-server

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$server" --listen "127.0.0.1:$port" --data-dir "$dir/data" --cert-dir "$dir/certs" \
    >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

scan=$(sslscan --no-colour --no-heartbleed "127.0.0.1:$port")
echo "$scan"

fail=0
for old in SSLv2 SSLv3 TLSv1.0 TLSv1.1; do
    if grep -qE "^$old +enabled" <<<"$scan"; then
        echo "tls-scan: $old is enabled" >&2
        fail=1
    fi
done
for current in TLSv1.2 TLSv1.3; do
    grep -qE "^$current +enabled" <<<"$scan" || { echo "tls-scan: $current is not enabled" >&2; fail=1; }
done
# Every accepted cipher must be an AEAD suite (GCM, ChaCha20-Poly1305 or CCM): no CBC, RC4,
# 3DES, NULL or export ones.
ciphers=$(awk '/^(Preferred|Accepted) / {print $5}' <<<"$scan")
if [ -z "$ciphers" ]; then
    echo "tls-scan: no cipher accepted at all" >&2
    fail=1
fi
weak=$(grep -vE 'GCM|CHACHA20|CCM' <<<"$ciphers" || true)
if [ -n "$weak" ]; then
    echo "tls-scan: weak ciphers accepted: $weak" >&2
    fail=1
fi

if [ "$fail" = 0 ]; then echo "tls-scan: ok (TLS 1.2 and 1.3 only, AEAD ciphers only)"; fi
exit "$fail"
