-- checks: can() and orgs_with() follow the semantics, with NULLs, unknown ids and typos.
\set VERBOSITY terse
SET TIME ZONE 'UTC';
--            2000 Root
--           /        \
--      2001 A        2002 B
--       /     \
--  2003 A1   2004 A2
--     |
--  2005 A1x
SELECT access_policy.create_org('Checks Root', NULL, 2000);
SELECT access_policy.create_org('A', 2000, 2001);
SELECT access_policy.create_org('B', 2000, 2002);
SELECT access_policy.create_org('A1', 2001, 2003);
SELECT access_policy.create_org('A2', 2001, 2004);
SELECT access_policy.create_org('A1x', 2003, 2005);
SELECT access_policy.register_permission('checks.read', true);
SELECT access_policy.register_permission('checks.write', false);
SELECT access_policy.create_role(2001, 'A Reader', '{checks.read}') IS NOT NULL AS ok;
SELECT access_policy.create_role(2000, 'Writer', '{checks.read,checks.write}') IS NOT NULL AS ok;
SELECT access_policy.create_user('chk_root_viewer');
SELECT access_policy.create_user('chk_a_reader');
SELECT access_policy.create_user('chk_a1_writer');
SELECT access_policy.create_user('chk_two_places');
SELECT access_policy.create_user('chk_canary');
SELECT access_policy.assign_role('chk_root_viewer', 2000, 'Viewer') IS NOT NULL AS ok;
SELECT access_policy.assign_role('chk_a_reader', 2001, 'A Reader') IS NOT NULL AS ok;
SELECT access_policy.assign_role('chk_a1_writer', 2003, 'Writer') IS NOT NULL AS ok;
SELECT access_policy.assign_role('chk_two_places', 2004, 'Writer') IS NOT NULL AS ok;
SELECT access_policy.assign_role('chk_two_places', 2002, 'Editor') IS NOT NULL AS ok;

-- the answer table: every user x org x permission
CREATE TEMP TABLE answers AS
SELECT u, o, p, false AS allowed
  FROM unnest(ARRAY['chk_root_viewer', 'chk_a_reader', 'chk_a1_writer', 'chk_two_places', 'chk_canary']) u,
	   generate_series(2000, 2005) o,
	   unnest(ARRAY['checks.read', 'checks.write', 'settings.view', 'responses.write']) p;
GRANT ALL ON answers TO regress_app;
SET ROLE regress_app;
DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT DISTINCT u FROM answers LOOP
		PERFORM access_policy.set_user(r.u);
		UPDATE answers SET allowed = access_policy.can(o, p) WHERE u = r.u;
	END LOOP;
END;
$$;
RESET ROLE;
SELECT u, p, string_agg(o::text, ',' ORDER BY o) AS allowed_at
  FROM answers WHERE allowed GROUP BY u, p ORDER BY u, p;
SELECT count(*) AS canary_allowed FROM answers WHERE u = 'chk_canary' AND allowed;

SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('chk_a_reader');
-- lists: sorted, only where the permission is held
SELECT access_policy.orgs_with('checks.read') AS reader_orgs, access_policy.orgs_with('checks.write') AS none;
-- NULLs and unknown ids are false, never an error
SELECT access_policy.can(NULL, 'checks.read') AS null_org, access_policy.can(2001, NULL) AS null_perm,
	   access_policy.can(-1, 'checks.read') AS unknown_org, access_policy.orgs_with(NULL) AS null_list;
-- an unregistered permission is an error: almost always a typo
SELECT access_policy.can(2001, 'checks.raed');
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('chk_a_reader');
SELECT access_policy.orgs_with('checks.raed');
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('chk_a_reader');
SELECT access_policy.can(2001, repeat('x', 100));
ROLLBACK;
-- no identity: typos are still errors, known permissions are false
SELECT access_policy.can(2001, 'checks.read') AS nobody;
SELECT access_policy.can(2001, 'checks.raed');
RESET ROLE;

-- consistency: the session's own uncommitted changes count from its next statement on
BEGIN;
SELECT access_policy.map_login('regress_app', 'chk_canary');
SET LOCAL ROLE regress_app;
SELECT access_policy.current_user_id(), access_policy.can(2005, 'checks.write') AS before_grant;
RESET ROLE;
SELECT access_policy.assign_role('chk_canary', 2000, 'Writer') IS NOT NULL AS granted;
SET LOCAL ROLE regress_app;
SELECT access_policy.can(2005, 'checks.write') AS after_grant, access_policy.orgs_with('checks.write') AS orgs;
RESET ROLE;
SELECT access_policy.revoke_role('chk_canary', 2000, 'Writer');
SET LOCAL ROLE regress_app;
SELECT access_policy.can(2005, 'checks.write') AS after_revoke;
ROLLBACK;

-- a role's permission set and the tree itself are data: changes apply at the next statement
SELECT access_policy.map_login('regress_app', 'chk_a_reader');
SET ROLE regress_app;
SELECT access_policy.can(2005, 'checks.read') AS below_a, access_policy.can(2002, 'checks.read') AS at_b;
RESET ROLE;
SELECT access_policy.move_org(2005, 2002);
SET ROLE regress_app;
SELECT access_policy.can(2005, 'checks.read') AS moved_out_of_a;
RESET ROLE;
SELECT access_policy.set_role_permissions(r.id, '{checks.write}')
  FROM access_policy.roles r WHERE r.name = 'A Reader';
SET ROLE regress_app;
SELECT access_policy.can(2001, 'checks.read') AS read_removed, access_policy.can(2001, 'checks.write') AS write_added;
RESET ROLE;
SELECT access_policy.unmap_login('regress_app');

-- the cache reports its size; checks never write
SET ROLE regress_app;
BEGIN READ ONLY;
SELECT access_policy.set_user('chk_root_viewer');
SELECT access_policy.can(2005, 'settings.view') AS read_only_txn_ok;
SELECT memory_bytes > 0 AS has_memory, orgs_cached > 0 AS has_orgs FROM access_policy.cache_stats();
COMMIT;
RESET ROLE;
