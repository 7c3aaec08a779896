#!/usr/bin/env bash
# test/suites/40-dump-restore.sh -- pg_dump / pg_restore keep every answer and the audit log
#
# Why this suite exists (issue #7, item 4): users back up with pg_dump and
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

psql_db src >"$OUT/extra.out" 2>&1 <<'SQL' || { cat "$OUT/extra.out"; not_ok "load the extra state"; exit 1; }
\set ON_ERROR_STOP 1
-- built-in rows changed: Viewer loses integrations.view (the demo already
-- added app_platform.view and form.view to Admin), and the vendor never lets
-- support staff edit integrations
SELECT access_policy.set_role_permissions(3, ARRAY(
	SELECT rp.permission FROM access_policy.role_permissions rp
	 WHERE rp.role_id = 3 AND rp.permission <> 'integrations.view'));
SELECT access_policy.set_permission_support('integrations.edit', support_read => false, support_never => true);
-- a custom role defined lower in the tree
SELECT access_policy.create_role(110, 'Clinic Lead', ARRAY['responses.view', 'responses.write', 'settings.view'],
								 'runs a clinic');
SELECT access_policy.assign_role('nina', 112, 'Clinic Lead');
-- a future and an expired assignment
SELECT access_policy.assign_role('frank', 110, 'Viewer', valid_from => now() + interval '3 days');
SELECT access_policy.assign_role('omar', 120, 'Viewer') AS omar_120 \gset
UPDATE access_policy.assignments SET valid_from = now() - interval '10 days', expires_at = now() - interval '1 day'
 WHERE id = :omar_120;
-- grants: time-limited, expired, and not yet valid
SELECT id AS fleet FROM access_policy.resources WHERE name = 'Fleet Inspections' \gset
SELECT id AS daily FROM access_policy.resources WHERE name = 'Daily inspection' \gset
SELECT id AS incident FROM access_policy.resources WHERE name = 'Incident report' \gset
SELECT access_policy.grant_resource(:fleet, 'Auditor', ARRAY[110::bigint], expires_at => now() + interval '30 days');
SELECT access_policy.grant_resource(:incident, 'Viewer', ARRAY[110::bigint]);
UPDATE access_policy.resource_grants SET valid_from = now() - interval '5 days', expires_at = now() - interval '2 days'
 WHERE resource_id = :incident;
SELECT access_policy.grant_resource(:daily, 'App Builder', ARRAY[112::bigint]);
UPDATE access_policy.resource_grants SET valid_from = now() + interval '2 days' WHERE resource_id = :daily;
-- parents stored after their children: renaming the apps moves their rows
UPDATE access_policy.resources SET name = name || ' v2' WHERE kind = 'app';
UPDATE access_policy.orgs SET name = name || ' Group' WHERE id = 100;
-- vendor break-glass override (the system is a member of every role)
CREATE ROLE access_policy_support_override;
SELECT access_policy.override_support_access(112, 'write', 'incident 99', interval '4 hours');
-- a pending invitation
BEGIN;
SELECT access_policy.set_user('paula') \gset
SELECT access_policy.invite(111, 'rita@contoso.example', 'Viewer') AS rita_token \gset
COMMIT;
-- a psql administrator mapped to maria
CREATE ROLE dba_maria LOGIN;
SELECT access_policy.map_login('dba_maria', 'maria');
-- audit rows with a reason, and deletions
BEGIN;
SET LOCAL access_policy.audit_reason = 'quarterly access review';
SELECT access_policy.rename_org(120, 'Fabrikam Logistics GmbH');
SELECT access_policy.revoke_role('eddie', 110, 'Editor');
COMMIT;
SQL
ok "the extra state loaded"

# the extra state is really there
check "source: Admin carries form.view, Viewer lost integrations.view, integrations.edit is support_never" \
	test "$(value src "SELECT (SELECT count(*) FROM access_policy.role_permissions WHERE role_id = 1 AND permission = 'form.view')
		|| ',' || (SELECT count(*) FROM access_policy.role_permissions WHERE role_id = 3 AND permission = 'integrations.view')
		|| ',' || (SELECT support_never FROM access_policy.permissions WHERE name = 'integrations.edit')")" = "1,0,true"

