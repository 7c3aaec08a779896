#!/usr/bin/env bash
# test/suites/31-example-app.sh -- the example application's tests through
# pgbouncer.
#
# Starts a throwaway cluster, loads examples/tenant_app/schema.sql and its
# test world, puts Debian's pgbouncer in transaction pooling mode (pool of 3)
# in front, and runs examples/tenant_app/test_app.py with Debian's python3
# and psycopg: the service runs in the test process and reaches PostgreSQL
# only through pgbouncer.  The last line is the unittest count as
# "N passed, M failed".

set -uo pipefail
. test/lib.sh
install_cleanup_trap
ensure_packages pgbouncer:pgbouncer /usr/bin/python3:python3 /usr/lib/python3/dist-packages/psycopg:python3-psycopg

CLUSTER=$SUITE_DIR/cluster
PGB=$SUITE_DIR/pgbouncer
mkdir -p "$CLUSTER" "$PGB" && chown postgres: "$CLUSTER" "$PGB"
PORT=$(free_port "$SUITE_PORT") || exit 1
PGB_PORT=$(free_port $((PORT + 1))) || exit 1
start_cluster "$CLUSTER" "$PORT" fast >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
psql_db() { as_postgres "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$CLUSTER" -p "$PORT" -U postgres -d app "$@"; }
as_postgres "$PG_BINDIR/createdb" -h "$CLUSTER" -p "$PORT" app || { echo "0 passed, 1 failed"; exit 1; }
{ psql_db -c "CREATE EXTENSION access_policy" \
	&& psql_db -f examples/tenant_app/schema.sql \
	&& psql_db -f examples/tenant_app/world.sql; } >"$SUITE_DIR/setup.out" 2>&1 \
	|| { cat "$SUITE_DIR/setup.out"; echo "0 passed, 1 failed"; exit 1; }

cat >"$PGB/pgbouncer.ini" <<INI
[databases]
app = host=$CLUSTER port=$PORT dbname=app
[pgbouncer]
listen_addr =
listen_port = $PGB_PORT
unix_socket_dir = $PGB
pool_mode = transaction
default_pool_size = 3
max_client_conn = 200
auth_type = trust
auth_file = $PGB/userlist.txt
logfile = $PGB/pgbouncer.log
pidfile = $PGB/pgbouncer.pid
server_reset_query =
INI
echo '"tenant_app" ""' >"$PGB/userlist.txt"
chown -R postgres: "$PGB"
as_postgres /usr/sbin/pgbouncer -d "$PGB/pgbouncer.ini" || { echo "pgbouncer did not start"; echo "0 passed, 1 failed"; exit 1; }
stop_pgbouncer() { [ -f "$PGB/pgbouncer.pid" ] && kill "$(cat "$PGB/pgbouncer.pid")" 2>/dev/null; }
AP_EXIT_HOOK=stop_pgbouncer
for _ in $(seq 1 50); do [ -S "$PGB/.s.PGSQL.$PGB_PORT" ] && break; sleep 0.1; done

# the test runs as postgres (it only needs the sockets); the service's
# connections go through pgbouncer as tenant_app
as_postgres env DATABASE_URL="host=$PGB port=$PGB_PORT dbname=app user=tenant_app" \
	SUPER_URL="host=$CLUSTER port=$PORT dbname=app user=postgres" APP_SECRET="suite secret" \
	timeout 600 /usr/bin/python3 examples/tenant_app/test_app.py 2>&1
rc=$?
stop_pgbouncer
exit $rc
