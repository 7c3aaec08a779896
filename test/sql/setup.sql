-- setup: install the extension and the roles the other regression files use.
-- Every regression file builds its own world with its own id range and
-- user names, so files can be read (and run) on their own after this one.
CREATE EXTENSION access_policy;
SELECT extname, extversion FROM pg_extension WHERE extname = 'access_policy';

-- the application's role: trusted to say who is acting
CREATE ROLE regress_app;
GRANT EXECUTE ON FUNCTION access_policy.set_user(text, boolean), access_policy.set_user(uuid, boolean),
	access_policy.clear_user(boolean) TO regress_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA access_policy TO regress_app;
-- a tenant's own login: may run checks, may not choose an identity
CREATE ROLE regress_tenant;
-- a psql administrator mapped to an access_policy user
CREATE ROLE regress_dba;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA access_policy TO regress_dba;
REVOKE EXECUTE ON FUNCTION access_policy.set_user(text, boolean), access_policy.set_user(uuid, boolean),
	access_policy.clear_user(boolean) FROM regress_dba;

-- what PUBLIC may execute: checks and self-service introspection only
SELECT p.oid::regprocedure AS public_function
  FROM pg_proc p
 WHERE p.pronamespace IN ('access_policy'::regnamespace, 'access_policy_internal'::regnamespace)
   AND has_function_privilege('public', p.oid, 'EXECUTE')
 ORDER BY 1;

-- no table is readable by PUBLIC
SELECT count(*) AS public_tables
  FROM pg_class c
 WHERE c.relnamespace IN ('access_policy'::regnamespace, 'access_policy_internal'::regnamespace) AND c.relkind = 'r'
   AND has_table_privilege('public', c.oid, 'SELECT');

-- every SECURITY DEFINER function pins search_path
SELECT p.proname AS definer_without_search_path
  FROM pg_proc p
 WHERE p.pronamespace IN ('access_policy'::regnamespace, 'access_policy_internal'::regnamespace) AND p.prosecdef
   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%');

-- every function and table has a comment
SELECT p.proname AS uncommented_function
  FROM pg_proc p
 WHERE p.pronamespace IN ('access_policy'::regnamespace, 'access_policy_internal'::regnamespace) AND obj_description(p.oid, 'pg_proc') IS NULL;
SELECT c.relname AS uncommented_table
  FROM pg_class c
 WHERE c.relnamespace IN ('access_policy'::regnamespace, 'access_policy_internal'::regnamespace) AND c.relkind = 'r'
   AND obj_description(c.oid, 'pg_class') IS NULL;

-- the built-in matrix
SELECT p.name AS permission, p.read_only,
	   bool_or(rp.role_id = 1) AS admin, bool_or(rp.role_id = 2) AS editor, bool_or(rp.role_id = 3) AS viewer
  FROM access_policy.permissions p LEFT JOIN access_policy.role_permissions rp ON rp.permission = p.name
 GROUP BY p.name, p.read_only ORDER BY p.name;
