#!/usr/bin/env bash
# test/suites/33-change-feed-decoding.sh -- the change feed for consumers that
# must not miss a change: logical decoding of the audit log's inserts.
#
# NOTIFY is lost to a consumer that is not connected; logical decoding keeps
# every committed change in a replication slot until the consumer confirms
# it.  Every change of policy data writes audit rows in its transaction, so
# decoding the inserts into access_policy.audit_log is the complete feed.  A
# cluster with wal_level = logical; three routes, each must show exactly the
# committed changes (an org, a user, an assignment) and nothing of a
# rolled-back transaction or subtransaction:
#   - test_decoding (PostgreSQL's own plugin, in postgresql-15);
#   - pgoutput with a publication on the audit log (what a subscriber or
#     Debezium-style consumer uses), read as binary changes;
#   - wal2json (Debian: postgresql-15-wal2json), when it can be installed;
#     otherwise reported as skipped.
# Prints "N passed, M failed" last.

set -uo pipefail
. test/lib.sh
install_cleanup_trap

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }

CLUSTER=$SUITE_DIR/cluster
mkdir -p "$CLUSTER" && chown postgres: "$CLUSTER"
PORT=$(free_port "$SUITE_PORT") || exit 1
# not "fast": decoding reads the WAL up to what is flushed, synchronous_commit = off would delay it
start_cluster "$CLUSTER" "$PORT" >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
psql_db() { as_postgres "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$CLUSTER" -p "$PORT" -U postgres -d postgres "$@"; }

# wal2json when Debian's archive has it (installed into the server's own lib directory)
if [ -e "$("$PG_CONFIG" --pkglibdir)/wal2json.so" ] \
	|| ( ensure_packages "$("$PG_CONFIG" --pkglibdir)/wal2json.so:postgresql-15-wal2json" ) >"$SUITE_DIR/wal2json-install.log" 2>&1; then
	have_wal2json=$([ -e "$("$PG_CONFIG" --pkglibdir)/wal2json.so" ] && echo yes || echo no)
else
	have_wal2json=no
fi

finish_failed() { echo "$PASS passed, $((FAIL + 1)) failed"; exit 1; }
psql_db -c "ALTER SYSTEM SET wal_level = logical" -c "ALTER SYSTEM SET max_replication_slots = 10" >/dev/null || finish_failed
# a server that restricts output plugins (output_plugin_libraries, a setting of
# recent Debian builds, read from the configuration) names wal2json there
if [ "$(psql_db -At -c "SELECT count(*) FROM pg_settings WHERE name = 'output_plugin_libraries'")" = 1 ]; then
	psql_db -c "ALTER SYSTEM SET output_plugin_libraries = pgoutput, test_decoding, wal2json" >/dev/null || finish_failed
fi
as_postgres "$PG_BINDIR/pg_ctl" -D "$CLUSTER/data" -l "$CLUSTER/server.log" -w -t 60 restart >/dev/null \
	|| { tail -n 30 "$CLUSTER/server.log"; echo "0 passed, 1 failed"; exit 1; }
[ "$(psql_db -At -c 'SHOW wal_level')" = logical ] && ok "wal_level = logical" || not_ok "wal_level is not logical"

psql_db -c "CREATE EXTENSION access_policy" \
	-c "CREATE PUBLICATION access_policy_feed FOR TABLE access_policy.audit_log" >/dev/null || finish_failed
slots="SELECT pg_create_logical_replication_slot('feed_test_decoding', 'test_decoding');
	   SELECT pg_create_logical_replication_slot('feed_pgoutput', 'pgoutput');"
psql_db -c "$slots" >/dev/null || finish_failed
if [ "$have_wal2json" = yes ] && ! psql_db -c "SELECT pg_create_logical_replication_slot('feed_wal2json', 'wal2json')" >/dev/null; then
	not_ok "wal2json: the slot could not be created"
	have_wal2json=failed
fi

# committed: an org, a user, an assignment (3 audit rows); rolled back: a
# transaction and a subtransaction
psql_db >/dev/null <<'SQL' || exit 1
BEGIN;
SELECT access_policy.create_org('Decoded', NULL, 21000);
SELECT access_policy.create_user('decoded_user');
SAVEPOINT s;
SELECT access_policy.create_user('decoded_gone_in_savepoint');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.assign_role('decoded_user', 21000, 'Viewer');
COMMIT;
BEGIN;
SELECT access_policy.create_user('decoded_gone_in_rollback');
ROLLBACK;
SQL

# test_decoding: one line per inserted audit row
out=$(psql_db -At -c "SELECT data FROM pg_logical_slot_get_changes('feed_test_decoding', NULL, NULL)
					   WHERE data LIKE 'table access_policy.audit_log: INSERT:%'")
n=$(grep -c '' <<<"$out")
if [ "$n" -eq 3 ] && grep -q "target_table\[text\]:'orgs'" <<<"$out" && grep -q "target_table\[text\]:'users'" <<<"$out" \
	&& grep -q "target_table\[text\]:'assignments'" <<<"$out" && ! grep -q gone <<<"$out"; then
	ok "test_decoding: the 3 committed audit rows (orgs, users, assignments), nothing rolled back"
else
	not_ok "test_decoding: got $n audit inserts: $out"
fi

# pgoutput: the publication's inserts ('I' messages), binary protocol 1
n=$(psql_db -At -c "SELECT count(*) FROM pg_logical_slot_get_binary_changes('feed_pgoutput', NULL, NULL,
						'proto_version', '1', 'publication_names', 'access_policy_feed')
					 WHERE get_byte(data, 0) = ascii('I')")
gone=$(psql_db -At -c "SELECT count(*) FROM pg_logical_slot_peek_binary_changes('feed_pgoutput', NULL, NULL,
						'proto_version', '1', 'publication_names', 'access_policy_feed')")
if [ "$n" = 3 ] && [ "$gone" = 0 ]; then
	ok "pgoutput (publication access_policy_feed): 3 inserts, consumed"
else
	not_ok "pgoutput: $n inserts (want 3), $gone changes left after consuming (want 0)"
fi

if [ "$have_wal2json" = yes ]; then
	out=$(psql_db -At -c "SELECT data FROM pg_logical_slot_get_changes('feed_wal2json', NULL, NULL,
							'format-version', '2', 'add-tables', 'access_policy.audit_log')")
	n=$(grep -c '"action":"I"' <<<"$out")
	if [ "$n" -eq 3 ] && ! grep -q gone <<<"$out"; then
		ok "wal2json: 3 audit inserts as JSON, nothing rolled back"
	else
		not_ok "wal2json: $n inserts: $out"
	fi
elif [ "$have_wal2json" = no ]; then
	echo "skip - wal2json: no wal2json.so in $("$PG_CONFIG" --pkglibdir) (Debian's postgresql-15-wal2json could not be installed for this server)"
fi

psql_db -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots" >/dev/null
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
