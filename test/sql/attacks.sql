-- attacks: every finding of the adversarial review of 0.2.0 (and the variants
-- the invariants in docs/security.md imply), each refused or made harmless.
-- Ids 12000-12999.  Each block names the invariant it tests.
\set VERBOSITY terse
SET client_min_messages = notice;
-- ids the sequences hand out in this file (they appear in messages)
SELECT setval('access_policy.orgs_id_seq', 12950) AS seq, setval('access_policy.resources_id_seq', 12000) AS seq \gset
SELECT access_policy.create_org('Atk Customer', NULL, 12000) AS ok \gset
SELECT access_policy.create_org('Atk Customer Child', 12000, 12001) AS ok \gset
SELECT access_policy.create_org('Atk Victim', NULL, 12010) AS ok \gset
SELECT count(access_policy.create_user(u)) AS ok FROM unnest(ARRAY['atk_alice', 'atk_mallory', 'atk_victim',
	'atk_eve', 'atk_mgr', 'atk_other_admin', 'atk_newbie', 'atk_victim_member']) AS u \gset
SELECT access_policy.create_user('atk_sophie', is_support_staff => true) AS ok \gset
SELECT access_policy.assign_role('atk_alice', 12000, 'Admin') AS ok \gset
SELECT access_policy.assign_role('atk_victim', 12010, 'Admin') AS ok \gset
SELECT access_policy.assign_role('atk_victim_member', 12010, 'Viewer') AS ok \gset
SELECT access_policy.create_role(12000, 'Atk Org Manager', '{org.manage,settings.view}') AS org_mgr_role \gset
SELECT access_policy.assign_role('atk_mallory', 12000, 'Atk Org Manager') AS ok \gset
-- alice opens her org to support, write access for a week
SELECT access_policy.set_support_access(12000, 'write', 'ticket 42', duration => '1 week') AS ok \gset
CREATE TABLE atk_log (what text, by_role name, outcome text);
GRANT INSERT ON atk_log TO PUBLIC;

------------------------------------------------------------------------------
-- Critical (invariant 1): delete_org never runs a tenant table's triggers,
-- rules or functions with the extension owner's rights.
------------------------------------------------------------------------------
CREATE ROLE regress_evil;
GRANT CREATE ON SCHEMA public TO regress_evil;
GRANT EXECUTE ON FUNCTION access_policy.protect_table(regclass, name, text, text, name, boolean, boolean) TO regress_evil;
SET ROLE regress_evil;
CREATE TABLE evil (org_id bigint);
CREATE FUNCTION evil_pwn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	BEGIN
		EXECUTE 'ALTER ROLE regress_evil SUPERUSER';
		INSERT INTO public.atk_log VALUES (TG_NAME, current_user, 'became superuser');
	EXCEPTION WHEN insufficient_privilege THEN
		INSERT INTO public.atk_log VALUES (TG_NAME, current_user, 'refused: SQLSTATE ' || SQLSTATE);
	END;
	RETURN NULL;
END $$;
CREATE TRIGGER pwn BEFORE DELETE ON evil FOR EACH STATEMENT EXECUTE FUNCTION evil_pwn();
SELECT access_policy.protect_table('evil', 'org_id', 'responses.view', 'responses.write');
RESET ROLE;
-- anybody deleting an unrelated empty org of their own runs the table's code...
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('atk_newbie');
SELECT access_policy.create_org('throwaway') AS throwaway \gset
SELECT access_policy.delete_org(:throwaway, cascade => true);
COMMIT;
RESET ROLE;
-- ... but as the table's owner, under a security-restricted operation
SELECT what, by_role, outcome FROM atk_log ORDER BY what;
SELECT rolsuper AS evil_is_superuser FROM pg_roles WHERE rolname = 'regress_evil';
TRUNCATE atk_log;
-- a temporary table cannot be protected (it would live in one session only)
CREATE TEMP TABLE atk_temp (org_id bigint);
SELECT access_policy.protect_table('atk_temp', 'org_id', 'responses.view', 'responses.write');
-- a protected table whose policies were dropped behind our back is skipped, with a warning
CREATE TABLE atk_unprotected (org_id bigint);
SELECT access_policy.protect_table('atk_unprotected', 'org_id', 'responses.view', 'responses.write');
DROP POLICY access_policy_select ON atk_unprotected;
INSERT INTO atk_unprotected VALUES (12001);
SELECT access_policy.create_org('Atk Doomed', NULL, 12090) AS ok \gset
SELECT access_policy.delete_org(12090);
SELECT count(*) AS rows_kept FROM atk_unprotected;
DROP TABLE atk_unprotected;

