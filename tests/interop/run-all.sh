#!/usr/bin/env bash
# Conformance and interop tests against the real binaries (run by `make test` after ctest):
#   1. @modelcontextprotocol/conformance 0.1.16 against bastion-conformance-server: the active
#      and the pending server suites must each end with "0 failed".
#   2. The official TypeScript clients (tests/interop/*.test.mjs: @modelcontextprotocol/sdk
#      1.32.2 and @modelcontextprotocol/client 2.4.0) against `bastion serve`, over stdio and
#      Streamable HTTP.
#   3. OAuth (tests/interop/oauth/*.test.mjs): the same official clients with their own OAuth
#      support against `bastion serve` running the embedded authorization server (cold start:
#      401 -> PRM -> AS metadata -> DCR or a Client ID Metadata Document -> login and consent ->
#      token -> tools/call -> refresh), and the login and consent pages in headless Chromium
#      (Debian chromium via playwright-core; screenshots in BUILD/interop/oauth).
#   4. @modelcontextprotocol/conformance 0.2.0-alpha.12, `authorization` scenarios (the
#      authorization-server suite) against the embedded authorization server, over plain HTTP and
#      TLS, the browser part played by tests/interop/oauth/conformance_authorization.mjs; its
#      checks count.
#   5. @modelcontextprotocol/conformance 0.2.0-alpha.12, the 2026-07-28 requirement set: only
#      reported (BUILD/conformance-next.txt), never a failure of this script.
# Everything runs with Node 22 from tools/node (make node). Each step has a time limit; servers
# started here are stopped on exit. The last line is "N passed, M failed" (conformance checks
# plus interop tests); the exit status is non-zero on any failure.
#
# usage: tests/interop/run-all.sh BUILD_DIR
set -uo pipefail

if [[ $# -ne 1 || ! -d "$1" ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(cd "$1" && pwd)"
modules="$root/tools/node/node_modules"
node="$modules/.bin/node"
conformance="$modules/@modelcontextprotocol/conformance/dist/index.js"
conformance_next="$modules/conformance-next/dist/index.js"
fixture="$build/examples/conformance_server/bastion-conformance-server"
bastion="$build/src/cli/bastion"
out="$build/interop"

for f in "$node" "$conformance" "$conformance_next"; do
  [[ -e "$f" ]] || { echo "interop: $f missing (run: make node)" >&2; exit 2; }
done
for f in "$fixture" "$bastion"; do
  [[ -x "$f" ]] || { echo "interop: $f missing (build the project first)" >&2; exit 2; }
done
rm -rf "$out" && mkdir -p "$out"
# The suite-wide canary (tests/canary.txt): in every server's environment; it must appear in
# nothing this run keeps (server logs, conformance logs, client test output).
BASTION_TEST_CANARY="$(head -n 1 "$root/tests/canary.txt")"
export BASTION_TEST_CANARY

passed=0
failed=0
server_pid=""

# Stops the server started last (SIGTERM, SIGKILL after 15 s); returns its exit status, which is
# 0 after a graceful shutdown (a crash or a sanitizer report at exit is not).
stop_server() {
  local status=0
  [[ -n "$server_pid" ]] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    for _ in $(seq 150); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null
  fi
  wait "$server_pid" 2>/dev/null || status=$?
  server_pid=""
  return $status
}
trap 'stop_server || true' EXIT
trap 'stop_server; exit 130' INT TERM

# Starts the fixture on a kernel-chosen loopback port; sets server_pid and url.
start_fixture() {
  local name="$1"
  "$fixture" --listen 127.0.0.1:0 >"$out/fixture-$name.out" 2>"$out/fixture-$name.err" &
  server_pid=$!
  url=""
  for _ in $(seq 100); do
    url="$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$out/fixture-$name.out")"
    [[ -n "$url" ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "interop: bastion-conformance-server did not start:" >&2
  cat "$out/fixture-$name.err" >&2
  return 1
}

# Runs one 0.1.16 server suite; its checks count towards the total. Gate: "Total: N passed,
# 0 failed" and exit status 0.
run_suite() {
  local suite="$1" log="$out/conformance-$1.log" status totals
  echo "== conformance 0.1.16, $suite server suite"
  if ! start_fixture "$suite"; then
    failed=$((failed + 1))
    return
  fi
  timeout 600 "$node" "$conformance" server --url "$url" --suite "$suite" \
    -o "$out/conformance-$suite" >"$log" 2>&1
  status=$?
  if ! stop_server; then
    echo "interop: bastion-conformance-server did not exit cleanly on SIGTERM:"
    tail -20 "$out/fixture-$suite.err"
    failed=$((failed + 1))
  fi
  sed -n '/=== SUMMARY ===/,$p' "$log"
  totals="$(sed -n 's/^Total: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log")"
  if [[ -z "$totals" ]]; then
    echo "interop: the $suite suite ended without a total (status $status); see $log"
    tail -20 "$log"
    failed=$((failed + 1))
    return
  fi
  read -r p f <<<"$totals"
  passed=$((passed + p))
  failed=$((failed + f))
  if [[ $status -ne 0 && $f -eq 0 ]]; then
    echo "interop: the $suite suite exited with status $status; see $log"
    failed=$((failed + 1))
  fi
}

# node:test files (the TypeScript client tests); each test counts.
#   run_node_tests NAME TITLE TIME_LIMIT FILE...
run_node_tests() {
  local name="$1" title="$2" limit="$3" tap="$out/$1.tap" status p f
  shift 3
  echo "== $title"
  mkdir -p "$out/$name"
  BASTION_BIN="$bastion" BASTION_INTEROP_OUT="$out/$name" timeout "$limit" "$node" --test \
    --test-concurrency=1 \
    --test-reporter=spec --test-reporter-destination="$out/$name.log" \
    --test-reporter=tap --test-reporter-destination="$tap" \
    "$@"
  status=$?
  cat "$out/$name.log"
  p="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap")"
  f="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap")"
  if [[ -z "$p" || -z "$f" ]]; then
    echo "interop: $name ended without a count (status $status)"
    failed=$((failed + 1))
    return
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  if [[ $status -ne 0 && $f -eq 0 ]]; then
    failed=$((failed + 1))
  fi
}

