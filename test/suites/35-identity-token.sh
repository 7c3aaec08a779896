#!/usr/bin/env bash
# test/suites/35-identity-token.sh -- the signed identity token that carries
# the acting user to the workers of a Citus cluster (src/identity_token.c),
# on one node with access_policy.identity_key set: the node mints the token
# in one session and verifies it in another, as a worker would.  The same
# checks run between a coordinator and a worker in the suite citus
# (test/citus/token_checks.sh), which needs Citus; this one does not.
# Prints "N passed, M failed" last.

set -uo pipefail
. test/lib.sh
install_cleanup_trap

CLUSTER=$SUITE_DIR/cluster
mkdir -p "$CLUSTER" && chown postgres: "$CLUSTER"
PORT=$(free_port "$SUITE_PORT") || exit 1
start_cluster "$CLUSTER" "$PORT" fast >/dev/null || { not_ok "cluster"; finish; }
{
	echo "shared_preload_libraries = 'access_policy'"
	echo "access_policy.identity_key = 'token-suite-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')'"
} >>"$CLUSTER/data/postgresql.conf"
as_postgres "$PG_BINDIR/pg_ctl" -D "$CLUSTER/data" -l "$CLUSTER/server.log" -w -t 60 restart >/dev/null \
	|| { tail -n 20 "$CLUSTER/server.log"; not_ok "restart with a key"; finish; }
on() { as_postgres "$PG_BINDIR/psql" -X -q -h "$CLUSTER" -p "$PORT" -d postgres "$@"; }
on -U postgres -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || { not_ok "setup"; finish; }
CREATE EXTENSION access_policy;
SELECT access_policy.create_user('u01');
CREATE ROLE citus_app LOGIN;
CREATE ROLE citus_other LOGIN;
SELECT access_policy.grant_api('citus_app', 'application');
SELECT access_policy.grant_api('citus_other', 'application');
SQL
mint() { on "$@"; }
verify() { on "$@"; }
lifetime() { on -U postgres -c "ALTER SYSTEM $1" -c "SELECT pg_reload_conf()" >/dev/null; }
. test/citus/token_checks.sh
got=$(on -U postgres -c "ALTER SYSTEM SET access_policy.identity_key = 'short'" 2>&1)
[[ $got == *"at least 32 bytes"* ]] && ok "a key shorter than 32 bytes is refused" || not_ok "short key: $got"
finish
