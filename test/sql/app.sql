-- app: what an application asks for itself (leaving an org, its orgs, its
-- profile, a structured explain) and single permissions of a role.  Orgs
-- 7301-7302, users app_*.
\set VERBOSITY terse
SET TIME ZONE 'UTC';
SELECT access_policy.create_user('app_ann', 'ann@app.example', 'Ann'), access_policy.create_user('app_bo');
SELECT access_policy.create_org('App Co', NULL, 7301), access_policy.create_org('App Co Team', 7301, 7302);
SELECT access_policy.assign_role('app_ann', 7301, 'Admin') IS NOT NULL AS assigned;
SELECT access_policy.assign_role('app_bo', 7302, 'Viewer') IS NOT NULL AS assigned;

-- a member without members.manage leaves an org; the last Admin cannot
BEGIN;
SET LOCAL ROLE regress_app;
SELECT access_policy.set_user('app_bo');
SELECT org_id, org_name, role, status FROM access_policy.my_orgs();
SELECT access_policy.remove_member('app_bo', 7302);
ROLLBACK;
BEGIN;
SET LOCAL ROLE regress_app;
SELECT access_policy.set_user('app_bo');
SELECT access_policy.leave_org(7302);
SELECT count(*) AS orgs_left FROM access_policy.my_orgs();
SELECT access_policy.can(7302, 'responses.view') AS still_reads;
SAVEPOINT s;
SELECT access_policy.leave_org(7302);
ROLLBACK TO s;
SELECT access_policy.leave_org(99999);
ROLLBACK;
BEGIN;
SET LOCAL ROLE regress_app;
SELECT access_policy.set_user('app_ann');
SELECT access_policy.leave_org(7301);
ROLLBACK;
BEGIN;
SET LOCAL ROLE regress_app;
SELECT access_policy.leave_org(7301);
ROLLBACK;

-- your own profile; nobody else's
BEGIN;
SET LOCAL ROLE regress_app;
SELECT access_policy.set_user('app_ann');
SELECT access_policy.update_user('app_ann', display_name => 'Ann A.');
SELECT access_policy.update_user('app_ann', email => 'ann@new.example');
SAVEPOINT s;
SELECT access_policy.update_user('app_ann', email => 'not an address');
ROLLBACK TO s;
SELECT access_policy.update_user('app_bo', display_name => 'Bo');
ROLLBACK;
SELECT access_policy.update_user('app_ann', display_name => 'Ann A.');
SELECT access_policy.update_user('app_ann', email => '');
SELECT access_policy.update_user('app_nobody', display_name => 'x');
SELECT id, email, display_name FROM access_policy.users WHERE id = 'app_ann';

-- a navigation list with names, under the grants an application role has
-- (none on access_policy.resources)
SELECT access_policy.create_resource_kind('app_page');
SELECT access_policy.set_kind_action('app_page', 'open', '{responses.view}');
SELECT access_policy.create_resource(7302, 'app_page', 'Home') AS home \gset
SELECT access_policy.create_resource(7302, 'app_page', 'Reports', :home) AS reports \gset
SELECT access_policy.create_resource(7301, 'app_page', 'Billing') AS billing \gset
BEGIN;
SET LOCAL ROLE regress_app;
SELECT access_policy.set_user('app_bo');
SELECT name, kind, parent_id = :home AS below_home FROM access_policy.navigation(:home, 'open');
SELECT name FROM access_policy.navigation(:billing, 'open');
SELECT name FROM access_policy.navigation(:home, 'fly');
ROLLBACK;

-- explain for a user interface
BEGIN;
SET LOCAL ROLE regress_app;
SELECT access_policy.set_user('app_bo');
SELECT regexp_replace(jsonb_pretty(access_policy.explain_json(7302, 'responses.view')), 'assignment [0-9]+', 'assignment N') AS explained;
SELECT access_policy.explain_json(7302, 'responses.write') -> 'allowed' AS write_allowed;
-- one argument order, the org first as in can(); the permission-first order of 0.4.0 still works
SELECT (SELECT array_agg(e) FROM access_policy.explain(7302, 'responses.view') e)
	 = (SELECT array_agg(e) FROM access_policy.explain('responses.view', 7302) e) AS same_explain;
