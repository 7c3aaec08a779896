/* sql/upgrade--0.4.0-post.sql -- upgrade from 0.4.0: privileges of the functions defined again */

-- as in a fresh install: nothing for PUBLIC but what is granted on purpose
REVOKE ALL ON FUNCTION
	@extschema@.create_org(text, bigint, bigint, text),
	@extschema@.create_resource(bigint, text, text, bigint, text),
	@extschema@.protect_table(regclass, name, text, text, name, boolean, boolean),
	@extschema@.explain(text, bigint, text),
	@extschema@.explain_resource(text, bigint, text),
	@extschema@.who_can(text, bigint),
	@extschema@.who_can_resource(text, bigint),
	@extschema@._support_rows(bigint[]),
	@extschema@._support_row(bigint),
	@extschema@.support_status(bigint),
	@extschema@.support_statuses(),
	@extschema@.my_support_orgs(),
	@extschema@.access_graph(bigint, integer),
	@extschema@.delete_org(bigint, boolean),
	@extschema@._support_default_level(),
	@extschema@._support_customer_level(bigint),
	@extschema@._support_effective(bigint),
	@extschema@._identity(),
	@extschema@._refuse_no_user(),
	@extschema@.accept_invitation(text),
	@extschema@.register_permission(text, boolean, text, boolean),
	@extschema@.set_role_permissions(bigint, text[])
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.accept_invitation(text) TO PUBLIC;
REVOKE ALL ON @extschema@.support_access_status, @extschema@.members, @extschema@.sent_invitations,
	@extschema@.pending_invitations FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	@extschema@.explain(text, bigint, text),
	@extschema@.explain_resource(text, bigint, text),
	@extschema@.who_can(text, bigint),
	@extschema@.who_can_resource(text, bigint),
	@extschema@.support_status(bigint),
	@extschema@.support_statuses(),
	@extschema@.my_support_orgs(),
	@extschema@.access_graph(bigint, integer)
TO PUBLIC;
GRANT SELECT ON @extschema@.support_access_status, @extschema@.members, @extschema@.sent_invitations,
	@extschema@.pending_invitations TO PUBLIC;

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
	FOR g IN
		SELECT e.key AS view_name, a.grantee, a.privilege_type, a.is_grantable
		  FROM pg_catalog.jsonb_each_text(COALESCE(NULLIF(
				   pg_catalog.current_setting('access_policy_upgrade.view_acl', true), ''), '{}')::pg_catalog.jsonb) e
		 CROSS JOIN LATERAL pg_catalog.aclexplode(e.value::pg_catalog.aclitem[]) a
		 WHERE a.grantee <> (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = e.key::pg_catalog.regclass)
	LOOP
		EXECUTE pg_catalog.format('GRANT %s ON TABLE %s TO %s%s', g.privilege_type,
								  g.view_name::pg_catalog.regclass,
								  CASE WHEN g.grantee = 0 THEN 'PUBLIC'
									   ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END,
								  CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
	END LOOP;
END;
$$;
