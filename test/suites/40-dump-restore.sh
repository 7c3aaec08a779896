#!/usr/bin/env bash
# test/suites/40-dump-restore.sh -- pg_dump / pg_restore keep every answer and the audit log
#
# Why this suite exists: users back up with pg_dump and
# restore with pg_restore.  The policy data lives in extension tables, which
# pg_dump only dumps because of pg_extension_config_dump, and a restore runs
# CREATE EXTENSION first: the install script inserts the built-in
# permissions, roles and permission sets again, and the extension's own
# triggers (audit, guards, cache invalidation) already exist while the data is
# loaded -- unlike a user table's triggers, which pg_restore creates after the
# data.  So a restore can lose changes to built-in rows (a permission added
# to or removed from Admin/Editor/Viewer, a vendor flag on a built-in
# permission), fail on their primary keys, or write an audit row for every
# restored row and then collide with the restored audit log.
#
# The suite loads the demo world (test/demo_world.sql, as test/demo does)
# plus state the demo does not have -- a permission removed from a built-in
# role, a vendor flag on a built-in permission, another custom role, expired
# and future assignments and grants, a support override, a pending
# invitation, a mapped login, audit rows with reasons and deletions, parents
# stored after their children -- dumps it with pg_dump -Fc, restores it into
# a fresh database the documented way, and compares, for every user (plus
# an unknown one and nobody): every check, list, explain, introspection and
# view answer, the RLS-protected rows, and every policy table including the
# audit log, as full result sets with EXCEPT ALL both ways.  Then the same
# new objects are created in both databases and must get the same ids (the
# sequences continued).  Last, a plain pg_restore without the documented
# option must not silently succeed with a different audit log.
#
# Run by test/run (see run_extra_suites there) with SUITE_DIR, SUITE_PORT and
# AP_PG_BINDIR set; prints "N passed, M failed" last.

set -uo pipefail

# shellcheck source=test/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=test/answers.sh
. "$(dirname "${BASH_SOURCE[0]}")/../answers.sh"

require_root "test/suites/40-dump-restore.sh"
install_cleanup_trap

: "${SUITE_DIR:?SUITE_DIR is not set}"
PASS=0
FAIL=0
VERDICT_DONE=0
verdict() { echo "$PASS passed, $FAIL failed"; VERDICT_DONE=1; }
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
# check NAME COMMAND...: the command's success is the verdict
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
# the verdict is the last line even when the script stops early
finish_early() { [ "$1" -eq 0 ] || [ "$VERDICT_DONE" = 1 ] || { FAIL=$((FAIL + 1)); verdict; }; }
AP_EXIT_HOOK=finish_early

DIR=$SUITE_DIR/cluster
OUT=$SUITE_DIR/out
mkdir -p "$DIR" "$OUT" && chown postgres: "$DIR" "$OUT"
PORT=$(free_port "${SUITE_PORT:-55600}") || exit 1
start_cluster "$DIR" "$PORT" fast || exit 1

psql_db() {
	local db=$1
	shift
	as_postgres "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres -d "$db" "$@"
}
value() { psql_db "$1" -At -c "$2"; }

###########################################################################
# The source database: the demo world and more
###########################################################################

as_postgres "$PG_BINDIR/createdb" -h "$DIR" -p "$PORT" src || exit 1
psql_db src -c 'CREATE EXTENSION access_policy' || exit 1
# the demo's own walk-through provokes (and shows) one refused call
psql_db src -f "$REPO_ROOT/test/demo_world.sql" >"$OUT/demo.out" 2>&1 || {
	cat "$OUT/demo.out"
	not_ok "load test/demo_world.sql"
	exit 1
}
ok "the demo world loaded"

psql_db src -f "$REPO_ROOT/test/world/extra_state.sql" >"$OUT/extra.out" 2>&1 \
	|| { cat "$OUT/extra.out"; not_ok "load the extra state"; exit 1; }
