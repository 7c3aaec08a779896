/* sql/upgrade--0.5.0-post.sql -- upgrade from 0.5.0: privileges of the functions defined again */

-- as in a fresh install: nothing for PUBLIC
REVOKE ALL ON FUNCTION
	access_policy_internal._drop_protection(regclass),
	@extschema@.unprotect_table(regclass),
	@extschema@.protect_table(regclass, name, text, text, name, boolean, boolean),
	@extschema@.housekeeping()
FROM PUBLIC;

-- and whatever was granted on them before the upgrade, again
DO $$
DECLARE
	g record;
BEGIN
	FOR g IN
		SELECT e.key AS signature, a.grantee, a.is_grantable
		  FROM pg_catalog.jsonb_each_text(COALESCE(NULLIF(
				   pg_catalog.current_setting('access_policy_upgrade.acl', true), ''), '{}')::pg_catalog.jsonb) e
		 CROSS JOIN LATERAL pg_catalog.aclexplode(e.value::pg_catalog.aclitem[]) a
		 WHERE a.privilege_type = 'EXECUTE'
		   AND a.grantee <> (SELECT p.proowner FROM pg_catalog.pg_proc p
							  WHERE p.oid = e.key::pg_catalog.regprocedure)
	LOOP
		EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %s%s',
								  g.signature::pg_catalog.regprocedure,
								  CASE WHEN g.grantee = 0 THEN 'PUBLIC'
									   ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END,
								  CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
	END LOOP;
END;
$$;
