#!/usr/bin/env bash
# test/suites/72-pg-upgrade.sh -- pg_upgrade from PostgreSQL 15 to 17 and to 18 keeps every answer
#
# A PostgreSQL 15 cluster (built from Debian 12's source package: see below)
# gets the demo world and test/world/extra_state.sql: rows in
# every policy table, a protected tenant table, the audit log.  Every answer
# is written down (test/answers.sh: every check, list, explain,
# introspection and view for every user, the RLS-protected rows and every
# policy table, audit log included).  Then, for every major version V in
# AP_PG_VERSIONS (default "17 18"): PostgreSQL V from Debian's source package
# (test/pgsrc/build, cached), the extension built and installed into it, a new
# cluster of V, `pg_upgrade --check` and `pg_upgrade` (copy mode, so the
# source stays usable for the next V), and the answers again -- in new
# backends, so the caches are built from the upgraded tables -- compared with
# EXCEPT ALL both ways.  Prints "N passed, M failed" last.

set -uo pipefail

# shellcheck source=test/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=test/answers.sh
. "$(dirname "${BASH_SOURCE[0]}")/../answers.sh"

require_root "test/suites/72-pg-upgrade.sh"
install_cleanup_trap

: "${SUITE_DIR:?SUITE_DIR is not set}"
PASS=0
FAIL=0
VERDICT_DONE=0
verdict() { echo "$PASS passed, $FAIL failed"; VERDICT_DONE=1; }
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
finish_early() { [ "$1" -eq 0 ] || [ "$VERDICT_DONE" = 1 ] || { FAIL=$((FAIL + 1)); verdict; }; }
AP_EXIT_HOOK=finish_early

OUT=$SUITE_DIR/out
mkdir -p "$OUT" && chown postgres: "$OUT"
psql_db() {
	local db=$1
	shift
	as_postgres "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres -d "$db" "$@"
}
value() { psql_db "$1" -At -c "$2"; }

###########################################################################
# The PostgreSQL 15 source cluster
###########################################################################

# The source server: PostgreSQL 15 from Debian 12's source package (the
# assert-enabled build of suite 62, test/pgdebug/build, cached), not Debian's
# 15.20 binaries: since 15.20 (a security release) every column carries a
# "pg_attver" attribute option, which the pg_dump of the 17 and 18 releases
# that Debian's archive serves here (17.11, 18.6) copy and their servers
# refuse, so no database of 15.20 upgrades to them (docs/operations.md).
OLD_BIN=$(bash test/pgdebug/build "${AP_PGDEBUG_PREFIX:-/var/cache/access_policy/pgdebug-15}" | tail -n 1)
[ -x "$OLD_BIN/postgres" ] || { not_ok "PostgreSQL 15 from Debian's source package could not be built"; exit 1; }
build_extension_for "$OLD_BIN/pg_config" "$SUITE_DIR/build15" || { not_ok "the extension does not build against it"; exit 1; }
PG_BINDIR=$OLD_BIN
OLD_DIR=$SUITE_DIR/old
mkdir -p "$OLD_DIR" && chown postgres: "$OLD_DIR"
OLD_PORT=$(free_port "${SUITE_PORT:-55700}") || exit 1
DIR=$OLD_DIR
PORT=$OLD_PORT
start_cluster "$DIR" "$PORT" fast || exit 1
as_postgres "$PG_BINDIR/createdb" -h "$DIR" -p "$PORT" src || exit 1
psql_db src -c 'CREATE EXTENSION access_policy' || exit 1
if psql_db src -f "$REPO_ROOT/test/demo_world.sql" >"$OUT/demo.out" 2>&1 \
	&& psql_db src -f "$REPO_ROOT/test/world/extra_state.sql" >"$OUT/extra.out" 2>&1; then
	ok "PostgreSQL $(value src 'SHOW server_version'): the demo world and the extra state loaded"
else
	cat "$OUT/demo.out" "$OUT/extra.out"
	not_ok "load the world"
	exit 1
fi
answers src "$OUT/before.tsv" || { not_ok "answers before the upgrade"; exit 1; }
AUDIT_BEFORE=$(value src "SELECT count(*) || ' rows, last id ' || max(id) FROM access_policy.audit_log")
EXT_BEFORE=$(value src "SELECT extversion FROM pg_extension WHERE extname = 'access_policy'")
stop_cluster "$OLD_DIR"

###########################################################################
# To every newer major version
###########################################################################

