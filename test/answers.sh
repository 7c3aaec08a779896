# test/answers.sh -- every answer of a database, and a comparison of two such sets.
#
# Sourced by the suites that move a database with the demo world and
# test/world/extra_state.sql and must keep every answer (40-dump-restore:
# pg_dump/pg_restore; 72-pg-upgrade: pg_upgrade to a newer major version).
# The caller defines psql_db DB ARGS..., value DB SQL, ok, not_ok, and the
# variables OUT (output directory), DIR and PORT (the cluster) and PG_BINDIR.

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
INSERT INTO results SELECT 'can_key', '$q', o.key, p.name, NULL, access_policy.can_key(o.key, p.name)
  FROM access_policy.orgs o CROSS JOIN access_policy.permissions p WHERE o.key IS NOT NULL;
INSERT INTO results SELECT 'org_keys_with', '$q', p.name, NULL, NULL, to_jsonb(access_policy.org_keys_with(p.name))
  FROM access_policy.permissions p WHERE EXISTS (SELECT FROM access_policy.key_types t WHERE t.kind = 'org');
INSERT INTO results SELECT 'can_resource_key', '$q', r.key, p.name, NULL, access_policy.can_resource_key(r.key, p.name)
  FROM access_policy.resources r CROSS JOIN access_policy.permissions p WHERE r.key IS NOT NULL;
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
INSERT INTO results SELECT 'rls by key', '$q', NULL, NULL, NULL, to_jsonb(n) FROM demo.keyed_notes n;
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
		invitations key_types retired_keys audit_log; do
		sql+="INSERT INTO results SELECT 'table $t', NULL, NULL, NULL, NULL, to_jsonb(x) FROM access_policy.$t x;
"
	done
	sql+="INSERT INTO results SELECT 'table demo.responses', NULL, NULL, NULL, NULL, to_jsonb(x) FROM demo.responses x;
INSERT INTO results SELECT 'table demo.keyed_notes', NULL, NULL, NULL, NULL, to_jsonb(x) FROM demo.keyed_notes x;
\\copy results TO '$file'
"
	psql_db "$db" <<<"$sql"
}

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
