/* sql/access_policy_guard.sql -- internal functions stay internal (new in 0.3.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Internal functions (their names start with "_") are called by the
-- extension's own functions, triggers and planner support only.  Some read
-- policy data without the checks the API makes, so nobody else may execute
-- them -- not even after GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA
-- access_policy, which a DBA may run to grant the API in one statement.
-- After every GRANT, this event trigger takes EXECUTE on them back from
-- everybody but their owner and says so.
------------------------------------------------------------------------------

CREATE FUNCTION access_policy_internal._keep_internals_private()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f record;
	n integer := 0;
BEGIN
	FOR f IN
		SELECT p.oid::pg_catalog.regprocedure AS fn, a.grantee
		  FROM pg_catalog.pg_depend d
		  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'access_policy'
		  JOIN pg_catalog.pg_proc p ON p.oid = d.objid
		 CROSS JOIN LATERAL pg_catalog.aclexplode(p.proacl) a
		 WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
		   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
		   AND d.deptype = 'e'
		   AND pg_catalog.left(p.proname, 1) = '_'
		   AND a.grantee <> p.proowner
		 ORDER BY 1, 2
	LOOP
		IF f.grantee = 0 THEN
			EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC CASCADE', f.fn);
		ELSE
			EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM %I CASCADE', f.fn,
									  pg_catalog.pg_get_userbyid(f.grantee));
		END IF;
		n := n + 1;
	END LOOP;
	IF n > 0 THEN
		RAISE NOTICE 'EXECUTE on % internal function(s) of access_policy was not granted', n
			USING DETAIL = 'Functions whose names start with "_" are called by the extension only.',
				  HINT = 'Grant the API functions you need by name (see docs/security.md).';
	END IF;
END;
$$;
COMMENT ON FUNCTION access_policy_internal._keep_internals_private() IS
'internal: event trigger after GRANT: takes EXECUTE on internal functions back from everybody but their owner';

CREATE EVENT TRIGGER access_policy_keep_internals_private ON ddl_command_end
	WHEN TAG IN ('GRANT')
	EXECUTE FUNCTION access_policy_internal._keep_internals_private();
COMMENT ON EVENT TRIGGER access_policy_keep_internals_private IS
'after GRANT: EXECUTE on the internal functions of access_policy stays with their owner';

REVOKE ALL ON FUNCTION access_policy_internal._keep_internals_private() FROM PUBLIC;
