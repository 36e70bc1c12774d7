#!/usr/bin/env bash
# Daemon load benchmark: `arbiter serve` on the ai-model-deployment stdlib pack, driven by wrk
# over keep-alive connections on loopback, once per durability mode. Every answered request is
# a decision recorded in the ledger before its response. Prints wrk's figures and the
# ledger's decision count afterwards.
#
#   bench/daemon/run.sh [BUILD_DIR] [DURATION_S] [CONNECTIONS] [DAEMON_THREADS] [WRK_THREADS]
set -euo pipefail
build="${1:-build}"
duration="${2:-15}"
connections="${3:-64}"
daemon_threads="${4:-2}"
wrk_threads="${5:-2}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
pack="$root/stdlib-policies/ai-model-deployment"
work="$(mktemp -d /tmp/arbiter-bench-daemon.XXXXXX)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
schema_flag=()
[ -f "$pack/schema.arbiterschema" ] && schema_flag=(--schema "$pack/schema.arbiterschema")

for durability in sync none; do
  rm -rf "$work/ledger"
  "$build/arbiter" serve --policies "$pack" "${schema_flag[@]}" --data "$pack/entities.json" \
    --ledger "$work/ledger" --durability "$durability" --threads "$daemon_threads" \
    --listen 127.0.0.1:0 --port-file "$work/port" --no-playground 2>"$work/daemon.log" &
  pid=$!
  for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
  addr="$(cat "$work/port")"
  rm -f "$work/port"
  url="http://$addr/access/v1/evaluation"
  # Warm up, then measure.
  wrk -t "$wrk_threads" -c "$connections" -d 2s -s "$here/post.lua" "$url" -- "$pack/playground-request.json" >/dev/null
  echo "=== durability=$durability connections=$connections daemon_threads=$daemon_threads wrk_threads=$wrk_threads duration=${duration}s"
  wrk -t "$wrk_threads" -c "$connections" -d "${duration}s" --latency -s "$here/post.lua" "$url" \
    -- "$pack/playground-request.json"
  # The daemon's own CPU time per decision (user+system, all threads, warm-up included): a
  # figure the other load on a shared machine inflates much less than wall-clock rates.
  # (/metrics needs a principal since issue 13; the decisions are counted in the ledger.)
  ticks="$(awk '{print $14 + $15}' "/proc/$pid/stat")"
  kill -TERM "$pid"
  wait "$pid" || true
  decisions="$("$build/arbiter" audit export --ledger "$work/ledger" --kind decision | wc -l)"
  echo "decision entries in the ledger: $decisions"
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$decisions" \
    'BEGIN { printf "daemon CPU per decision: %.1f us (%d decisions, %.2f CPU s)\n", t / hz / n * 1e6, n, t / hz }'
done
