#!/usr/bin/env bash
# test/suites/20-upgrade.sh -- upgrades from every earlier release.
#
# For every earlier release R (an install script sql/access_policy--R.sql
# that is not the newest): database "upgraded" gets CREATE EXTENSION
# access_policy VERSION 'R' and a world with rows in every table
# (test/upgrade/world.sql), then ALTER EXTENSION access_policy UPDATE, which
# follows the update scripts step by step to the newest version.  Database
# "fresh" gets CREATE EXTENSION access_policy.  Checked:
#   - the extension reaches the default version;
#   - the update kept every row of every table (counts and checksums) and
#     every answer of a sample of checks (test/upgrade/data.sql);
#   - the catalog of the extension's objects is identical in both databases
#     (test/upgrade/catalog.sql: functions with signatures and properties,
#     tables, columns, constraints, indexes, triggers, policies, views,
#     sequences, event triggers, grants, comments, pg_dump configuration);
#   - there is no way back: an update to the earlier version is refused;
#   - grants and dependants of the user's own survive the updates that
#     re-create (0.5.0) or move (0.6.0) functions.
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
start_cluster "$CLUSTER" "$PORT" fast >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
psql_db() { local db=$1; shift; as_postgres "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$CLUSTER" -p "$PORT" -U postgres -d "$db" "$@"; }

NEWEST=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" access_policy.control)
SHARE=$("$PG_CONFIG" --sharedir)/extension
RELEASES=$(ls "$SHARE"/access_policy--*.sql | sed -n 's|.*/access_policy--\([0-9.]*\)\.sql$|\1|p' | grep -vx "$NEWEST" | sort -V)
[ -n "$RELEASES" ] || { not_ok "no earlier release installed in $SHARE"; echo "$PASS passed, $FAIL failed"; exit 1; }

psql_db postgres -c "CREATE DATABASE fresh" || exit 1
psql_db fresh -c "CREATE EXTENSION access_policy" || exit 1
psql_db fresh -f test/upgrade/catalog.sql >"$SUITE_DIR/fresh.catalog" || exit 1
[ "$(wc -l <"$SUITE_DIR/fresh.catalog")" -gt 100 ] && ok "catalog of a fresh $NEWEST install: $(wc -l <"$SUITE_DIR/fresh.catalog") lines" \
	|| not_ok "the catalog query found too little in a fresh install"

