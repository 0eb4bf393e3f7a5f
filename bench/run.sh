#!/usr/bin/env bash
# Measures Bastion against the issue's targets and prints a Markdown table for the README.
# Usage: bench/run.sh BUILD_DIR   (a release build: `make bench` does it all)
# Loopback only; every load is bounded in time.
# The authenticated run starts a second server in auth.mode "embedded" (its own store in a
# temporary directory), mints a token with `bastion token issue`, and loads the same tools/call
# with `Authorization: Bearer`; unauthenticated and authenticated runs alternate in one
# invocation so they see the same machine state. Speed is reported here, never asserted in tests.
set -euo pipefail
build=${1:-build/release}
bin=$build/src/cli/bastion
port=${BENCH_PORT:-18080}
secs=${BENCH_SECONDS:-10}
# wrk's threads share the two cores with the server. One wrk thread keeps the server's I/O threads
# from queueing behind the load generator's; BENCH_WRK_THREADS=2 shows that effect (the README
# lists both).
wt=${BENCH_WRK_THREADS:-1}
# wrk stays on the last CPU (the server is not pinned): a load generator that migrates between
# the cores moved single runs by up to 10% either way. BENCH_PIN_WRK=0 lets it migrate.
pin=""
if [ "${BENCH_PIN_WRK:-1}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin="taskset -c $(($(nproc) - 1))"
fi
out=$(mktemp -d)
auth_pid=""
trap 'kill $pid $auth_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$out"' EXIT

printf '[auth]\nmode = "none"\n[demo]\ntools = true\n' >"$out/none.toml"
"$bin" serve --config "$out/none.toml" --listen 127.0.0.1:$port 2>"$out/server.log" &
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
  t=$(( c < wt ? c : wt ))
  $pin wrk -t$t -c$c -d${secs}s -s bench/wrk/tools_call.lua "http://127.0.0.1:$port/mcp" >"$out/wrk$c.txt"
  rate[$c]=$(awk '/^calls_per_s/ {print $2}' "$out/wrk$c.txt")
  p50[$c]=$(awk '/^p50_ms/ {print $2}' "$out/wrk$c.txt")
  p99[$c]=$(awk '/^p99_ms/ {print $2}' "$out/wrk$c.txt")
  errs=$(awk '/^errors/ {print $2}' "$out/wrk$c.txt")
  [ "$errs" = "0" ] || echo "warning: $errs errors at $c connections" >&2
done
loaded=$(hwm_kib)

# Authenticated vs unauthenticated tools/call at 64 connections, alternating (3 rounds each).
auth_port=$((port + 1))
printf '[server]\nlisten = "127.0.0.1:%s"\n[auth]\nmode = "embedded"\n[store]\nurl = "sqlite://%s/store/bastion.db"\n[log]\nlevel = "warn"\n[demo]\ntools = true\n' \
  "$auth_port" "$out" >"$out/auth.toml"
auth_note=""
"$bin" serve --config "$out/auth.toml" 2>"$out/auth-server.log" &
auth_pid=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$auth_port/mcp" && break
  sleep 0.05
done
kill -0 "$auth_pid" 2>/dev/null || auth_note="embedded server did not start: $(head -c 200 "$out/auth-server.log" | tr '\n' ' ')"
token=""
if [ -z "$auth_note" ]; then
  token=$("$bin" token issue --config "$out/auth.toml" --store "sqlite://$out/store/bastion.db" \
            --sub bench --scope mcp:tools --ttl 1h 2>"$out/token.err" || true)
  [ -n "$token" ] || auth_note="no token: $(head -c 200 "$out/token.err" | tr '\n' ' ')"
fi
if [ -z "$auth_note" ]; then
  # Alternating pairs (five by default). Scheduling on the shared cores moves single runs by
  # several percent either way, so the row shows the median of the per-pair ratios, and each.
  rounds=${BENCH_AUTH_ROUNDS:-5}
  ratios=()
  plain_sum=0
  auth_sum=0
  for round in $(seq "$rounds"); do
    $pin wrk -t$wt -c64 -d${secs}s -s bench/wrk/tools_call.lua "http://127.0.0.1:$port/mcp" \
      >"$out/plain$round.txt"
    BENCH_TOKEN="$token" $pin wrk -t$wt -c64 -d${secs}s -s bench/wrk/tools_call.lua \
      "http://127.0.0.1:$auth_port/mcp" >"$out/auth$round.txt"
    plain=$(awk '/^calls_per_s/ {print $2}' "$out/plain$round.txt")
    authed=$(awk '/^calls_per_s/ {print $2}' "$out/auth$round.txt")
    plain_sum=$((plain_sum + plain))
    auth_sum=$((auth_sum + authed))
    ratios+=("$((authed * 100 / plain))")
    errs=$(awk '/^errors/ {print $2}' "$out/auth$round.txt")
    [ "$errs" = "0" ] || echo "warning: $errs errors in authenticated round $round" >&2
  done
  sorted=$(printf '%s\n' "${ratios[@]}" | sort -n | tr '\n' ' ')
  read -r -a by_size <<<"$sorted"
  median=${by_size[$((rounds / 2))]}
  auth_p99=$(awk '/^p99_ms/ {print $2}' "$out/auth$rounds.txt")
  auth_row="| authenticated tools/call, 64 conn ($rounds alternating pairs) | within 10% of unauthenticated | median $median% (pairs: ${ratios[*]}%); means $((auth_sum / rounds))/s vs $((plain_sum / rounds))/s unauthenticated, p99 ${auth_p99} ms |"
else
  auth_row="| authenticated tools/call, 64 conn | within 10% of unauthenticated | skipped: $auth_note |"
fi

"$build/bench/bench_stdio" "$bin" >"$out/stdio.txt"
"$build/bench/bench_validation" --benchmark_format=console >"$out/validation.txt" 2>/dev/null

echo "| measure | target | measured |"
echo "|---|---|---|"
for c in 1 16 64; do
  echo "| tools/call over HTTP keep-alive, $c conn | $([ $c = 64 ] && echo '≥ 60,000/s, p99 ≤ 2 ms' || echo '-') | ${rate[$c]}/s, p50 ${p50[$c]} ms, p99 ${p99[$c]} ms |"
done
echo "$auth_row"
echo "| stdio round trip p50 (p99) | ≤ 40 µs | $(awk '/^stdio_roundtrip_us_p50/ {print $2}' "$out/stdio.txt") µs ($(awk '/^stdio_roundtrip_us_p99/ {print $2}' "$out/stdio.txt") µs) |"
echo "| start to initialized | ≤ 10 ms | $(awk '/^start_to_initialized/ {print $2}' "$out/stdio.txt") ms |"
echo "| idle RSS | ≤ 8 MiB | $(( idle / 1024 )).$(( (idle % 1024) * 10 / 1024 )) MiB |"
echo "| peak RSS under load | - | $(( loaded / 1024 )).$(( (loaded % 1024) * 10 / 1024 )) MiB |"
grep -E '^BM_' "$out/validation.txt" | awk '{printf "| validation %s | - | %s %s |\n", $1, $2, $3}'
