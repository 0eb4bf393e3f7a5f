#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (ctest starts and stops it as a fixture).
#
#   scripts/test-postgres.sh start INFO_DIR   # prints the admin URL; writes INFO_DIR/url
#   scripts/test-postgres.sh stop INFO_DIR
#
# The cluster lives in a fresh directory under /tmp, listens on 127.0.0.1 at a random free
# port (and a Unix socket in that directory), uses scram-sha-256 passwords and fsync off. The
# superuser is `bastion_admin` with a random password. PostgreSQL refuses to run as root, so as
# root the server runs as the `postgres` user (created by Debian's postgresql package). The
# binaries are PostgreSQL 15's (Debian 12 package `postgresql`, installed by scripts/deps.sh);
# PG_BIN overrides where they are.
set -euo pipefail

action=${1:-}
info=${2:-}
if [ -z "$action" ] || [ -z "$info" ]; then
  echo "usage: $0 start|stop INFO_DIR" >&2
  exit 2
fi
bin=${PG_BIN:-}
if [ -z "$bin" ]; then
  for v in 15 16 17 14 13; do
    if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then bin=/usr/lib/postgresql/$v/bin; break; fi
  done
fi
if [ -z "$bin" ]; then
  echo "test-postgres: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop() {
  [ -f "$info/datadir" ] || return 0
  local dir
  dir=$(cat "$info/datadir")
  if [ -d "$dir/data" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  case "$dir" in /tmp/bastion-pg.*) rm -rf "$dir" ;; esac
  rm -f "$info/datadir" "$info/url"
}

case "$action" in
  stop)
    stop
    exit 0
    ;;
  start) ;;
  *)
    echo "usage: $0 start|stop INFO_DIR" >&2
    exit 2
    ;;
esac

mkdir -p "$info"
stop  # a cluster left by an interrupted run
dir=$(mktemp -d /tmp/bastion-pg.XXXXXX)
echo "$dir" >"$info/datadir"
chmod 755 "$dir"
password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$password" >"$dir/pwfile"
if [ "$(id -u)" -eq 0 ]; then
  chown -R postgres: "$dir"
fi
as_owner "$bin/initdb" -D "$dir/data" -U bastion_admin --pwfile="$dir/pwfile" \
  -A scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
  cat "$dir/initdb.log" >&2
  exit 1
}
rm -f "$dir/pwfile"

# A random port; another cluster (or anything) may hold it, so try a few.
for _ in $(seq 1 20); do
  port=$((20000 + RANDOM % 40000))
  if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
    start >/dev/null 2>&1; then
    url="postgresql://bastion_admin:$password@127.0.0.1:$port/postgres"
    printf '%s\n' "$url" >"$info/url"
    chmod 600 "$info/url"
    echo "$url"
    exit 0
  fi
  grep -q "could not bind\|already in use" "$dir/server.log" 2>/dev/null || break
done
echo "test-postgres: the server did not start:" >&2
cat "$dir/server.log" >&2 || true
exit 1
