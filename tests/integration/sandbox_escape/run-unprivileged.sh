#!/bin/bash
# Runs the sandbox escape tests as an unprivileged user, created here if missing: the sandbox
# must hold with a user namespace and without cgroups just as it does for root. Needs root to
# create the user and to install the set-user-ID probe; exits 77 (skipped) otherwise.
set -euo pipefail
exe=$1
cases=$2
shift 2
user=bastion-sbx
if [ "$(id -u)" != 0 ]; then
  echo "skipped: creating the unprivileged test user needs root"
  exit 77
fi
id "$user" >/dev/null 2>&1 ||
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
work=$(mktemp -d /tmp/bastion-sbx-XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
cp "$exe" "$work/escape_test"
cp -r "$cases" "$work/cases"
# A set-user-ID root binary the unprivileged run tries to gain root through.
mkdir "$work/setuid"
cp "$cases/setuid_print" "$work/setuid/setuid_print"
chown root:root "$work/setuid/setuid_print"
chmod 4755 "$work/setuid/setuid_print"
chmod -R a+rX "$work"
cd "$work"
env -i PATH=/usr/bin:/bin HOME=/nonexistent \
  BASTION_SANDBOX_CASES_DIR="$work/cases" BASTION_SANDBOX_SETUID="$work/setuid/setuid_print" \
  BASTION_TEST_CANARY="${BASTION_TEST_CANARY:-}" ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
  setpriv --reuid="$user" --regid="$user" --clear-groups -- "$work/escape_test" "$@"
