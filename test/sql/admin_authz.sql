-- admin_authz: administration functions check the acting user's permission at
-- the org they change; nobody hands out permissions they do not hold; the
-- system's business stays the system's; PUBLIC may not administer at all.
-- Errors are shown with their detail and hint (the context line is noise).
\set VERBOSITY default
\set SHOW_CONTEXT never
SET TIME ZONE 'UTC';
--              6000 Authz Root                 6004 Authz Elsewhere
--             /               \
--      6001 Authz A        6002 Authz B
--            |
--      6003 Authz A1
--            |
--      6005 Authz A1x
SELECT access_policy.create_org('Authz Root', NULL, 6000);
SELECT access_policy.create_org('Authz A', 6000, 6001);
SELECT access_policy.create_org('Authz B', 6000, 6002);
SELECT access_policy.create_org('Authz A1', 6001, 6003);
SELECT access_policy.create_org('Authz Elsewhere', NULL, 6004);
SELECT access_policy.create_org('Authz A1x', 6003, 6005);
SELECT access_policy.register_permission('authz.secret', false, 'a permission no built-in role carries', admin => false);
SELECT access_policy.create_resource_kind('authz_doc');
-- custom roles with explicit ids (the system may write the tables directly), so
-- that messages naming them are stable
INSERT INTO access_policy.roles (id, name, org_id) VALUES
	(6100, 'Member Manager', 6001), (6101, 'Secret Keeper', 6001), (6102, 'A Reader', 6001),
	(6103, 'Temp Role', 6001), (6104, 'B Role', 6002);
INSERT INTO access_policy.role_permissions (role_id, permission) VALUES
	(6100, 'members.manage'), (6100, 'settings.view'), (6101, 'authz.secret'), (6102, 'settings.view'),
	(6103, 'settings.view'), (6104, 'settings.view');
SELECT access_policy.create_user(u)
  FROM unnest(ARRAY['authz_root_admin', 'authz_alice', 'authz_bob', 'authz_editor', 'authz_mgr',
					'authz_target', 'authz_dba_user']) AS u;
