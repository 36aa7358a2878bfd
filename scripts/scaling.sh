#!/usr/bin/env bash
# How the server's cost grows with room size and with connection count.
#
# Runs chat-load's fan-out scenario for rooms of 10 to 1,000 members (about 1.6 million
# deliveries each) and its idle scenario for 1,000 to 16,000 connections, and appends each
# run's JSON line to the output file (default benchmarks/scaling.jsonl). Plot the
# result with scripts/plot_scaling.py. Senders keep 128 messages each in flight, so
# that the 512 in flight stay within one client's queue of 1,024 frames in small rooms.
#
# Usage: scripts/scaling.sh [OUTPUT]
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-benchmarks/scaling.jsonl}
mkdir -p "$(dirname "$out")"
cargo build --release --quiet -p chat-server -p chat-tests
load=target/release/chat-load

for members in 10 30 100 300 1000; do
    messages=$((1600000 / (4 * members)))
    "$load" fanout --members "$members" --senders 4 --messages "$messages" --window 128 |
        tail -n 1 >>"$out"
done

# The server and chat-load each hold one descriptor per connection; 16,000 (and the tenth
# more that warms up) fits a hard open-file limit of 20,000. Pass larger counts in
# CONNECTIONS where the limit allows, e.g. CONNECTIONS="1000 10000 50000".
for connections in ${CONNECTIONS:-1000 2000 5000 10000 16000}; do
    "$load" idle --connections "$connections" | tail -n 1 >>"$out"
done

echo "appended to $out"