ok "the extra state loaded"

# the extra state is really there
check "source: Admin carries form.view, Viewer lost integrations.view, integrations.edit is support_never" \
	test "$(value src "SELECT (SELECT count(*) FROM access_policy.role_permissions WHERE role_id = 1 AND permission = 'form.view')
		|| ',' || (SELECT count(*) FROM access_policy.role_permissions WHERE role_id = 3 AND permission = 'integrations.view')
		|| ',' || (SELECT support_never FROM access_policy.permissions WHERE name = 'integrations.edit')")" = "1,0,true"

###########################################################################
# Every answer, as rows (kind, who, k1, k2, k3, answer)
###########################################################################

answers src "$OUT/src.tsv" || { not_ok "answers of the source database"; exit 1; }
AUDIT_SRC=$(value src "SELECT count(*) || ' rows, last id ' || max(id) FROM access_policy.audit_log")

###########################################################################
# Dump, and restore the documented way
###########################################################################

DUMP=$OUT/src.dump
if as_postgres "$PG_BINDIR/pg_dump" -h "$DIR" -p "$PORT" -U postgres -Fc -f "$DUMP" src 2>"$OUT/dump.err"; then
	ok "pg_dump -Fc"
else
	cat "$OUT/dump.err"
	not_ok "pg_dump -Fc"
	exit 1
fi

as_postgres "$PG_BINDIR/createdb" -h "$DIR" -p "$PORT" dst || exit 1
# the documented restore: replica mode, so that the extension's audit,
# guard and invalidation triggers do not fire for restored rows
if as_postgres env PGOPTIONS='-c session_replication_role=replica' "$PG_BINDIR/pg_restore" \
	-h "$DIR" -p "$PORT" -U postgres -d dst "$DUMP" 2>"$OUT/restore.err" && [ ! -s "$OUT/restore.err" ]; then
	ok "PGOPTIONS='-c session_replication_role=replica' pg_restore: no error"
else
	cat "$OUT/restore.err"
	not_ok "PGOPTIONS='-c session_replication_role=replica' pg_restore: no error"
fi

check "restored: Admin carries form.view, Viewer lacks integrations.view, integrations.edit is support_never" \
	test "$(value dst "SELECT (SELECT count(*) FROM access_policy.role_permissions WHERE role_id = 1 AND permission = 'form.view')
		|| ',' || (SELECT count(*) FROM access_policy.role_permissions WHERE role_id = 3 AND permission = 'integrations.view')
		|| ',' || (SELECT support_never FROM access_policy.permissions WHERE name = 'integrations.edit')")" = "1,0,true"
AUDIT_DST=$(value dst "SELECT count(*) || ' rows, last id ' || max(id) FROM access_policy.audit_log")
check "audit log after the restore: $AUDIT_DST (source: $AUDIT_SRC)" test "$AUDIT_DST" = "$AUDIT_SRC"

answers dst "$OUT/dst.tsv" || not_ok "answers of the restored database"

# the same with a parallel restore: our three tables with built-in rows may
# load in any order.  pg_restore -j does not know that a user table's foreign
# key to an extension table (demo.responses -> access_policy.orgs) needs that
# table's data, so the documented parallel restore loads the data before it
# runs the post-data section.
as_postgres "$PG_BINDIR/createdb" -h "$DIR" -p "$PORT" dst_parallel || exit 1
if as_postgres env PGOPTIONS='-c session_replication_role=replica' "$PG_BINDIR/pg_restore" -j 2 \
	--section=pre-data --section=data -h "$DIR" -p "$PORT" -U postgres -d dst_parallel "$DUMP" \
	2>"$OUT/restore_parallel.err" \
	&& as_postgres env PGOPTIONS='-c session_replication_role=replica' "$PG_BINDIR/pg_restore" -j 2 \
	--section=post-data -h "$DIR" -p "$PORT" -U postgres -d dst_parallel "$DUMP" \
	2>>"$OUT/restore_parallel.err" \
	&& [ ! -s "$OUT/restore_parallel.err" ]; then
	ok "the same with pg_restore -j 2 (pre-data and data, then post-data): no error"
