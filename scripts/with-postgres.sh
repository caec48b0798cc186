#!/usr/bin/env bash
# Runs a command with EXPORTKIT_TEST_DATABASE_URL pointing at a PostgreSQL server.
#
# When the variable is already set, the command simply runs. Otherwise, if PostgreSQL is
# installed (Debian's postgresql package), a throwaway cluster is created in a temporary
# directory, listening on 127.0.0.1 only, and removed when the command ends. Without
# PostgreSQL the command runs as is, and the PostgreSQL tests skip (or fail under CI=true).
set -euo pipefail

if [[ -n ${EXPORTKIT_TEST_DATABASE_URL:-} ]]; then
  exec "$@"
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z $pgbin ]]; then
  echo "with-postgres: PostgreSQL is not installed; its tests will skip" >&2
  exec "$@"
fi

# PostgreSQL refuses to run as root: run the server as the postgres user when we are root,
# from a directory that user can enter.
as=()
if [[ $(id -u) -eq 0 ]]; then
  as=(env -C / runuser -u postgres --)
fi

# Pick a free port on loopback.
port=55432
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  port=$((port + 1))
done

# Create and start the cluster; stop and remove it on exit.
dir=$(mktemp -d /tmp/exportkit-pg.XXXXXX)
chmod 755 "$dir"
[[ ${#as[@]} -eq 0 ]] || chown postgres "$dir"
cleanup() {
  "${as[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${as[@]}" "$pgbin/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
"${as[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w start -o \
  "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=300" >/dev/null
echo "with-postgres: throwaway PostgreSQL on 127.0.0.1:$port" >&2

export EXPORTKIT_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
"$@"
