-- audit: every change of policy data writes one audit_log row per changed row,
-- in the same transaction, saying who (access_policy user and PostgreSQL role),
-- what (table, id, row before and after) and why (access_policy.audit_reason).
-- The log is append-only.
\set VERBOSITY terse
\set SHOW_CONTEXT never
SET TIME ZONE 'UTC';

-- Helpers.  Ids that come from sequences are shown by the names this file gives
-- them (<...>), timestamps are left out, and the superuser running the test is
-- shown as (superuser).
CREATE TABLE audit_names (kind text, id bigint, name text, PRIMARY KEY (kind, id));
INSERT INTO audit_names VALUES ('role', 1, 'Admin'), ('role', 2, 'Editor'), ('role', 3, 'Viewer');
CREATE FUNCTION audit_name(kind text, id text) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT COALESCE((SELECT '<' || n.name || '>' FROM audit_names n WHERE n.kind = $1 AND n.id::text = $2), $2)
$$;
CREATE FUNCTION audit_clean(tbl text, j jsonb) RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_object_agg(e.key,
			CASE WHEN k.kind IS NOT NULL AND jsonb_typeof(e.value) = 'number'
				 THEN to_jsonb(audit_name(k.kind, e.value #>> '{}')) ELSE e.value END)
	  FROM jsonb_each(j) e
	  LEFT JOIN (VALUES ('roles', 'id', 'role'), ('role_permissions', 'role_id', 'role'),
						('assignments', 'id', 'assignment'), ('assignments', 'role_id', 'role'),
						('resources', 'id', 'resource'), ('resources', 'parent_id', 'resource'),
						('resource_grants', 'id', 'grant'), ('resource_grants', 'resource_id', 'resource'),
						('resource_grants', 'role_id', 'role')) AS k (tbl, key, kind)
			 ON k.tbl = $1 AND k.key = e.key
	 WHERE e.key NOT IN ('created_at', 'added_at', 'granted_at', 'protected_at')
$$;
CREATE FUNCTION audit_since(mark bigint)
RETURNS TABLE (actor_user text, db_role text, action text, target_table text, target_id text,
			   before jsonb, after jsonb, reason text)
LANGUAGE sql STABLE AS $$
	SELECT a.actor_user,
		   CASE WHEN a.db_role = session_user THEN '(superuser)' ELSE a.db_role::text END,
		   a.action, a.target_table,
		   CASE a.target_table
				WHEN 'roles' THEN audit_name('role', a.target_id)
				WHEN 'assignments' THEN audit_name('assignment', a.target_id)
				WHEN 'resources' THEN audit_name('resource', a.target_id)
				WHEN 'resource_grants' THEN audit_name('grant', a.target_id)
				WHEN 'role_permissions'
				THEN audit_name('role', split_part(a.target_id, ':', 1)) || ':' || split_part(a.target_id, ':', 2)
				ELSE a.target_id END,
		   audit_clean(a.target_table, a.before), audit_clean(a.target_table, a.after), a.reason
	  FROM access_policy.audit_log a
	 WHERE a.id > mark
	 ORDER BY a.id
$$;

-- the system (a superuser acting as no user) bootstraps: actor_user is NULL
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
SELECT access_policy.create_user('aud_alice', 'alice@audit.example', 'Alice');
SELECT access_policy.create_user('aud_bob');
SELECT access_policy.create_org('Audit Root', NULL, 5000);
SELECT access_policy.assign_role('aud_alice', 5000, 'Admin') AS a_alice \gset
INSERT INTO audit_names VALUES ('assignment', :a_alice, 'alice Admin at 5000');
SELECT * FROM audit_since(:mark);

-- alice acting through the application role: actor_user aud_alice, db_role regress_app
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
-- only the system chooses org ids; the sequence gives this one id 5001
SELECT pg_catalog.setval('access_policy.orgs_id_seq', 5000) AS seq \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('aud_alice');
SELECT access_policy.create_org('Audit Child', 5000);
SELECT access_policy.create_org('Audit Other Child', 5000);
SELECT access_policy.rename_org(5001, 'Audit Child (renamed)');
SELECT access_policy.move_org(5002, 5001);
COMMIT;
RESET ROLE;
SELECT * FROM audit_since(:mark);

-- a user creating a top-level org becomes its Admin: two rows
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
-- only the system chooses org ids; the sequence gives this one id 5010
SELECT pg_catalog.setval('access_policy.orgs_id_seq', 5009) AS seq \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('aud_bob');
SELECT access_policy.create_org('Audit Bob Co');
COMMIT;
RESET ROLE;
SELECT id AS a_bob_admin FROM access_policy.assignments WHERE user_id = 'aud_bob' AND org_id = 5010 \gset
INSERT INTO audit_names VALUES ('assignment', :a_bob_admin, 'bob Admin at 5010');
SELECT * FROM audit_since(:mark);

-- roles: a custom role is one roles row and one role_permissions row per permission;
-- set_role_permissions() writes only what changes
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('aud_alice');
SELECT access_policy.create_role(5000, 'Audit Reviewer', '{reviews.view,responses.view}') AS r_reviewer \gset
COMMIT;
RESET ROLE;
INSERT INTO audit_names VALUES ('role', :r_reviewer, 'Audit Reviewer');
SELECT * FROM audit_since(:mark);
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('aud_alice');
SELECT access_policy.set_role_permissions(:r_reviewer, '{reviews.view,settings.view}');
COMMIT;
RESET ROLE;
SELECT * FROM audit_since(:mark);

-- assignments: assign, disable, change the expiry, revoke
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('aud_alice');
SELECT access_policy.assign_role('aud_bob', 5001, 'Audit Reviewer') AS a_bob_reviewer \gset
SELECT access_policy.set_assignment(:a_bob_reviewer, enabled => false);
SELECT access_policy.set_assignment(:a_bob_reviewer, expires_at => '2100-01-01 00:00:00+00');
SELECT access_policy.revoke_role('aud_bob', 5001, 'Audit Reviewer');
COMMIT;
RESET ROLE;
INSERT INTO audit_names VALUES ('assignment', :a_bob_reviewer, 'bob Reviewer at 5001');
SELECT * FROM audit_since(:mark);

-- permissions, resource kinds and actions (the system's business)
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
SELECT access_policy.register_permission('audit.export', false, 'export audit reports');
SELECT access_policy.create_resource_kind('audit_report', 'a report');
SELECT access_policy.set_kind_action('audit_report', 'export', '{audit.export,reviews.view}');
SELECT * FROM audit_since(:mark);
-- redefining an action replaces its rows
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
SELECT access_policy.set_kind_action('audit_report', 'export', '{audit.export}');
SELECT * FROM audit_since(:mark);

-- resources and grants
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('aud_alice');
SELECT access_policy.create_resource(5001, 'audit_report', 'Q1 report') AS res_q1 \gset
SELECT access_policy.create_resource(5001, 'audit_report', 'Q1 appendix', :res_q1) AS res_appendix \gset
SELECT access_policy.grant_resource(:res_q1, 'Viewer', ARRAY[5002, 5010]::bigint[]);
COMMIT;
RESET ROLE;
INSERT INTO audit_names VALUES ('resource', :res_q1, 'Q1 report'), ('resource', :res_appendix, 'Q1 appendix');
INSERT INTO audit_names
SELECT 'grant', g.id, 'Q1 to Viewer at ' || g.authorized_org_id FROM access_policy.resource_grants g WHERE g.resource_id = :res_q1;
SELECT * FROM audit_since(:mark);
-- granting again changes the expiry; revoking and deleting
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('aud_alice');
SELECT access_policy.grant_resource(:res_q1, 'Viewer', ARRAY[5002]::bigint[], expires_at => '2100-01-01 00:00:00+00');
SELECT access_policy.revoke_resource(:res_q1, 'Viewer', 5010);
-- the remaining grant, the appendix and the report: children first
SELECT access_policy.delete_resource(:res_q1);
COMMIT;
RESET ROLE;
SELECT * FROM audit_since(:mark);

-- login mappings (the system's business); a mapped psql administrator is
-- audited as the user it is mapped to, with its own PostgreSQL role
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
SELECT access_policy.map_login('regress_dba', 'aud_alice');
SELECT access_policy.map_login('regress_dba', 'aud_bob');
SET ROLE regress_dba;
SELECT access_policy.rename_org(5010, 'Audit Bob Co (by psql)');
RESET ROLE;
SELECT access_policy.unmap_login('regress_dba');
SELECT * FROM audit_since(:mark);

-- protected tables
CREATE TABLE audit_tenant (id int, org_id bigint);
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
SELECT access_policy.protect_table('audit_tenant', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('audit_tenant', 'org_id', 'reviews.view', 'responses.write');
SELECT access_policy.unprotect_table('audit_tenant');
SELECT * FROM audit_since(:mark);

-- delete_role(cascade): the assignment, the role, and its permissions (through
-- the foreign key's ON DELETE CASCADE, audited all the same)
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('aud_alice');
SELECT access_policy.create_role(5000, 'Audit Temp', '{reviews.view}') AS r_temp \gset
SELECT access_policy.assign_role('aud_bob', 5002, 'Audit Temp') AS a_bob_temp \gset
COMMIT;
RESET ROLE;
INSERT INTO audit_names VALUES ('role', :r_temp, 'Audit Temp'), ('assignment', :a_bob_temp, 'bob Temp at 5002');
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('aud_alice');
SELECT access_policy.delete_role(:r_temp, cascade => true);
COMMIT;
RESET ROLE;
SELECT * FROM audit_since(:mark);

-- delete_org(cascade): the subtree's assignments, then the orgs, children first
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('aud_alice');
SELECT access_policy.assign_role('aud_bob', 5002, 'Viewer') AS a_bob_viewer \gset
COMMIT;
RESET ROLE;
INSERT INTO audit_names VALUES ('assignment', :a_bob_viewer, 'bob Viewer at 5002');
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('aud_alice');
SAVEPOINT s;
SELECT access_policy.delete_org(5001);
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.delete_org(5001, cascade => true);
COMMIT;
RESET ROLE;
SELECT * FROM audit_since(:mark);

-- users: support staff (the system's business); deleting a user takes its
-- assignments and clears created_by of the orgs it created, each audited
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
SELECT access_policy.create_user('aud_support', NULL, 'Support', is_support_staff => true);
SELECT access_policy.delete_user('aud_bob');
SELECT * FROM audit_since(:mark);

-- the reason: SET LOCAL access_policy.audit_reason lands in every row of the
-- transaction and ends with it
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
-- only the system chooses org ids; the sequence gives this one id 5003
SELECT pg_catalog.setval('access_policy.orgs_id_seq', 5002) AS seq \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('aud_alice');
SET LOCAL access_policy.audit_reason = 'ticket 42: reorganisation';
SELECT access_policy.create_org('Audit Team', 5000);
SELECT access_policy.rename_org(5000, 'Audit Root (renamed)');
COMMIT;
BEGIN;
SELECT access_policy.set_user('aud_alice');
SELECT access_policy.rename_org(5000, 'Audit Root');
COMMIT;
RESET ROLE;
-- a direct change by the system is audited the same way
BEGIN;
SET LOCAL access_policy.audit_reason = 'manual repair';
UPDATE access_policy.users SET display_name = 'Alice A.' WHERE id = 'aud_alice';
COMMIT;
SELECT * FROM audit_since(:mark);
SHOW access_policy.audit_reason;

-- the audit row is written in the changing transaction: a rolled-back change
-- leaves none, nor does a change rolled back to a savepoint or a failed call
SELECT COALESCE(max(id), 0) AS mark FROM access_policy.audit_log \gset
BEGIN;
SELECT access_policy.create_org('Audit Rolled Back', 5000, 5004);
SELECT count(*) AS rows_inside, bool_and(xact_id = pg_current_xact_id()) AS same_transaction
  FROM access_policy.audit_log WHERE id > :mark;
ROLLBACK;
SELECT count(*) AS rows_after_rollback FROM access_policy.audit_log WHERE id > :mark;
-- only the system chooses org ids; the sequence gives this one id 5005
SELECT pg_catalog.setval('access_policy.orgs_id_seq', 5004) AS seq \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('aud_alice');
SAVEPOINT s;
SELECT access_policy.create_org('Audit Savepoint', 5000);
ROLLBACK TO SAVEPOINT s;
-- the first authorized org is granted, the second does not exist: nothing stays
SELECT access_policy.create_resource(5000, 'audit_report', 'Q2 report') AS res_q2 \gset
SELECT access_policy.grant_resource(:res_q2, 'Viewer', ARRAY[5003, 5999]::bigint[]);
ROLLBACK;
RESET ROLE;
SELECT count(*) AS rows_after_rollbacks FROM access_policy.audit_log WHERE id > :mark;
SELECT count(*) AS orgs_left FROM access_policy.orgs WHERE id IN (5004, 5005);

-- append-only: UPDATE, DELETE and TRUNCATE are refused, even for the superuser
\set VERBOSITY default
UPDATE access_policy.audit_log SET reason = 'rewritten' WHERE actor_user = 'aud_alice';
DELETE FROM access_policy.audit_log WHERE actor_user = 'aud_alice';
TRUNCATE access_policy.audit_log;
\set VERBOSITY terse
SELECT count(*) > 0 AS alice_rows_still_there, count(*) FILTER (WHERE reason = 'rewritten') AS rewritten
  FROM access_policy.audit_log WHERE actor_user = 'aud_alice';
-- no role but the owner holds any privilege on the log
SELECT r.rolname, p.priv, has_table_privilege(r.rolname, 'access_policy.audit_log', p.priv) AS granted
  FROM (VALUES ('public'), ('regress_app'), ('regress_dba'), ('regress_tenant')) AS r (rolname),
	   (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE')) AS p (priv)
 WHERE has_table_privilege(r.rolname, 'access_policy.audit_log', p.priv);
SELECT a.grantee = c.relowner AS owner, a.privilege_type
  FROM pg_class c, aclexplode(c.relacl) a
 WHERE c.oid = 'access_policy.audit_log'::regclass AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
 ORDER BY 1, 2;
SET ROLE regress_app;
INSERT INTO access_policy.audit_log (db_role, action, target_table) VALUES ('regress_app', 'insert', 'orgs');
UPDATE access_policy.audit_log SET reason = 'rewritten';
DELETE FROM access_policy.audit_log;
TRUNCATE access_policy.audit_log;
SELECT count(*) FROM access_policy.audit_log;
RESET ROLE;
SET ROLE regress_tenant;
INSERT INTO access_policy.audit_log (db_role, action, target_table) VALUES ('regress_tenant', 'insert', 'orgs');
SELECT count(*) FROM access_policy.audit_log;
RESET ROLE;
