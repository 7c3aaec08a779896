-- examples/citus/distribute.sql -- make access_policy's policy tables Citus
-- reference tables.  Run once, as a superuser, on the coordinator, after
-- CREATE EXTENSION access_policy there (Citus creates it on the workers) and
-- before the application starts: psql -v ON_ERROR_STOP=1 -f distribute.sql
-- Every node needs the settings of docs/guides.md (Citus).

-- 1. one copy of the policy data the checks read on every node, the
--    coordinator included.  The tables only administration reads
--    (invitations, support access requests, protected tables, retired keys,
--    the audit and support activity logs) stay local tables of the
--    coordinator.  The first three lose their foreign keys to the policy
--    tables (a local table cannot reference a reference table here); a
--    trigger deletes the invitations and requests of a deleted org, role or
--    user instead.  The foreign keys are dropped on every node (the
--    workers' copies of the tables came from CREATE EXTENSION) and the
--    others added again once every table is a reference table.
BEGIN;
CREATE TEMP TABLE ap_foreign_keys ON COMMIT DROP AS
	SELECT conrelid::regclass AS tbl, conname, pg_get_constraintdef(oid) AS def
	FROM pg_constraint
	WHERE contype = 'f' AND connamespace = 'access_policy'::regnamespace;
SELECT nodename, nodeport, success, result
FROM run_command_on_workers((
	SELECT 'SET citus.enable_ddl_propagation = off; '
		|| string_agg(format('ALTER TABLE %s DROP CONSTRAINT %I;', tbl, conname), ' ')
	FROM ap_foreign_keys));
DO $$
DECLARE
	f record;
	t text;
BEGIN
	FOR f IN SELECT * FROM ap_foreign_keys LOOP
		EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', f.tbl, f.conname);
	END LOOP;
	FOREACH t IN ARRAY ARRAY['users', 'orgs', 'permissions', 'roles', 'role_permissions',
							 'assignments', 'resource_kinds', 'kind_actions', 'resources',
							 'resource_grants', 'login_roles', 'support_settings',
							 'support_overrides', 'key_types'] LOOP
		PERFORM create_reference_table(format('access_policy.%I', t));
		PERFORM truncate_local_data_after_distributing_table(format('access_policy.%I', t));
	END LOOP;
	FOR f IN SELECT * FROM ap_foreign_keys
			  WHERE tbl::text NOT IN ('access_policy.invitations', 'access_policy.support_access_requests',
									  'access_policy.protected_tables')
				 OR def LIKE '%REFERENCES ' || tbl::text || '(%' LOOP
		EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', f.tbl, f.conname, f.def);
	END LOOP;
	-- what ON DELETE CASCADE did for the invitations and support requests
	CREATE TRIGGER citus_cascade AFTER DELETE ON access_policy.orgs
		FOR EACH ROW EXECUTE FUNCTION access_policy_internal._citus_cascade('org');
	CREATE TRIGGER citus_cascade AFTER DELETE ON access_policy.roles
		FOR EACH ROW EXECUTE FUNCTION access_policy_internal._citus_cascade('role');
	CREATE TRIGGER citus_cascade AFTER DELETE ON access_policy.users
		FOR EACH ROW EXECUTE FUNCTION access_policy_internal._citus_cascade('user');
END
$$;
COMMIT;

-- 2. the audit log and the notifications on the coordinator only: on each
--    worker, the audit and notification triggers of the local placements
--    are disabled (every node keeps its cache invalidation triggers).
--    Run this step again after adding a node.
SELECT nodename, nodeport, success, result FROM run_command_on_workers($cmd$
DO $$
DECLARE
	t record;
BEGIN
	SET LOCAL citus.enable_manual_changes_to_shards = on;
	FOR t IN
		SELECT tg.tgrelid::regclass AS tbl, tg.tgname
		FROM pg_dist_shard s
		JOIN pg_class shell ON shell.oid = s.logicalrelid
		JOIN pg_class placement ON placement.relnamespace = shell.relnamespace
			AND placement.relname = shell.relname || '_' || s.shardid
		JOIN pg_trigger tg ON tg.tgrelid = placement.oid
		WHERE shell.relnamespace = 'access_policy'::regnamespace
		  AND tg.tgenabled <> 'D'
		  AND tg.tgfoid IN ('access_policy_internal._audit'::regproc,
							'access_policy_internal._support_notify'::regproc,
							'access_policy_internal._support_request_notify'::regproc)
	LOOP
		EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', t.tbl, t.tgname);
	END LOOP;
END
$$
$cmd$);