------------------------------------------------------------------------------
-- High (invariant 2): moving an org never makes the mover (or anybody) hold
-- what nobody gave them there.
------------------------------------------------------------------------------
-- support staff with a week of write access at alice's root
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('atk_sophie');
SELECT access_policy.can(12000, 'org.manage') AS support_has_org_manage;
SELECT access_policy.create_org('Vendor HQ') AS vendor_hq \gset
SAVEPOINT s;
SELECT access_policy.move_org(12000, :vendor_hq);
ROLLBACK TO SAVEPOINT s;
-- a child of the customer, too: org.manage through support access is no administration
SELECT access_policy.move_org(12001, :vendor_hq);
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.rename_org(12000, 'Owned by support');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.create_org('Support child', 12000);
ROLLBACK;
-- an ordinary user holding org.manage (not Admin) at the customer's root
BEGIN;
SELECT access_policy.set_user('atk_mallory');
SELECT access_policy.create_org('Mallory HQ') AS mallory_hq \gset
SAVEPOINT s;
SELECT access_policy.move_org(12001, :mallory_hq);
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.can(12001, 'members.manage') AS mallory_members_manage;
ROLLBACK;
-- alice (Admin at 12000) may move her child under an org she administers: she holds everything there
BEGIN;
SELECT access_policy.set_user('atk_alice');
SELECT access_policy.create_org('Alice Two') AS alice_two \gset
SELECT access_policy.move_org(12001, :alice_two);
ROLLBACK;
RESET ROLE;
-- explicit org ids are the system's: an acting user cannot take the id of a deleted org
SELECT access_policy.create_org('Atk Deleted', NULL, 12050) AS ok \gset
SELECT access_policy.delete_org(12050);
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('atk_newbie');
SELECT access_policy.create_org('Reborn', NULL, 12050);
ROLLBACK;
RESET ROLE;

------------------------------------------------------------------------------
-- Invariant 3: what support access gives ends when it ends.
------------------------------------------------------------------------------
SELECT access_policy.create_resource_kind('atk_doc') AS ok \gset
SELECT access_policy.create_resource(12000, 'atk_doc', 'Customer doc') AS cust_doc \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('atk_sophie');
SELECT access_policy.create_org('Sophie Own') AS sophie_own \gset
SAVEPOINT s;
SELECT access_policy.grant_resource(:cust_doc, 'Viewer', ARRAY[:sophie_own]::bigint[]);
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.create_resource(12000, 'atk_doc', 'planted');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.set_support_expiry(12000, duration => '1 year');
ROLLBACK;
RESET ROLE;

------------------------------------------------------------------------------
-- Invariant 4: introspection never reveals another org's members or names.
------------------------------------------------------------------------------
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('atk_eve');
SELECT access_policy.create_org('Eve Co') AS eve_co \gset
SELECT access_policy.create_resource(:eve_co, 'atk_doc', 'bait') AS bait \gset
-- sharing a resource with any org is allowed ...
SELECT access_policy.grant_resource(:bait, 'Viewer', ARRAY[12010]::bigint[]);
-- ... but the members of that org stay hidden
SELECT user_id, source FROM access_policy.who_can_resource('responses.view', :bait) ORDER BY 1;
SELECT allowed, path FROM access_policy.explain_resource('responses.view', :bait, 'atk_victim_member');
SELECT count(*) AS victim_paths FROM access_policy.effective_resource_permissions(:bait, 'atk_victim_member');
SELECT position('Atk Victim' IN access_policy.access_graph(:eve_co)) = 0 AS victim_name_hidden;
-- refusals name no foreign org
SAVEPOINT s;
SELECT access_policy.set_support_access(12010, 'read', 'probe');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.set_support_access(999999, 'read', 'probe');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.revoke_role('atk_victim', 12010, 'Admin');
ROLLBACK TO SAVEPOINT s;
COMMIT;
RESET ROLE;
-- the member herself still sees her own path
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('atk_victim_member');
SELECT allowed FROM access_policy.explain_resource('responses.view', :bait);
SELECT permission, source, held_at_org FROM access_policy.effective_resource_permissions(:bait)
 WHERE permission = 'responses.view';
