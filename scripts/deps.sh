#!/usr/bin/env bash
# Installs the Debian 12 packages Bastion builds and tests with, when any is missing.
# Idempotent: a machine that has them all runs no apt-get at all.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libssl-dev libre2-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  libsqlite3-dev sqlite3 libpq-dev postgresql libhiredis-dev libseccomp-dev libargon2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  wrk lua5.1 curl ca-certificates openssl
  chromium
)
missing=()
# Node and npm run only the official MCP test tools; any npm that works will do (the machine
# image ships one from its own repository, which conflicts with Debian's npm package).
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
