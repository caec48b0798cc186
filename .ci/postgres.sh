#!/bin/sh
# Starts a throwaway PostgreSQL cluster on 127.0.0.1 for the engine's tests and prints
# the line that exports its URL, so CI can run:
#
#	eval "$(.ci/postgres.sh)"      # start; sets EXPORTKIT_TEST_DATABASE_URL
#	go test ./engine/
#	.ci/postgres.sh stop           # stop and delete the cluster
#
# Needs Debian's postgresql package (apt-get install -y postgresql). Run as root (the
# cluster then runs as the postgres user) or as any user that can run initdb.
# EXPORTKIT_PG_DIR (default /tmp/exportkit-pg) and EXPORTKIT_PG_PORT (default 54329)
# choose where the cluster lives and listens. Progress goes to stderr.
set -eu

dir=${EXPORTKIT_PG_DIR:-/tmp/exportkit-pg}
port=${EXPORTKIT_PG_PORT:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
	echo "postgres.sh: no /usr/lib/postgresql/*/bin; install Debian's postgresql" >&2
	exit 1
fi

# as runs a command as the postgres user when we are root.
as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

if [ "${1:-start}" = stop ]; then
	as "$bin/pg_ctl" -D "$dir" -m immediate stop >&2 || true
	rm -rf "$dir"
	exit 0
fi

# A fresh cluster: trust authentication on 127.0.0.1 only, no fsync (it is thrown
# away), enough connections for parallel tests.
rm -rf "$dir"
mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
as "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 >&2
as "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -o "-c listen_addresses=127.0.0.1 \
	-p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
	-c max_connections=500" start >&2
as "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres exportkit_test >&2
echo "export EXPORTKIT_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:$port/exportkit_test?sslmode=disable'"