# 0.2.0-alpha.12 `authorization` scenarios against the embedded authorization server; its checks
# count. Gate: "Total: N passed, 0 failed" and exit status 0.
run_authorization() {
  local log="$out/conformance-authorization.log" status totals p f
  echo "== conformance 0.2.0-alpha.12, authorization scenarios against the embedded authorization server"
  BASTION_BIN="$bastion" BASTION_INTEROP_OUT="$out/oauth" timeout 300 "$node" \
    "$root/tests/interop/oauth/conformance_authorization.mjs" "$conformance_next" \
    "$out/conformance-authorization" >"$log" 2>&1
  status=$?
  grep -E '^(##### pass|✓ |✗ |Total: |=== SUMMARY)' "$log"
  # The last total is the driver's sum over its two passes (plain HTTP and TLS).
  totals="$(sed -n 's/^Total: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log" | tail -1)"
  if [[ -z "$totals" ]]; then
    echo "interop: the authorization scenarios ended without a total (status $status); see $log"
    tail -30 "$log"
    failed=$((failed + 1))
    return
  fi
  read -r p f <<<"$totals"
  passed=$((passed + p))
  failed=$((failed + f))
  if [[ $status -ne 0 && $f -eq 0 ]]; then
    echo "interop: the authorization scenarios exited with status $status; see $log"
    tail -30 "$log"
    failed=$((failed + 1))
  fi
}

# 0.2.0-alpha.12 against the 2026-07-28 requirements: a report, not a gate.
report_next() {
  local log="$out/conformance-next.log" table="$build/conformance-next.txt"
  echo "== conformance 0.2.0-alpha.12, 2026-07-28 requirements (report only)"
  if ! start_fixture next; then
    echo "fixture did not start; no 2026-07-28 report" >"$table"
    return
  fi
  timeout 900 "$node" "$conformance_next" server --url "$url" --requirements 2026-07-28 \
    -o "$out/conformance-next" >"$log" 2>&1
  stop_server || echo "(the fixture did not exit cleanly; see $out/fixture-next.err)" >>"$log"
  "$node" "$root/tests/interop/next-report.mjs" "$out/conformance-next" "$log" >"$table" ||
    echo "could not summarise $log" >>"$table"
  cat "$table"
}

run_suite active
run_suite pending
run_node_tests clients "official TypeScript clients against bastion serve" 300 \
  "$root"/tests/interop/*.test.mjs
run_node_tests oauth "official TypeScript clients and headless Chromium, OAuth with the embedded authorization server" \
  900 "$root"/tests/interop/oauth/*.test.mjs
run_authorization
report_next

# The canary check over everything kept (raw, base64 and percent-encoded forms).
canary_b64="$(printf '%s' "$BASTION_TEST_CANARY" | base64 -w0 | tr -d '=')"
canary_pct="$(printf '%s' "$BASTION_TEST_CANARY" | sed 's|/|%2F|g; s|+|%2B|g')"
leaks="$(grep -rlaF -e "$BASTION_TEST_CANARY" -e "${canary_b64%?}" -e "$canary_pct" "$out" || true)"
if [[ -n "$leaks" ]]; then
  echo "interop: the canary secret appears in: $leaks"
  failed=$((failed + 1))
else
  echo "== canary: absent from everything under $out"
  passed=$((passed + 1))
fi

echo "interop: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
