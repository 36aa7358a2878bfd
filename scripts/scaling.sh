#!/usr/bin/env bash
# How the server's cost grows with room size and with connection count.
#
# Runs chat-load's fan-out scenario for rooms of 10 to 1,000 members (about 1.6 million
# deliveries each) and its idle scenario for 1,000 to 50,000 connections, and appends each
# run's JSON line to the output file (default bench-results/scaling.jsonl). Plot the
# result with scripts/plot_scaling.py.
#
# Usage: scripts/scaling.sh [OUTPUT]
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-bench-results/scaling.jsonl}
mkdir -p "$(dirname "$out")"
cargo build --release --quiet -p chat-server -p chat-tests
load=target/release/chat-load

for members in 10 30 100 300 1000; do
    messages=$((1600000 / (4 * members)))
    "$load" fanout --members "$members" --senders 4 --messages "$messages" --window 256 |
        tail -n 1 >>"$out"
done

for connections in 1000 2000 5000 10000 20000 50000; do
    "$load" idle --connections "$connections" | tail -n 1 >>"$out"
done

echo "appended to $out"
