/* sql/upgrade--0.4.0.sql -- first part of the upgrade script from 0.4.0: drops what the newest version defines again */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION access_policy UPDATE" to load this file. \quit

-- Functions whose argument lists or bodies changed are dropped and created
-- again below.  The privileges granted on them (EXECUTE on create_org() to
-- the application's role, say) are noted here, by the signature each
-- function has afterwards, and granted again by the post part.
SELECT pg_catalog.set_config('access_policy_upgrade.acl',
	pg_catalog.jsonb_object_agg(m.new_signature, p.proacl::text)::text, true)
  FROM (VALUES
		('@extschema@.create_org(text,bigint,bigint)', '@extschema@.create_org(text,bigint,bigint,text)'),
		('@extschema@.create_resource(bigint,text,text,bigint)', '@extschema@.create_resource(bigint,text,text,bigint,text)'),
		('@extschema@.protect_table(regclass,name,text,text,name,boolean)', '@extschema@.protect_table(regclass,name,text,text,name,boolean,boolean)'),
		('@extschema@.explain(text,bigint,text)', '@extschema@.explain(text,bigint,text)'),
		('@extschema@.explain_resource(text,bigint,text)', '@extschema@.explain_resource(text,bigint,text)'),
		('@extschema@.who_can(text,bigint)', '@extschema@.who_can(text,bigint)'),
		('@extschema@.who_can_resource(text,bigint)', '@extschema@.who_can_resource(text,bigint)'),
		('@extschema@.support_status(bigint)', '@extschema@.support_status(bigint)'),
		('@extschema@.support_statuses()', '@extschema@.support_statuses()'),
		('@extschema@.my_support_orgs()', '@extschema@.my_support_orgs()'),
		('@extschema@.access_graph(bigint,integer)', '@extschema@.access_graph(bigint,integer)'),
		('@extschema@.delete_org(bigint,boolean)', '@extschema@.delete_org(bigint,boolean)'),
		('@extschema@.accept_invitation(text)', '@extschema@.accept_invitation(text)'),
		('@extschema@.register_permission(text,boolean,text)', '@extschema@.register_permission(text,boolean,text,boolean)'),
		('@extschema@.set_role_permissions(bigint,text[])', '@extschema@.set_role_permissions(bigint,text[])')
	   ) AS m (old_signature, new_signature)
  JOIN pg_catalog.pg_proc p ON p.oid = m.old_signature::pg_catalog.regprocedure
 WHERE p.proacl IS NOT NULL;
-- the same for the views created again (SELECT on members to a reporting
-- role, say)
SELECT pg_catalog.set_config('access_policy_upgrade.view_acl',
	pg_catalog.jsonb_object_agg(c.oid::pg_catalog.regclass::text, c.relacl::text)::text, true)
  FROM pg_catalog.pg_class c
 WHERE c.oid IN ('@extschema@.members'::pg_catalog.regclass, '@extschema@.sent_invitations'::pg_catalog.regclass,
				 '@extschema@.pending_invitations'::pg_catalog.regclass,
				 '@extschema@.support_access_status'::pg_catalog.regclass)
   AND c.relacl IS NOT NULL;

-- create_org() and create_resource() take the application's key
DROP FUNCTION @extschema@.create_org(text, bigint, bigint);
DROP FUNCTION @extschema@.create_resource(bigint, text, text, bigint);
-- protect_table() protects columns of org keys too (by_key)
DROP FUNCTION @extschema@.protect_table(regclass, name, text, text, name, boolean);
-- introspection shows the application's keys: explain() and
-- explain_resource() name orgs and resources with them; who_can(),
-- who_can_resource(), the support status functions and view, the members
-- and invitation views and access_graph() show them (the views and the
-- support functions get a column org_key, the last one)
DROP FUNCTION @extschema@.explain(text, bigint, text);
DROP FUNCTION @extschema@.explain_resource(text, bigint, text);
DROP FUNCTION @extschema@.who_can(text, bigint);
DROP FUNCTION @extschema@.who_can_resource(text, bigint);
DROP VIEW @extschema@.support_access_status;
DROP FUNCTION @extschema@.support_statuses();
DROP FUNCTION @extschema@.support_status(bigint);
DROP FUNCTION @extschema@.my_support_orgs();
DROP FUNCTION @extschema@._support_row(bigint);
DROP FUNCTION @extschema@._support_rows(bigint[]);
DROP VIEW @extschema@.pending_invitations;
DROP VIEW @extschema@.sent_invitations;
DROP VIEW @extschema@.members;
DROP FUNCTION @extschema@.access_graph(bigint, integer);
-- delete_org() deletes the rows of tables protected by org keys too
DROP FUNCTION @extschema@.delete_org(bigint, boolean);

-- support_default_level fails closed: the support functions read it through
-- _support_default_level() (new), which says none for an invalid value
DROP FUNCTION @extschema@._support_customer_level(bigint);
DROP FUNCTION @extschema@._support_effective(bigint);

-- an identity that names no user is said as such (_refuse_no_user(), new)
DROP FUNCTION @extschema@.accept_invitation(text);

-- register_permission() gives a new permission to the built-in Admin (admin
-- => false: not); set_role_permissions() warns when Admin loses members.manage
DROP FUNCTION @extschema@.register_permission(text, boolean, text);
DROP FUNCTION @extschema@.set_role_permissions(bigint, text[]);