###########################################################################
# Every answer, as rows (kind, who, k1, k2, k3, answer)
###########################################################################

# answers DB FILE: write every answer of DB into FILE (run in a new session,
# so the cache is built from the restored tables).
answers() {
	local db=$1 file=$2 u q sql users
	users=$(value "$db" "SELECT id FROM access_policy.users ORDER BY id") || return 1
	sql="\\set ON_ERROR_STOP 1
CREATE TEMP TABLE results (kind text, who text, k1 text, k2 text, k3 text, answer text);
GRANT INSERT ON results TO demo_app;
"
	for u in $users ghost ''; do
		q=${u:-(nobody)}
		sql+="BEGIN;
"
		[ -n "$u" ] && sql+="SELECT access_policy.set_user('$u') \\gset
"
		sql+="INSERT INTO results SELECT 'can', '$q', o.id, p.name, NULL, access_policy.can(o.id, p.name)
  FROM access_policy.orgs o CROSS JOIN access_policy.permissions p;
INSERT INTO results SELECT 'can_resource', '$q', r.id, p.name, NULL, access_policy.can_resource(r.id, p.name)
  FROM access_policy.resources r CROSS JOIN access_policy.permissions p;
INSERT INTO results SELECT 'can_action', '$q', r.id, a.action, NULL, access_policy.can_action(r.id, a.action)
  FROM access_policy.resources r CROSS JOIN (SELECT DISTINCT action FROM access_policy.kind_actions) a;
INSERT INTO results SELECT 'can_row', '$q', o.id, r.id, p.name, access_policy.can_row(o.id, r.id, p.name)
  FROM access_policy.orgs o CROSS JOIN (SELECT id FROM access_policy.resources UNION ALL SELECT NULL) r
 CROSS JOIN access_policy.permissions p;
INSERT INTO results SELECT 'orgs_with', '$q', p.name, NULL, NULL, access_policy.orgs_with(p.name)
  FROM access_policy.permissions p;
INSERT INTO results SELECT 'resources_with', '$q', r.id, p.name, NULL, access_policy.resources_with(r.id, p.name)
  FROM access_policy.resources r CROSS JOIN access_policy.permissions p;
INSERT INTO results SELECT 'resources_allowing', '$q', r.id, a.action, NULL, access_policy.resources_allowing(r.id, a.action)
  FROM access_policy.resources r CROSS JOIN (SELECT DISTINCT action FROM access_policy.kind_actions) a;
INSERT INTO results SELECT 'current_user_id', '$q', NULL, NULL, NULL, access_policy.current_user_id();
"
		# introspection about oneself (an acting user may always ask)
		[ -n "$u" ] && sql+="INSERT INTO results SELECT 'explain', '$q', o.id, p.name, NULL, to_jsonb(e)
  FROM access_policy.orgs o CROSS JOIN access_policy.permissions p
 CROSS JOIN LATERAL access_policy.explain(p.name, o.id) e;
INSERT INTO results SELECT 'explain_resource', '$q', r.id, p.name, NULL, to_jsonb(e)
  FROM access_policy.resources r CROSS JOIN access_policy.permissions p
 CROSS JOIN LATERAL access_policy.explain_resource(p.name, r.id) e;
INSERT INTO results SELECT 'effective_permissions', '$q', o.id, NULL, NULL, to_jsonb(e)
  FROM access_policy.orgs o CROSS JOIN LATERAL access_policy.effective_permissions(o.id) e;
INSERT INTO results SELECT 'effective_resource_permissions', '$q', r.id, NULL, NULL, to_jsonb(e)
  FROM access_policy.resources r CROSS JOIN LATERAL access_policy.effective_resource_permissions(r.id) e;
INSERT INTO results SELECT 'support_access_status', '$q', s.org_id, NULL, NULL, to_jsonb(s) - 'remaining' - 'summary'
  FROM access_policy.support_access_status s;
INSERT INTO results SELECT 'my_support_orgs', '$q', m.org_id, NULL, NULL, to_jsonb(m) - 'remaining' - 'summary'
  FROM access_policy.my_support_orgs() m
 WHERE EXISTS (SELECT FROM access_policy.users u WHERE u.id = '$u' AND u.is_support_staff);
INSERT INTO results SELECT 'members', '$q', m.org_id, m.user_id, m.role, to_jsonb(m) FROM access_policy.members m;
INSERT INTO results SELECT 'sent_invitations', '$q', s.id, NULL, NULL, to_jsonb(s) FROM access_policy.sent_invitations s;
INSERT INTO results SELECT 'pending_invitations', '$q', p.id, NULL, NULL, to_jsonb(p) - 'time_left'
  FROM access_policy.pending_invitations p;
"
		# the tenant table through RLS, as the application role
		sql+="SET LOCAL ROLE demo_app;
INSERT INTO results SELECT 'rls', '$q', r.id, NULL, NULL, to_jsonb(r) FROM demo.responses r;
COMMIT;
"
	done
	# asked by the system (a superuser acting as nobody)
	sql+="INSERT INTO results SELECT 'who_can', '(system)', o.id, p.name, NULL, to_jsonb(w)
  FROM access_policy.orgs o CROSS JOIN access_policy.permissions p
 CROSS JOIN LATERAL access_policy.who_can(p.name, o.id) w;
INSERT INTO results SELECT 'who_can_resource', '(system)', r.id, p.name, NULL, to_jsonb(w)
  FROM access_policy.resources r CROSS JOIN access_policy.permissions p
 CROSS JOIN LATERAL access_policy.who_can_resource(p.name, r.id) w;
INSERT INTO results SELECT 'support_status', '(system)', o.id, NULL, NULL, to_jsonb(s) - 'remaining' - 'summary'
  FROM access_policy.orgs o CROSS JOIN LATERAL access_policy.support_status(o.id) s;
"
	# every policy table, row by row (the audit log with its ids and times)
	for t in users orgs permissions roles role_permissions assignments resource_kinds kind_actions \
		resources resource_grants login_roles protected_tables support_settings support_overrides \
		invitations audit_log; do
		sql+="INSERT INTO results SELECT 'table $t', NULL, NULL, NULL, NULL, to_jsonb(x) FROM access_policy.$t x;
"
	done
	sql+="INSERT INTO results SELECT 'table demo.responses', NULL, NULL, NULL, NULL, to_jsonb(x) FROM demo.responses x;
\\copy results TO '$file'
"
	psql_db "$db" <<<"$sql"
}

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