else
	cat "$OUT/restore_parallel.err"
	not_ok "the same with pg_restore -j 2 (pre-data and data, then post-data): no error"
fi
answers dst_parallel "$OUT/dst_parallel.tsv" || not_ok "answers of the database restored in parallel"

###########################################################################
# Compare: per kind, EXCEPT ALL both ways
###########################################################################

compare "$OUT/src.tsv" "$OUT/dst.tsv" restored
compare "$OUT/src.tsv" "$OUT/dst_parallel.tsv" parallel
# kinds that must have answered (a kind missing on both sides would not show)
n_kinds=$(wc -l <"$OUT/compare_restored.out")
check "restored: $n_kinds kinds of answers compared (at least 30)" test "$n_kinds" -ge 30
# not trivial: some checks answer true, some false
check "source: checks answer both true and false" \
	test "$(cut -f1,6 "$OUT/src.tsv" | grep -E '^can' | cut -f2 | sort -u | tr '\n' ,)" = "false,true,"

###########################################################################
# Sequences continue: the same new objects get the same ids on both sides
###########################################################################

NEW_OBJECTS="
SELECT 'org ' || access_policy.create_org('After restore', 110);
SELECT 'role ' || access_policy.create_role(100, 'After restore', ARRAY['reviews.view']);
SELECT 'assignment ' || access_policy.assign_role('frank', 120, 'After restore');
SELECT 'resource ' || access_policy.create_resource(110, 'page', 'After restore',
	(SELECT min(id) FROM access_policy.resources WHERE kind = 'app'));
SELECT access_policy.grant_resource((SELECT max(id) FROM access_policy.resources), 'Viewer', ARRAY[120::bigint]);
SELECT 'grant ' || max(id) FROM access_policy.resource_grants;
BEGIN;
SELECT access_policy.set_user('maria') \\gset
SELECT 'invitation ' || split_part(access_policy.invite(100, 'newbie@example.com', 'Viewer'), '.', 1);
COMMIT;
SELECT 'audit ' || count(*) || ' ' || max(id) FROM access_policy.audit_log;
"
new_src=$(psql_db src -At <<<"$NEW_OBJECTS" 2>&1)
new_dst=$(psql_db dst -At <<<"$NEW_OBJECTS" 2>&1)
echo "$new_dst" | sed 's/^/    /'
check "restored: new org, role, assignment, resource, grant, invitation and audit rows get the ids they get in the source" \
	test "$new_dst" = "$new_src"
check "restored: all of them were created (no error)" \
	test "$(grep -c '^\(org\|role\|assignment\|resource\|grant\|invitation\|audit\) [0-9]' <<<"$new_dst")" = 7

###########################################################################
# A plain pg_restore (no replica mode) must not silently diverge
###########################################################################

as_postgres "$PG_BINDIR/createdb" -h "$DIR" -p "$PORT" dst_plain || exit 1
as_postgres "$PG_BINDIR/pg_restore" -h "$DIR" -p "$PORT" -U postgres -d dst_plain "$DUMP" >"$OUT/plain.err" 2>&1
plain_rc=$?
AUDIT_PLAIN=$(value dst_plain "SELECT count(*) || ' rows, last id ' || max(id) FROM access_policy.audit_log")
echo "    plain pg_restore: exit status $plain_rc, audit log $AUDIT_PLAIN; $(grep -m1 ERROR "$OUT/plain.err")"
check "plain pg_restore either fails (exit status $plain_rc) or keeps the audit log" \
	test "$plain_rc" -ne 0 -o "$AUDIT_PLAIN" = "$AUDIT_SRC"

stop_cluster "$DIR"
verdict
[ "$FAIL" -eq 0 ]