ROLLBACK;
RESET ROLE;

------------------------------------------------------------------------------
-- Invariant 5: internal functions stay internal, whatever is granted.
------------------------------------------------------------------------------
-- the API schema holds no internal: granting on all of it grants none
SELECT count(*) AS internals_in_api_schema
  FROM pg_proc p
 WHERE p.pronamespace = 'access_policy'::regnamespace AND p.proname LIKE '\_%';
SELECT count(*) AS internal_relations_in_api_schema
  FROM pg_class c
 WHERE c.relnamespace = 'access_policy'::regnamespace AND c.relname LIKE '\_%';
-- the internal schema is the owner's alone
SELECT nspacl IS NULL AS internal_schema_owner_only, pg_get_userbyid(nspowner) AS owner
  FROM pg_namespace WHERE nspname = 'access_policy_internal';
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA access_policy TO regress_tenant;
SET ROLE regress_tenant;
SELECT access_policy_internal._org_is_descendant(12001, 12000);
RESET ROLE;
-- even granted on the internal schema itself, EXECUTE is taken back (event
-- trigger) and nothing can be called
GRANT USAGE ON SCHEMA access_policy_internal TO regress_tenant;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA access_policy_internal TO regress_tenant;
SELECT count(*) AS internal_functions_executable, count(*) FILTER (WHERE p.proacl IS NULL) AS default_acl
  FROM pg_proc p
 WHERE p.pronamespace = 'access_policy_internal'::regnamespace
   AND (has_function_privilege('regress_tenant', p.oid, 'EXECUTE')
		OR has_function_privilege('regress_app', p.oid, 'EXECUTE')
		OR has_function_privilege('public', p.oid, 'EXECUTE'));
SET ROLE regress_tenant;
SELECT access_policy_internal._org_is_descendant(12001, 12000);
SELECT access_policy_internal._support_row(12000);
RESET ROLE;
REVOKE USAGE ON SCHEMA access_policy_internal FROM regress_tenant;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA access_policy FROM regress_tenant;

------------------------------------------------------------------------------
-- Invariant 6: limits hold on the values applied.
------------------------------------------------------------------------------
CREATE ROLE access_policy_support_override;
CREATE ROLE regress_atk_ops IN ROLE access_policy_support_override;
GRANT EXECUTE ON FUNCTION access_policy.override_support_access(bigint, text, text, interval)
	TO access_policy_support_override;
SET ROLE regress_atk_ops;
-- compares smaller than 24 hours as an interval, lasts 6 days by the calendar
SELECT access_policy.override_support_access(12010, 'write', 'incident', interval '1 year -359 days');
SELECT access_policy.override_support_access(12010, 'write', 'incident', interval '290000 years -104399999 days');
SELECT access_policy.override_support_access(12010, 'write', 'incident', interval '-1 hour');
SELECT access_policy.override_support_access(12010, 'read', 'incident', interval '23 hours') - statement_timestamp() AS ends_in;
RESET ROLE;
SELECT count(*) AS overrides_longer_than_a_day FROM access_policy.support_overrides
 WHERE expires_at > statement_timestamp() + interval '24 hours';
DELETE FROM access_policy.support_overrides WHERE org_id = 12010;
REVOKE EXECUTE ON FUNCTION access_policy.override_support_access(bigint, text, text, interval)
	FROM access_policy_support_override;
DROP ROLE regress_atk_ops;
DROP ROLE access_policy_support_override;
-- support_statuses() over an 800-deep chain: linear in the orgs, not in orgs x depth
SELECT access_policy.create_org('Atk Chain 0', NULL, 12100) AS ok \gset
SELECT count(access_policy.create_org('Atk Chain ' || g, 12099 + g, 12100 + g)) AS chain
  FROM generate_series(1, 800) g;
SELECT access_policy.set_support_access(12500, 'write', 'deep ticket') AS ok \gset
SELECT access_policy.assign_role('atk_eve', 12100, 'Viewer') AS ok \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('atk_eve');
SELECT level, source, count(*) FROM access_policy.support_access_status
 WHERE org_id BETWEEN 12100 AND 12900 GROUP BY level, source ORDER BY 1, 2;
