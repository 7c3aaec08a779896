#!/usr/bin/env bash
# test/suites/30-pgbouncer.sh -- access_policy behind pgbouncer in
# transaction pooling mode.
#
# Debian's pgbouncer (pool_mode = transaction, 3 server connections) in
# front of a throwaway cluster; 40 pgbench clients through it, each
# transaction acting as a random one of 8 users with a transaction-scoped
# set_user() (test/pooler/tx_local.sql), mixed with transactions that set
# no identity (tx_none.sql).  Every transaction records who it acted as and
# what it saw.  Checked afterwards: every transaction acted as the user it
# set, saw exactly that user's org's rows and none of another org; every
# transaction without set_user saw no identity and no row; the 40 clients
# really shared the 3 server connections.  A last phase shows what the test
# catches: session-scoped identities (set_user(..., false)) behind a
# transaction pooler do leak to other clients, as the README warns.
# Prints "N passed, M failed" last.

set -uo pipefail
. test/lib.sh
install_cleanup_trap
ensure_packages pgbouncer:pgbouncer

CLUSTER=$SUITE_DIR/cluster
PGB=$SUITE_DIR/pgbouncer
mkdir -p "$CLUSTER" "$PGB" && chown postgres: "$CLUSTER" "$PGB"
PORT=$(free_port "$SUITE_PORT") || exit 1
PGB_PORT=$(free_port $((PORT + 1))) || exit 1
start_cluster "$CLUSTER" "$PORT" fast >/dev/null || { not_ok "cluster"; finish; }
psql_db() { as_postgres "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$CLUSTER" -p "$PORT" -U postgres -d pool "$@"; }
as_postgres "$PG_BINDIR/createdb" -h "$CLUSTER" -p "$PORT" pool || { not_ok "createdb"; finish; }
psql_db -c "CREATE EXTENSION access_policy" && psql_db -f test/pooler/world.sql || { not_ok "world"; finish; }

cat >"$PGB/pgbouncer.ini" <<INI
[databases]
pool = host=$CLUSTER port=$PORT dbname=pool
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
ignore_startup_parameters = extra_float_digits
INI
echo '"pool_app" ""' >"$PGB/userlist.txt"
chown -R postgres: "$PGB"
as_postgres /usr/sbin/pgbouncer -d "$PGB/pgbouncer.ini" || { not_ok "pgbouncer did not start"; finish; }
stop_pgbouncer() { [ -f "$PGB/pgbouncer.pid" ] && kill "$(cat "$PGB/pgbouncer.pid")" 2>/dev/null; }
AP_EXIT_HOOK=stop_pgbouncer
for _ in $(seq 1 50); do [ -S "$PGB/.s.PGSQL.$PGB_PORT" ] && break; sleep 0.1; done
ok "pgbouncer $(/usr/sbin/pgbouncer --version | head -n 1 | awk '{print $2}') listening in transaction mode, pool size 3"

pgb() { as_postgres "$PG_BINDIR/pgbench" -n -h "$PGB" -p "$PGB_PORT" -U pool_app "$@" pool; }

# phase 1: 40 clients, the recommended per-request SQL and identity-less transactions
if out=$(pgb -c 40 -j 4 -t 150 -f test/pooler/tx_local.sql@3 -f test/pooler/tx_none.sql@1 2>&1); then
	ok "40 clients x 150 transactions through pgbouncer: $(grep -o 'number of transactions actually processed: [0-9/]*' <<<"$out")"
else
	not_ok "pgbench through pgbouncer failed"; echo "$out" | tail -n 20
fi
q() { psql_db -At -c "$1"; }
n_local=$(q "SELECT count(*) FROM pool_check WHERE phase = 'local'")
n_none=$(q "SELECT count(*) FROM pool_check WHERE phase = 'none'")
[ $((n_local + n_none)) -eq 6000 ] && ok "6000 transactions recorded ($n_local with set_user, $n_none without)" \
	|| not_ok "recorded $n_local + $n_none transactions, not 6000"
bad=$(q "SELECT count(*) FROM pool_check WHERE phase = 'local' AND (who IS DISTINCT FROM 'u' || k OR seen <> 10 * k OR foreign_rows <> 0)")
[ "$bad" = 0 ] && [ "$n_local" -gt 0 ] && ok "every transaction acted as the user it set and saw exactly that org's rows" \
	|| not_ok "$bad transactions acted as someone else or saw another org's rows"
bad=$(q "SELECT count(*) FROM pool_check WHERE phase = 'none' AND (who IS NOT NULL OR seen <> 0)")
[ "$bad" = 0 ] && [ "$n_none" -gt 0 ] && ok "no transaction without set_user saw an identity or a row" \
	|| not_ok "$bad transactions without set_user saw an earlier client's identity or rows"
backends=$(q "SELECT count(DISTINCT backend) FROM pool_check")
[ "$backends" -ge 1 ] && [ "$backends" -le 3 ] && ok "the 40 clients shared $backends server connections" \
	|| not_ok "$backends server connections served the clients (pool size 3)"
mixed=$(q "SELECT count(*) FROM (SELECT backend FROM pool_check WHERE phase = 'local' GROUP BY backend HAVING count(DISTINCT k) > 1) x")
[ "$mixed" -ge 1 ] && ok "server connections served several users in turn ($mixed connections)" \
	|| not_ok "no server connection served more than one user: the test did not exercise pooling"

# phase 2: the detector works: session-scoped identities leak through the pool
q "TRUNCATE pool_check" >/dev/null
pgb -c 20 -j 2 -t 100 -f test/pooler/tx_session.sql@1 -f test/pooler/tx_none.sql@1 >/dev/null 2>&1
leaked=$(q "SELECT count(*) FROM pool_check WHERE phase = 'none' AND who IS NOT NULL")
[ "$leaked" -gt 0 ] && ok "negative control: session-scoped set_user behind a transaction pooler leaks ($leaked transactions saw a stranger's identity), so the checks above can fail" \
	|| not_ok "negative control: no leak detected with session-scoped identities"

stop_pgbouncer
finish