for r in $RELEASES; do
	db=upgraded_${r//./_}
	psql_db postgres -c "CREATE DATABASE $db" >/dev/null || exit 1
	psql_db "$db" -c "CREATE EXTENSION access_policy VERSION '$r'" >/dev/null || { not_ok "CREATE EXTENSION VERSION '$r'"; continue; }
	if psql_db "$db" -f test/upgrade/world.sql >"$SUITE_DIR/$db.world.out" 2>&1; then
		ok "$r: world loaded"
	else
		not_ok "$r: loading the world failed"; cat "$SUITE_DIR/$db.world.out"; continue
	fi
	psql_db "$db" -f test/upgrade/data.sql >"$SUITE_DIR/$db.before" || { not_ok "$r: data before"; continue; }
	path=$(psql_db "$db" -At -c "SELECT path FROM pg_extension_update_paths('access_policy') WHERE source = '$r' AND target = '$NEWEST'")
	if [ -n "$path" ]; then ok "$r: update path $path"; else not_ok "$r: no update path to $NEWEST"; continue; fi
	psql_db "$db" -c "ALTER EXTENSION access_policy UPDATE" || { not_ok "$r: ALTER EXTENSION UPDATE failed"; continue; }
	v=$(psql_db "$db" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'access_policy'")
	[ "$v" = "$NEWEST" ] && ok "$r: updated to $v" || not_ok "$r: at version $v after the update, not $NEWEST"
	psql_db "$db" -f test/upgrade/data.sql >"$SUITE_DIR/$db.after" || { not_ok "$r: data after"; continue; }
	n=$(grep -c '' "$SUITE_DIR/$db.before")
	if [ "$n" -gt 100 ] && diff -u "$SUITE_DIR/$db.before" "$SUITE_DIR/$db.after"; then
		ok "$r: every table's rows and $(grep -vc '^table ' "$SUITE_DIR/$db.before") answers unchanged by the update"
	else
		not_ok "$r: the update changed data or answers"
	fi
	psql_db "$db" -f test/upgrade/catalog.sql >"$SUITE_DIR/$db.catalog" || { not_ok "$r: catalog"; continue; }
	if diff -u "$SUITE_DIR/fresh.catalog" "$SUITE_DIR/$db.catalog"; then
		ok "$r: catalog after the update = fresh install ($(wc -l <"$SUITE_DIR/$db.catalog") lines)"
	else
		not_ok "$r: catalog after the update differs from a fresh install (diff above: - fresh, + upgraded)"
	fi
	if out=$(psql_db "$db" -c "ALTER EXTENSION access_policy UPDATE TO '$r'" 2>&1); then
		not_ok "$r: an update back to $r was accepted"
	elif grep -q 'has no update path' <<<"$out"; then
		ok "$r: no way back ($out)"
	else
		not_ok "$r: update back failed oddly: $out"
	fi
done

# 0.5.0 re-creates functions whose argument lists changed (create_org,
# create_resource, protect_table, explain, explain_resource): what a DBA
# granted on them before the update is granted on them after it, and
# nothing more (PUBLIC gets nothing it did not have)
if grep -qx 0.4.0 <<<"$RELEASES"; then
	psql_db postgres -c "CREATE DATABASE grants_kept" >/dev/null || exit 1
	psql_db grants_kept -q -c "CREATE EXTENSION access_policy VERSION '0.4.0'" \
		-c "CREATE ROLE upg_app; CREATE ROLE upg_admin; CREATE ROLE upg_other" \
		-c "GRANT EXECUTE ON FUNCTION access_policy.create_org(text, bigint, bigint),
				access_policy.create_resource(bigint, text, text, bigint) TO upg_app" \
		-c "GRANT EXECUTE ON FUNCTION access_policy.protect_table(regclass, name, text, text, name, boolean)
				TO upg_admin WITH GRANT OPTION" \
		-c "GRANT SELECT ON access_policy.members TO upg_app WITH GRANT OPTION" \
		-c "ALTER EXTENSION access_policy UPDATE" >/dev/null || { not_ok "grants: update from 0.4.0"; }
	got=$(psql_db grants_kept -At -c "
		SELECT string_agg(r || ' ' || f || ' ' || has_function_privilege(r, f, 'EXECUTE')
						  || ' ' || has_function_privilege(r, f, 'EXECUTE WITH GRANT OPTION'), ', ' ORDER BY r, f)
		  FROM unnest(ARRAY['upg_app', 'upg_admin', 'upg_other']) r,
			   unnest(ARRAY['access_policy.create_org(text,bigint,bigint,text)',
							'access_policy.create_resource(bigint,text,text,bigint,text)',
							'access_policy.protect_table(regclass,name,text,text,name,boolean,boolean)']) f")
	want="upg_admin access_policy.create_org(text,bigint,bigint,text) false false, upg_admin access_policy.create_resource(bigint,text,text,bigint,text) false false, upg_admin access_policy.protect_table(regclass,name,text,text,name,boolean,boolean) true true, upg_app access_policy.create_org(text,bigint,bigint,text) true false, upg_app access_policy.create_resource(bigint,text,text,bigint,text) true false, upg_app access_policy.protect_table(regclass,name,text,text,name,boolean,boolean) false false, upg_other access_policy.create_org(text,bigint,bigint,text) false false, upg_other access_policy.create_resource(bigint,text,text,bigint,text) false false, upg_other access_policy.protect_table(regclass,name,text,text,name,boolean,boolean) false false"
	got+=" | members: $(psql_db grants_kept -At -c "SELECT has_table_privilege('upg_app', 'access_policy.members', 'SELECT WITH GRANT OPTION'), has_table_privilege('upg_other', 'access_policy.members', 'SELECT WITH GRANT OPTION'), has_table_privilege('upg_other', 'access_policy.members', 'SELECT')")"
	want+=" | members: t|f|t"
	if [ "$got" = "$want" ]; then
		ok "grants on the functions and views 0.5.0 re-creates carry over from 0.4.0 (and no more)"
	else
		not_ok "grants after the update from 0.4.0: got '$got', want '$want'"
	fi
	psql_db postgres -q -c "DROP DATABASE grants_kept" -c "DROP ROLE upg_app, upg_admin, upg_other" >/dev/null
fi

# 0.6.0 moves the internals to access_policy_internal without re-creating
# anything: grants on API functions, RLS policies and views of the user's own
# that depend on the extension, and the administration functions (which call
# internals) keep working; the API schema holds no internal afterwards
if grep -qx 0.5.0 <<<"$RELEASES"; then
	psql_db postgres -c "CREATE DATABASE moved_internals" >/dev/null || exit 1
	psql_db moved_internals -q -c "CREATE EXTENSION access_policy VERSION '0.5.0'" \
		-c "CREATE ROLE upg6_app" \
		-c "GRANT EXECUTE ON FUNCTION access_policy.create_org(text, bigint, bigint, text) TO upg6_app" \
		-c "GRANT EXECUTE ON FUNCTION access_policy.unprotect_table(regclass) TO upg6_app WITH GRANT OPTION" \
		-c "CREATE TABLE notes (org_id bigint NOT NULL, body text)" -c "CREATE INDEX ON notes (org_id)" \
		-c "SELECT access_policy.protect_table('notes', 'org_id', 'settings.view', 'settings.edit')" \
		-c "CREATE VIEW my_members AS SELECT * FROM access_policy.members" \
		-c "ALTER EXTENSION access_policy UPDATE" >/dev/null || not_ok "moved internals: update from 0.5.0"
	got=$(psql_db moved_internals -At -c "
		SELECT (SELECT count(*) FROM pg_proc WHERE pronamespace = 'access_policy'::regnamespace AND proname LIKE '\_%')
			   || ' ' || (SELECT count(*) FROM pg_class WHERE relnamespace = 'access_policy'::regnamespace AND relname LIKE '\_%')
			   || ' ' || (SELECT count(*) FROM pg_proc WHERE pronamespace = 'access_policy_internal'::regnamespace)
			   || ' ' || has_function_privilege('upg6_app', 'access_policy.create_org(text,bigint,bigint,text)', 'EXECUTE')
			   || ' ' || has_function_privilege('upg6_app', 'access_policy.unprotect_table(regclass)', 'EXECUTE WITH GRANT OPTION')
			   || ' ' || has_function_privilege('public', 'access_policy.unprotect_table(regclass)', 'EXECUTE')
			   || ' ' || (SELECT count(*) FROM pg_policies WHERE tablename = 'notes' AND coalesce(qual, with_check) LIKE '%access_policy.can(%')
			   || ' ' || (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'notes'::regclass AND tgname = 'access_policy_support_activity')
			   || ' ' || (SELECT count(*) FROM my_members)
			   || ' ' || (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'access_policy'::regnamespace
							AND p.prosrc LIKE '%access_policy.\_%')" \
		-c "SELECT access_policy.create_user('upg6_alice') IS NOT NULL" \
		-c "SELECT access_policy.create_org('Upgraded', NULL, 9600) IS NOT NULL" \
		-c "SELECT access_policy.assign_role('upg6_alice', 9600, 'Admin') IS NOT NULL" \
		-c "BEGIN" -c "SELECT access_policy.set_user('upg6_alice')" -q \
		-c "SELECT access_policy.can(9600, 'members.manage')" -c "COMMIT" 2>&1 | tr '\n' ' ')
	want="0 0 70 true true false 4 1 0 0 t t t  t "
	if [ "$got" = "$want" ]; then
		ok "0.5.0 -> newest: internals moved (70 functions in 0.7.0), grants (also on the re-created functions), RLS policies and views kept, the support activity trigger added to a table protected before, administration works"
	else
		not_ok "moved internals: got '$got', want '$want'"
	fi
	psql_db postgres -q -c "DROP DATABASE moved_internals" -c "DROP ROLE upg6_app" >/dev/null
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