ROLLBACK;
RESET ROLE;

------------------------------------------------------------------------------
-- Invariant 7: notification payloads carry ids only (the payload itself is
-- checked by the isolation spec support_notify; here: where the details are).
------------------------------------------------------------------------------
SELECT prosrc LIKE '%''reason''%' OR prosrc LIKE '%''by''%' AS payload_names_reason_or_actor
  FROM pg_proc WHERE oid = 'access_policy_internal._support_notify()'::regprocedure;

------------------------------------------------------------------------------
-- Team management and roles (low findings)
------------------------------------------------------------------------------
SELECT access_policy.assign_role('atk_mgr', 12000, 'Admin', expires_at => now() + interval '1 day') AS mgr_assignment \gset
SELECT access_policy.assign_role('atk_other_admin', 12001, 'Admin', expires_at => now() + interval '1 week') AS other_admin \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('atk_mgr');
SAVEPOINT s;
-- nobody extends (or otherwise changes) their own assignment ...
SELECT access_policy.set_assignment(:mgr_assignment, expires_at => 'infinity');
ROLLBACK TO SAVEPOINT s;
-- ... or gives themselves a role that outlives the one they hold
SELECT access_policy.assign_role('atk_mgr', 12000, 'Editor');
ROLLBACK TO SAVEPOINT s;
-- the last Admin of 12000 (alice; mgr's Admin ends tomorrow) cannot be given an end either
SELECT assignment_id AS alice_assignment FROM access_policy.members WHERE org_id = 12000 AND user_id = 'atk_alice' \gset
SELECT access_policy.set_assignment(:alice_assignment, expires_at => now() + interval '1 second');
ROLLBACK TO SAVEPOINT s;
-- a roles.manage holder cannot shadow a built-in role ...
SELECT access_policy.create_role(12000, 'Viewer', '{settings.view}');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.create_role(12000, 'admin', '{settings.view}');
ROLLBACK;
RESET ROLE;
-- ... nor take away permissions they do not hold
SELECT access_policy.register_permission('atk.secret', false, admin => false) AS ok \gset
SELECT access_policy.create_role(12000, 'Atk Secret Keeper', '{atk.secret,settings.view}') AS keeper \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('atk_alice');
SAVEPOINT s;
SELECT access_policy.set_role_permissions(:keeper, '{settings.view}');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.delete_role(:keeper);
ROLLBACK;
RESET ROLE;
-- set_support_access keeps the caller's audit reason for what they do next
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('atk_alice');
SELECT set_config('access_policy.audit_reason', 'quarterly cleanup', true) AS reason \gset
SELECT access_policy.set_support_access(12001, 'read', 'ticket 43') IS NOT NULL AS set;
SELECT current_setting('access_policy.audit_reason') AS reason_after;
ROLLBACK;
RESET ROLE;

------------------------------------------------------------------------------
-- Stated limits (docs/security.md, "Limits"): shown, not fixed
------------------------------------------------------------------------------
-- a login mapping names a role; a role dropped and created again under the
-- same name keeps it: unmap_login() before DROP ROLE
CREATE ROLE regress_atk_login;
SELECT access_policy.map_login('regress_atk_login', 'atk_alice');
DROP ROLE regress_atk_login;
CREATE ROLE regress_atk_login;
SET ROLE regress_atk_login;
SELECT access_policy.current_user_id() AS mapped_after_recreate;
RESET ROLE;
SELECT access_policy.unmap_login('regress_atk_login');
DROP ROLE regress_atk_login;
-- a WITH HOLD cursor is filled at commit with the identity then acting
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('atk_alice');
DECLARE atk_held CURSOR WITH HOLD FOR
	SELECT o FROM unnest(access_policy.orgs_with('settings.view')) o WHERE o IN (12000, 12001) ORDER BY o;
COMMIT;
SELECT access_policy.current_user_id() AS acting_now;
FETCH ALL FROM atk_held;
CLOSE atk_held;
RESET ROLE;

-- clean up the cluster-wide role this file created
DROP OWNED BY regress_evil;
DROP ROLE regress_evil;
