#!/usr/bin/env bash
# Installs Node 22 and the official MCP test tools into tools/node/node_modules, from the npm
# registry only (the `node` package ships the Node binary itself as an npm package):
#   node 22 (node_modules/.bin/node), @modelcontextprotocol/conformance 0.1.16 and, as
#   conformance-next, 0.2.0-alpha.12, @modelcontextprotocol/sdk 1.32.2, @modelcontextprotocol/client 2.4.0,
#   playwright-core 1.65.1 (drives Debian's /usr/bin/chromium; it downloads no browser).
# Versions are pinned by tools/node/package.json and its package-lock.json.
# Idempotent: nothing runs when node_modules matches the lock (a stamp holds the lock's hash).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/tools/node"
stamp="$dir/node_modules/.bastion-lock.sha256"
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"

node22_ok() {
  local v
  v="$("$dir/node_modules/.bin/node" --version 2>/dev/null)" || return 1
  [[ "$v" == v22.* ]]
}

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && node22_ok; then
  exit 0
fi

command -v npm >/dev/null 2>&1 || { echo "node-tools: npm not found (run make deps)" >&2; exit 1; }
echo "node-tools: installing Node 22 and the MCP conformance/SDK packages (npm ci)" >&2
# The machine's own node may be older than some packages declare (they run under Node 22 here).
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error --engine-strict=false >&2)

if ! node22_ok; then
  echo "node-tools: tools/node/node_modules/.bin/node is not Node 22 after install" >&2
  exit 1
fi
echo "$want" >"$stamp"
echo "node-tools: $("$dir/node_modules/.bin/node" --version) ready in tools/node" >&2