# compare FILE_A FILE_B LABEL -- one test per kind of answer
compare() {
	local a=$1 b=$2 label=$3 line kind n missing extra
	as_postgres "$PG_BINDIR/createdb" -h "$DIR" -p "$PORT" "cmp_$label" || return 1
	psql_db "cmp_$label" -At -F ' ' >"$OUT/compare_$label.out" <<SQL
CREATE TABLE a (kind text, who text, k1 text, k2 text, k3 text, answer text);
CREATE TABLE b (LIKE a);
\\copy a FROM '$a'
\\copy b FROM '$b'
WITH missing AS (SELECT * FROM a EXCEPT ALL SELECT * FROM b),
	 extra AS (SELECT * FROM b EXCEPT ALL SELECT * FROM a),
	 kinds AS (SELECT kind FROM a UNION SELECT kind FROM b)
SELECT replace(k.kind, ' ', '_'),
	   (SELECT count(*) FROM a WHERE a.kind = k.kind),
	   (SELECT count(*) FROM missing m WHERE m.kind = k.kind),
	   (SELECT count(*) FROM extra e WHERE e.kind = k.kind)
  FROM kinds k ORDER BY 1;
SQL
	while read -r kind n missing extra; do
		if [ "$missing" = 0 ] && [ "$extra" = 0 ] && [ "$n" -gt 0 ]; then
			ok "$label: $kind: $n rows, identical"
		else
			not_ok "$label: $kind: $n rows in the source, $missing missing, $extra extra"
			psql_db "cmp_$label" -c "(SELECT 'missing' AS d, * FROM (SELECT * FROM a WHERE kind = '${kind//_/ }' EXCEPT ALL SELECT * FROM b WHERE kind = '${kind//_/ }') x LIMIT 10)
				UNION ALL (SELECT 'extra', * FROM (SELECT * FROM b WHERE kind = '${kind//_/ }' EXCEPT ALL SELECT * FROM a WHERE kind = '${kind//_/ }') y LIMIT 10)"
		fi
	done <"$OUT/compare_$label.out"
}

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
