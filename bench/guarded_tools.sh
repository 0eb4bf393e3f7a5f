#!/usr/bin/env bash
# End-to-end throughput of configured tools behind every guard (issue 4 item 9): files.read of a
# 1 KiB file and sql.query of one row from the shop database, over HTTP keep-alive, 64
# connections, with the audit log on (fsync batch) and the redactor holding one secret.
# Usage: bench/guarded_tools.sh BUILD_DIR   (a release build). Prints a Markdown table.
# BENCH_AUDIT_PATH= (empty) turns the audit log off, to see what it costs.
set -euo pipefail
build=${1:-build/release}
bin=$(realpath "$build/src/cli/bastion")
port=${BENCH_PORT:-18195}
secs=${BENCH_SECONDS:-10}
out=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$out"' EXIT

mkdir -p "$out/root"
head -c 1024 /dev/zero | tr '\0' 'a' >"$out/root/one-kib.txt"
sqlite3 "$out/app.db" <examples/shop/app.sql
cat >"$out/bench.toml" <<TOML
[auth]
mode = "none"
[audit]
path = "${BENCH_AUDIT_PATH-$out/audit.jsonl}"
fsync = "batch"
[databases.shop]
url = "sqlite://$out/app.db"
[[tools]]
name = "read"
kind = "files.read"
root = "$out/root"
identifiers = ["path"]
[[tools]]
name = "find_customer"
kind = "sql.query"
database = "shop"
sql = "SELECT id, name, email, city FROM customers WHERE email = :email"
tables = ["customers"]
params.email = { type = "string", maxLength = 254 }
[[tools]]
name = "api"
kind = "http"
url = "https://api.example.com/x"
headers = { Authorization = "Bearer \${env:BENCH_SECRET}" }
TOML
BENCH_SECRET=bench-secret-0123456789 "$bin" serve --config "$out/bench.toml" \
  --listen 127.0.0.1:$port 2>"$out/server.log" &
pid=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/mcp" && break
  sleep 0.05
done
sleep 1

run() {  # tool args -> "calls/s | p50 | p99"
  BENCH_TOOL=$1 BENCH_ARGS=$2 wrk -t2 -c64 -d${secs}s -s bench/wrk/tools_call.lua \
    "http://127.0.0.1:$port/mcp" >"$out/wrk.txt"
  errs=$(awk '/^errors/ {print $2}' "$out/wrk.txt")
  [ "$errs" = "0" ] || echo "warning: $errs errors for $1" >&2
  echo "$(awk '/^calls_per_s/ {print $2}' "$out/wrk.txt")/s, p50 $(awk '/^p50_ms/ {print $2}' "$out/wrk.txt") ms, p99 $(awk '/^p99_ms/ {print $2}' "$out/wrk.txt") ms"
}
audit=$([ -n "${BENCH_AUDIT_PATH-x}" ] && echo "audit batch" || echo "audit off")
files=$(run read '{"path":"one-kib.txt"}')
sql=$(run find_customer '{"email":"ada@example.com"}')
echo "| measure | target | measured |"
echo "|---|---|---|"
echo "| files.read 1 KiB over HTTP, 64 conn, $audit | ≥ 30,000 calls/s | $files |"
echo "| sql.query 1 row (SQLite) over HTTP, 64 conn, $audit | - | $sql |"
[ ! -f "$out/audit.jsonl" ] || echo "| audit records written | - | $(wc -l <"$out/audit.jsonl") |"
