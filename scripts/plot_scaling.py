#!/usr/bin/env python3
"""Plots the JSON lines of scripts/scaling.sh: server CPU per delivery against room size,
and server memory per connection against connection count, side by side.

Usage: scripts/plot_scaling.py [INPUT [OUTPUT]]
(defaults benchmarks/scaling.jsonl and benchmarks/scaling.png). Needs matplotlib.
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen first)


def load(path):
    with open(path, encoding="utf-8") as lines:
        runs = [json.loads(line) for line in lines if line.strip()]
    fanout = sorted((r["members"], r["server_cpu_us_per_delivery"]) for r in runs
                    if r["scenario"] == "fanout")
    idle = sorted((r["connections"], r["kib_per_connection"]) for r in runs
                  if r["scenario"] == "idle")
    return fanout, idle


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "benchmarks/scaling.jsonl"
    target = sys.argv[2] if len(sys.argv) > 2 else "benchmarks/scaling.png"
    fanout, idle = load(source)

    figure, (cpu, memory) = plt.subplots(1, 2, figsize=(11, 4.2))
    cpu.plot(*zip(*fanout), marker="o", label="chat-server (TLS, SQLite commit)")
    cpu.axhline(1.65, color="grey", linestyle="--", label="best peer at 200 members (InspIRCd, TLS)")
    cpu.axhline(1.0, color="green", linestyle=":", label="goal")
    cpu.set_xscale("log")
    cpu.set_xlabel("members in the room")
    cpu.set_ylabel("server CPU µs per delivered message")
    cpu.set_title("Fan-out: 4 senders, about 1.6 million deliveries")
    cpu.set_ylim(bottom=0)
    cpu.legend(fontsize="small")

    memory.plot(*zip(*idle), marker="o", label="chat-server (TLS, logged in)")
    memory.axhline(13.0, color="grey", linestyle="--", label="best peer at 2,000 (ngIRCd, TLS)")
    memory.axhline(8.0, color="green", linestyle=":", label="goal")
    memory.set_xscale("log")
    memory.set_xlabel("idle connections")
    memory.set_ylabel("server KiB per connection")
    memory.set_title("Idle connections")
    memory.set_ylim(bottom=0)
    memory.legend(fontsize="small")

    figure.tight_layout()
    figure.savefig(target, dpi=110)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
