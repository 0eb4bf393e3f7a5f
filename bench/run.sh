#!/usr/bin/env bash
# Measures Bastion against the issue's targets and prints a Markdown table for the README.
# Usage: bench/run.sh BUILD_DIR   (a release build: `make bench` does it all)
# Loopback only; every load is bounded in time.
set -euo pipefail
build=${1:-build/release}
bin=$build/src/cli/bastion
port=${BENCH_PORT:-18080}
secs=${BENCH_SECONDS:-10}
out=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$out"' EXIT

"$bin" serve --listen 127.0.0.1:$port 2>"$out/server.log" &
pid=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/mcp" && break
  sleep 0.05
done
sleep 1
rss_kib() { awk '/^VmRSS/ {print $2}' /proc/$pid/status; }
hwm_kib() { awk '/^VmHWM/ {print $2}' /proc/$pid/status; }
idle=$(rss_kib)

declare -A rate p50 p99
for c in 1 16 64; do
  t=$(( c < 2 ? 1 : 2 ))
  wrk -t$t -c$c -d${secs}s -s bench/wrk/tools_call.lua "http://127.0.0.1:$port/mcp" >"$out/wrk$c.txt"
  rate[$c]=$(awk '/^calls_per_s/ {print $2}' "$out/wrk$c.txt")
  p50[$c]=$(awk '/^p50_ms/ {print $2}' "$out/wrk$c.txt")
  p99[$c]=$(awk '/^p99_ms/ {print $2}' "$out/wrk$c.txt")
  errs=$(awk '/^errors/ {print $2}' "$out/wrk$c.txt")
  [ "$errs" = "0" ] || echo "warning: $errs errors at $c connections" >&2
done
loaded=$(hwm_kib)

"$build/bench/bench_stdio" "$bin" >"$out/stdio.txt"
"$build/bench/bench_validation" --benchmark_format=console >"$out/validation.txt" 2>/dev/null

echo "| measure | target | measured |"
echo "|---|---|---|"
for c in 1 16 64; do
  echo "| tools/call over HTTP keep-alive, $c conn | $([ $c = 64 ] && echo '≥ 60,000/s, p99 ≤ 2 ms' || echo '-') | ${rate[$c]}/s, p50 ${p50[$c]} ms, p99 ${p99[$c]} ms |"
done
echo "| stdio round trip p50 (p99) | ≤ 40 µs | $(awk '/^stdio_roundtrip_us_p50/ {print $2}' "$out/stdio.txt") µs ($(awk '/^stdio_roundtrip_us_p99/ {print $2}' "$out/stdio.txt") µs) |"
echo "| start to initialized | ≤ 10 ms | $(awk '/^start_to_initialized/ {print $2}' "$out/stdio.txt") ms |"
echo "| idle RSS | ≤ 8 MiB | $(( idle / 1024 )).$(( (idle % 1024) * 10 / 1024 )) MiB |"
echo "| peak RSS under load | - | $(( loaded / 1024 )).$(( (loaded % 1024) * 10 / 1024 )) MiB |"
grep -E '^BM_' "$out/validation.txt" | awk '{printf "| validation %s | - | %s %s |\n", $1, $2, $3}'