SELECT (SELECT count(*) FROM access_policy.explain_resource(:home, 'responses.view') e WHERE e.allowed) AS resource_paths;
ROLLBACK;
SELECT (SELECT array_agg(w ORDER BY w.user_id) FROM access_policy.who_can(7302, 'responses.view') w)
	 = (SELECT array_agg(w ORDER BY w.user_id) FROM access_policy.who_can('responses.view', 7302) w) AS same_who_can,
	   (SELECT count(*) FROM access_policy.who_can_resource(:home, 'responses.view')) AS who_can_resource;


-- the built-in Admin gets a permission registered later, unless told not to
SELECT access_policy.register_permission('app.export', false);
SELECT access_policy.register_permission('app.internal', false, admin => false);
SELECT permission FROM access_policy.role_permissions WHERE role_id = 1 AND permission LIKE 'app.%' ORDER BY 1;
BEGIN;
SELECT access_policy.set_user('app_ann');
SELECT access_policy.can(7301, 'app.export') AS admin_exports, access_policy.can(7301, 'app.internal') AS admin_internal;
ROLLBACK;

-- one permission at a time, with the rules of set_role_permissions()
SELECT access_policy.create_role(7301, 'Exporter', '{reviews.view}') AS exporter \gset
BEGIN;
SET LOCAL ROLE regress_app;
SELECT access_policy.set_user('app_ann');
SELECT access_policy.add_role_permission(:exporter, 'app.export');
SAVEPOINT s;
SELECT access_policy.add_role_permission(:exporter, 'app.internal');
ROLLBACK TO s;
SELECT access_policy.add_role_permission(:exporter, 'no.such');
ROLLBACK TO s;
SELECT access_policy.remove_role_permission(:exporter, 'reviews.view');
SELECT permission FROM access_policy.role_permissions WHERE role_id = :exporter ORDER BY 1;
ROLLBACK;
-- Admin losing members.manage is said
BEGIN;
SELECT access_policy.remove_role_permission(1, 'members.manage');
ROLLBACK;

-- the API by what a role does, not GRANT ... ON ALL FUNCTIONS
CREATE ROLE regress_api_app;
CREATE ROLE regress_api_admin;
CREATE ROLE regress_api_maint;
SELECT access_policy.grant_api('regress_api_app', 'application') > 40 AS granted;
SELECT access_policy.grant_api('regress_api_admin', 'administrator') > 40 AS granted;
SELECT access_policy.grant_api('regress_api_maint', 'maintenance') AS granted;
SELECT access_policy.grant_api('regress_api_maint', 'superuser');
SELECT r AS role, f AS function, has_function_privilege(r, f, 'EXECUTE') AS may
  FROM unnest(ARRAY['regress_api_app', 'regress_api_admin', 'regress_api_maint']) r,
	   unnest(ARRAY['access_policy.set_user(text,boolean)', 'access_policy.create_org(text,bigint,bigint,text)',
					'access_policy.org_id(anycompatible)', 'access_policy.assign_role(text,bigint,text,timestamptz,timestamptz)',
					'access_policy.housekeeping()', 'access_policy.set_key_type(text,regtype)',
					'access_policy.map_login(name,text)', 'access_policy_internal._holds(bigint,text)']) f
 ORDER BY 1, 2;
BEGIN;
SET LOCAL ROLE regress_app;
SELECT access_policy.grant_api('regress_api_app', 'application');
ROLLBACK;
DROP OWNED BY regress_api_app, regress_api_admin, regress_api_maint;
DROP ROLE regress_api_app, regress_api_admin, regress_api_maint;

SELECT access_policy.delete_org(7301, true);
SELECT access_policy.delete_user('app_ann'), access_policy.delete_user('app_bo');