for V in ${AP_PG_VERSIONS:-17 18}; do
	PREFIX=/var/cache/access_policy/pg$V
	if ! NEW_BIN=$(test/pgsrc/build "$V" "$PREFIX" | tail -n 1) || [ ! -x "$NEW_BIN/pg_upgrade" ]; then
		not_ok "PostgreSQL $V could not be built"
		continue
	fi
	# the extension in the new installation (pg_upgrade checks that its library is there)
	if ! build_extension_for "$NEW_BIN/pg_config" "$SUITE_DIR/build$V"; then
		not_ok "the extension does not build against PostgreSQL $V"
		continue
	fi

	NEW_DIR=$SUITE_DIR/new$V
	mkdir -p "$NEW_DIR" && chown postgres: "$NEW_DIR"
	# as start_cluster made the source; 18 turns data checksums on by default, 15 had them off
	checksums=()
	[ "$V" -ge 18 ] && checksums=(--no-data-checksums)
	as_postgres "$NEW_BIN/initdb" -D "$NEW_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
		--no-sync "${checksums[@]}" >"$NEW_DIR/initdb.log" 2>&1 || { cat "$NEW_DIR/initdb.log"; not_ok "initdb $V"; continue; }
	NEW_PORT=$(free_port $((OLD_PORT + 10))) || exit 1
	# pg_upgrade writes its logs into the new data directory and needs a writable cwd
	upgrade=(env -C "$NEW_DIR" "$NEW_BIN/pg_upgrade" -b "$OLD_BIN" -B "$NEW_BIN" -d "$OLD_DIR/data" -D "$NEW_DIR/data"
		-p "$OLD_PORT" -P "$NEW_PORT" -s "$NEW_DIR" -U postgres --copy)
	if as_postgres "${upgrade[@]}" --check >"$OUT/check$V.out" 2>&1; then
		ok "15 -> $V: pg_upgrade --check"
	else
		cat "$OUT/check$V.out"
		not_ok "15 -> $V: pg_upgrade --check"
		continue
	fi
	if as_postgres "${upgrade[@]}" >"$OUT/upgrade$V.out" 2>&1; then
		ok "15 -> $V: pg_upgrade"
	else
		cat "$OUT/upgrade$V.out"
		find "$NEW_DIR/data" -name '*.log' -path '*pg_upgrade_output.d*' -exec tail -n 30 {} + 2>/dev/null
		not_ok "15 -> $V: pg_upgrade"
		continue
	fi

	DIR=$NEW_DIR
	PORT=$NEW_PORT
	SAVED_BIN=$PG_BINDIR
	PG_BINDIR=$NEW_BIN
	{
		echo "port = $PORT"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$DIR'"
		echo "lc_messages = 'C'"
	} >>"$DIR/data/postgresql.conf"
	if ! as_postgres "$PG_BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w start >/dev/null; then
		cat "$DIR/server.log"
		not_ok "15 -> $V: the upgraded cluster starts"
		PG_BINDIR=$SAVED_BIN
		continue
	fi
	AP_CLUSTERS+=("$DIR")
	check_v() { if "$@"; then ok "$LABEL"; else not_ok "$LABEL"; fi; }
	LABEL="15 -> $V: server $(value src 'SHOW server_version'), extension $(value src "SELECT extversion FROM pg_extension WHERE extname = 'access_policy'") (was $EXT_BEFORE)"
	check_v test "$(value src "SELECT extversion FROM pg_extension WHERE extname = 'access_policy'")" = "$EXT_BEFORE"
	AUDIT_AFTER=$(value src "SELECT count(*) || ' rows, last id ' || max(id) FROM access_policy.audit_log")
	LABEL="15 -> $V: audit log $AUDIT_AFTER (before: $AUDIT_BEFORE)"
	check_v test "$AUDIT_AFTER" = "$AUDIT_BEFORE"
	if answers src "$OUT/after$V.tsv"; then
		compare "$OUT/before.tsv" "$OUT/after$V.tsv" "pg$V"
		n_kinds=$(wc -l <"$OUT/compare_pg$V.out")
		LABEL="15 -> $V: $n_kinds kinds of answers compared (at least 30)"
		check_v test "$n_kinds" -ge 30
	else
		not_ok "15 -> $V: answers after the upgrade"
	fi
	# the upgraded database takes new work: the caches follow a change at the next statement
	LABEL="15 -> $V: a change after the upgrade is seen by the next statement of another session"
	created=$(value src "SELECT access_policy.create_org('After upgrade', 110) IS NOT NULL")
	seen=$(psql_db src -At <<<"BEGIN;
SELECT access_policy.set_user('maria') \\gset
SELECT access_policy.can(max(id), 'settings.view') FROM access_policy.orgs;
COMMIT;")
	check_v test "$created$seen" = "tt"
	stop_cluster "$DIR"
	PG_BINDIR=$SAVED_BIN
	DIR=$OLD_DIR
	PORT=$OLD_PORT
done

verdict
[ "$FAIL" -eq 0 ]