SELECT access_policy.assign_role('authz_root_admin', 6000, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('authz_alice', 6001, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('authz_bob', 6002, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('authz_editor', 6001, 'Editor') IS NOT NULL AS ok;
SELECT access_policy.assign_role('authz_mgr', 6001, 'Member Manager') IS NOT NULL AS ok;
SELECT access_policy.assign_role('authz_dba_user', 6001, 'Editor') IS NOT NULL AS ok;
SELECT access_policy.assign_role('authz_dba_user', 6004, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('authz_target', 6002, 'B Role') AS a_target_b \gset
SELECT access_policy.create_resource(6001, 'authz_doc', 'A doc') AS res_a \gset
SELECT access_policy.create_resource(6002, 'authz_doc', 'B doc') AS res_b \gset

-- an Admin of A acts in A and below ...
-- only the system chooses org ids; the sequence gives this one id 6006
SELECT pg_catalog.setval('access_policy.orgs_id_seq', 6005) AS seq \gset
SET ROLE regress_app;
SELECT access_policy.set_user('authz_alice', false);
SELECT access_policy.assign_role('authz_target', 6003, 'Viewer') IS NOT NULL AS assigned;
SELECT access_policy.rename_org(6003, 'Authz A1 (renamed)');
SELECT access_policy.create_org('Authz A2', 6001);
SELECT access_policy.create_role(6001, 'Alice Role', '{settings.view}') IS NOT NULL AS created;
SELECT access_policy.create_resource(6003, 'authz_doc', 'A1 doc') IS NOT NULL AS created;
SELECT access_policy.grant_resource(:res_a, 'Viewer', ARRAY[6002]::bigint[]);
SELECT access_policy.revoke_resource(:res_a, 'Viewer');
-- ... but not in its sibling B
SELECT access_policy.assign_role('authz_target', 6002, 'Viewer');
SELECT access_policy.revoke_role('authz_target', 6002, 'B Role');
SELECT access_policy.set_assignment(:a_target_b, enabled => false);
SELECT access_policy.rename_org(6002, 'Mine now');
SELECT access_policy.create_org('Inside B', 6002);
SELECT access_policy.delete_org(6002);
SELECT access_policy.create_role(6002, 'Alice Role', '{settings.view}');
SELECT access_policy.set_role_permissions(6104, '{settings.view}');
SELECT access_policy.delete_role(6104);
SELECT access_policy.create_resource(6002, 'authz_doc', 'x');
SELECT access_policy.grant_resource(:res_b, 'Viewer', ARRAY[6001]::bigint[]);
SELECT access_policy.revoke_resource(:res_b, 'Viewer');
SELECT access_policy.delete_resource(:res_b);
-- nor above A
SELECT access_policy.rename_org(6000, 'Mine now');
SELECT access_policy.assign_role('authz_target', 6000, 'Viewer');
SELECT access_policy.clear_user(false);
-- the Admin of the root acts on B too
SELECT access_policy.set_user('authz_root_admin', false);
SELECT access_policy.assign_role('authz_target', 6002, 'Viewer') IS NOT NULL AS assigned;
SELECT access_policy.revoke_role('authz_target', 6002, 'Viewer');
SELECT access_policy.clear_user(false);

-- an Editor of A administers nothing
SELECT access_policy.set_user('authz_editor', false);
SELECT access_policy.assign_role('authz_target', 6001, 'Viewer');
SELECT access_policy.revoke_role('authz_alice', 6001, 'Admin');
SELECT access_policy.create_org('Editor child', 6001);
SELECT access_policy.rename_org(6001, 'Editor was here');
SELECT access_policy.create_role(6001, 'Editor Role', '{responses.view}');
SELECT access_policy.create_resource(6001, 'authz_doc', 'x');
SELECT access_policy.delete_org(6005);
SELECT access_policy.clear_user(false);

-- nobody assigns a role carrying a permission they do not hold: the Member
-- Manager (members.manage and settings.view) may assign a role needing only
-- settings.view, not Viewer or Admin
SELECT access_policy.set_user('authz_mgr', false);
SELECT access_policy.assign_role('authz_target', 6001, 'A Reader') IS NOT NULL AS assigned;
SELECT access_policy.assign_role('authz_target', 6005, 'Viewer');
SELECT access_policy.assign_role('authz_mgr', 6001, 'Admin');
-- nor define roles at all (roles.manage)
SELECT access_policy.create_role(6001, 'Mgr Role', '{settings.view}');
SELECT access_policy.clear_user(false);
-- not even an Admin holds authz.secret: Secret Keeper is out of reach
SELECT access_policy.set_user('authz_alice', false);
SELECT access_policy.assign_role('authz_target', 6001, 'Secret Keeper');
SELECT access_policy.create_role(6001, 'Secret Copy', '{settings.view,authz.secret}');
SELECT access_policy.set_role_permissions(6102, '{settings.view,authz.secret}');
SELECT access_policy.grant_resource(:res_a, 'Secret Keeper', ARRAY[6001]::bigint[]);
SELECT access_policy.clear_user(false);
RESET ROLE;
-- an assignment of Secret Keeper made by the system cannot be changed by alice
-- either (re-enabling it would hand the permission out again)
SELECT access_policy.assign_role('authz_target', 6003, 'Secret Keeper') AS a_target_secret \gset
SET ROLE regress_app;
SELECT access_policy.set_user('authz_alice', false);
SELECT access_policy.set_assignment(:a_target_secret, enabled => false);
SELECT access_policy.clear_user(false);
RESET ROLE;
-- once alice holds authz.secret herself, she may hand it out
SELECT access_policy.assign_role('authz_alice', 6001, 'Secret Keeper') IS NOT NULL AS ok;
SET ROLE regress_app;
SELECT access_policy.set_user('authz_alice', false);
SELECT access_policy.assign_role('authz_target', 6005, 'Secret Keeper') IS NOT NULL AS assigned;
SELECT access_policy.set_assignment(:a_target_secret, enabled => false);
SELECT access_policy.clear_user(false);
RESET ROLE;

-- custom roles are usable in the org that defines them and below it, not elsewhere
SET ROLE regress_app;
SELECT access_policy.set_user('authz_root_admin', false);
SELECT access_policy.assign_role('authz_target', 6005, 'A Reader') IS NOT NULL AS assigned_below;
SELECT access_policy.assign_role('authz_target', 6002, 'A Reader');
SELECT access_policy.assign_role('authz_target', 6000, 'A Reader');
SELECT access_policy.grant_resource(:res_b, 'A Reader', ARRAY[6001]::bigint[]);
-- a move that would strand an assignment of a custom role outside its org
SELECT access_policy.move_org(6003, 6002);
SELECT access_policy.clear_user(false);
RESET ROLE;
-- not even the system can use it in another tree
SELECT access_policy.assign_role('authz_target', 6004, 'A Reader');
-- the same rule holds for direct writes
INSERT INTO access_policy.assignments (user_id, org_id, role_id) VALUES ('authz_target', 6002, 6102);
UPDATE access_policy.assignments SET org_id = 6004 WHERE id = :a_target_secret;

-- creating a child org needs org.manage at the parent; a top-level org may be
-- created by any acting user, who becomes its Admin
-- only the system chooses org ids; the sequence gives this one id 6010
SELECT pg_catalog.setval('access_policy.orgs_id_seq', 6009) AS seq \gset
SET ROLE regress_app;
SELECT access_policy.set_user('authz_editor', false);
SELECT access_policy.create_org('Editor child', 6001);
SELECT access_policy.create_org('Editor Co');
SELECT access_policy.can(6010, 'org.manage') AS admin_of_new_org;
SELECT access_policy.clear_user(false);
SELECT access_policy.set_user('authz_alice', false);
SELECT access_policy.create_org('Alice child', 6002);
SELECT access_policy.create_org('Alice child', 6999);
SELECT access_policy.clear_user(false);

-- move_org needs org.manage at the old and at the new parent
SELECT access_policy.set_user('authz_alice', false);
SELECT access_policy.move_org(6005, 6006);
SELECT access_policy.move_org(6005, 6003);
SELECT access_policy.move_org(6006, 6002);
SELECT access_policy.move_org(6006, 6999);
SELECT access_policy.move_org(6999, 6001);
SELECT access_policy.clear_user(false);
SELECT access_policy.set_user('authz_bob', false);
-- bob administers B, but leaving the root needs the root's consent
SELECT access_policy.move_org(6002, 6001);
SELECT access_policy.move_org(6002, NULL);
SELECT access_policy.clear_user(false);
SELECT access_policy.set_user('authz_root_admin', false);
-- refused: alice's Secret Keeper role at A would reach B, and the root's Admin
-- does not hold authz.secret (nobody gives what they do not hold)
SELECT access_policy.move_org(6002, 6001);
SELECT access_policy.move_org(6002, 6000);
-- cycles: under itself, under its child, under a deeper descendant
SELECT access_policy.move_org(6001, 6001);
SELECT access_policy.move_org(6001, 6003);
SELECT access_policy.move_org(6001, 6005);
SELECT access_policy.clear_user(false);
RESET ROLE;
SELECT id, name, parent_id FROM access_policy.orgs WHERE id BETWEEN 6000 AND 6999 ORDER BY id;

-- delete_org is refused while anything depends on the org, unless cascade => true
CREATE TABLE authz_tenant (id int, org_id bigint NOT NULL);
INSERT INTO authz_tenant VALUES (1, 6006), (2, 6006), (3, 6000);
SELECT access_policy.protect_table('authz_tenant', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.create_org('Authz with role', 6001, 6007);
INSERT INTO access_policy.roles (id, name, org_id) VALUES (6105, 'Local Role', 6007);
SELECT access_policy.create_org('Authz with resource', 6001, 6008);
SELECT access_policy.create_resource(6008, 'authz_doc', 'doc') IS NOT NULL AS created;
SELECT access_policy.create_org('Authz authorized', 6001, 6009);
SELECT access_policy.grant_resource(:res_a, 'Viewer', ARRAY[6009]::bigint[]);
SET ROLE regress_app;
SELECT access_policy.set_user('authz_alice', false);
SELECT access_policy.delete_org(6001);
SELECT access_policy.delete_org(6005);
SELECT access_policy.delete_org(6007);
SELECT access_policy.delete_org(6008);
SELECT access_policy.delete_org(6009);
SELECT access_policy.delete_org(6006);
SELECT access_policy.delete_org(6002);
SELECT access_policy.delete_org(6999);
SELECT access_policy.clear_user(false);
SELECT access_policy.set_user('authz_editor', false);
SELECT access_policy.delete_org(6006, cascade => true);
SELECT access_policy.clear_user(false);
-- cascade deletes the subtree with its assignments, roles, resources, grants
-- and the rows of protected tables in it
SELECT access_policy.set_user('authz_alice', false);
SELECT access_policy.delete_org(6006, cascade => true);
SELECT access_policy.delete_org(6007, cascade => true);
SELECT access_policy.delete_org(6008, cascade => true);
SELECT access_policy.delete_org(6009, cascade => true);
SELECT access_policy.clear_user(false);
RESET ROLE;
SELECT id FROM access_policy.orgs WHERE id BETWEEN 6006 AND 6009;
SELECT count(*) AS roles_left FROM access_policy.roles WHERE id = 6105;
SELECT count(*) AS resources_left FROM access_policy.resources WHERE org_id BETWEEN 6006 AND 6009;
SELECT count(*) AS grants_left FROM access_policy.resource_grants WHERE authorized_org_id BETWEEN 6006 AND 6009;
SELECT * FROM authz_tenant ORDER BY id;

-- delete_role is refused while the role is assigned or granted, unless cascade => true
SELECT access_policy.assign_role('authz_target', 6001, 'Temp Role') IS NOT NULL AS ok;
SET ROLE regress_app;
SELECT access_policy.set_user('authz_alice', false);
SELECT access_policy.delete_role(6103);
SELECT access_policy.delete_role(6103, cascade => true);
SELECT access_policy.delete_role(6103);
SELECT access_policy.delete_role(3);
SELECT access_policy.clear_user(false);
RESET ROLE;
SELECT count(*) AS temp_role_assignments FROM access_policy.assignments WHERE role_id = 6103;
-- a role that is only granted on a resource counts too
SELECT access_policy.grant_resource(:res_a, 'A Reader', ARRAY[6001]::bigint[]);
SELECT access_policy.revoke_role('authz_target', 6001, 'A Reader');
SELECT access_policy.revoke_role('authz_target', 6005, 'A Reader');
SELECT count(*) AS a_reader_assignments FROM access_policy.assignments WHERE role_id = 6102;
SET ROLE regress_app;
SELECT access_policy.set_user('authz_alice', false);
SELECT access_policy.delete_role(6102);
SELECT access_policy.clear_user(false);
RESET ROLE;

-- no identity (and not a superuser): every administration function refuses
SET ROLE regress_app;
SELECT access_policy.assign_role('authz_target', 6001, 'Viewer');
SELECT access_policy.create_org('Nobody Co');
SELECT access_policy.create_org('Nobody child', 6001);
SELECT access_policy.rename_org(6001, 'x');
SELECT access_policy.delete_role(6104);
-- an unknown user is nobody
SELECT access_policy.set_user('authz_ghost', false);
SELECT access_policy.assign_role('authz_target', 6001, 'Viewer');
SELECT access_policy.clear_user(false);
RESET ROLE;

-- the system's business: refused to a mapped psql administrator, to the
-- application acting as a user, and to a superuser acting as a user
SELECT access_policy.map_login('regress_dba', 'authz_root_admin');
SET ROLE regress_dba;
SELECT access_policy.current_user_id();
SELECT access_policy.register_permission('authz.other', false);
SELECT access_policy.create_resource_kind('authz_other');
SELECT access_policy.set_kind_action('authz_doc', 'open', '{settings.view}');
SELECT access_policy.map_login('regress_dba', 'authz_alice');
SELECT access_policy.unmap_login('regress_dba');
SELECT access_policy.delete_user('authz_target');
SELECT access_policy.create_user('authz_support', NULL, NULL, is_support_staff => true);
SELECT access_policy.create_role(NULL, 'Global Role', '{settings.view}');
SELECT access_policy.set_role_permissions(3, '{settings.view}');
SELECT access_policy.delete_role(3);
-- an ordinary user may be created by anyone who may run create_user
SELECT access_policy.create_user('authz_plain');
RESET ROLE;
SET ROLE regress_app;
SELECT access_policy.set_user('authz_root_admin', false);
SELECT access_policy.register_permission('authz.other', false);
SELECT access_policy.delete_user('authz_target');
SELECT access_policy.clear_user(false);
RESET ROLE;
BEGIN;
SELECT access_policy.set_user('authz_root_admin');
SELECT access_policy_internal._is_system();
SELECT access_policy.register_permission('authz.other', false);
ROLLBACK;
SELECT count(*) AS other_permission FROM access_policy.permissions WHERE name = 'authz.other';
SELECT count(*) AS support_user FROM access_policy.users WHERE id = 'authz_support';

-- a psql administrator mapped to a user is subject to the same rules as the
-- user: authz_dba_user is Editor of A and Admin of Elsewhere
SELECT access_policy.map_login('regress_dba', 'authz_dba_user');
SET ROLE regress_dba;
SELECT access_policy.current_user_id();
SELECT access_policy.rename_org(6004, 'Authz Elsewhere (renamed by psql)');
SELECT access_policy.assign_role('authz_target', 6004, 'Viewer') IS NOT NULL AS assigned;
SELECT access_policy.assign_role('authz_target', 6001, 'Viewer');
SELECT access_policy.create_org('DBA child', 6001);
SELECT access_policy.rename_org(6001, 'x');
SELECT access_policy.delete_org(6001, cascade => true);
SELECT access_policy.assign_role('authz_dba_user', 6001, 'Admin');
-- and may not choose another identity
SELECT access_policy.set_user('authz_root_admin');
RESET ROLE;
SELECT access_policy.unmap_login('regress_dba');
SET ROLE regress_dba;
SELECT access_policy.rename_org(6004, 'x');
RESET ROLE;

-- PUBLIC has no EXECUTE on any administration function
SET ROLE regress_tenant;
SELECT access_policy.create_user('authz_x');
SELECT access_policy.delete_user('authz_x');
SELECT access_policy.map_login('regress_tenant', 'authz_x');
SELECT access_policy.unmap_login('regress_tenant');
SELECT access_policy.register_permission('authz.x', true);
SELECT access_policy.create_org('x');
SELECT access_policy.rename_org(6001, 'x');
SELECT access_policy.move_org(6001, NULL);
SELECT access_policy.delete_org(6001);
SELECT access_policy.create_role(6001, 'x', '{}');
SELECT access_policy.set_role_permissions(6104, '{}');
SELECT access_policy.delete_role(6104);
SELECT access_policy.assign_role('authz_x', 6001, 'Viewer');
SELECT access_policy.set_assignment(1);
SELECT access_policy.revoke_role('authz_x', 6001, 'Viewer');
SELECT access_policy.create_resource_kind('x');
SELECT access_policy.set_kind_action('x', 'x', '{}');
SELECT access_policy.create_resource(6001, 'x', 'x');
SELECT access_policy.delete_resource(1);
SELECT access_policy.grant_resource(1, 'Viewer', '{}');
SELECT access_policy.revoke_resource(1, 'Viewer');
SELECT access_policy.protect_table('authz_tenant', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.unprotect_table('authz_tenant');
SELECT access_policy.set_user('authz_alice');
SELECT access_policy.clear_user();
RESET ROLE;
-- and the catalog agrees: regress_tenant may execute only what PUBLIC may
SELECT p.oid::regprocedure AS tenant_function
  FROM pg_proc p
 WHERE p.pronamespace = 'access_policy'::regnamespace
   AND has_function_privilege('regress_tenant', p.oid, 'EXECUTE')
   AND NOT has_function_privilege('public', p.oid, 'EXECUTE');
