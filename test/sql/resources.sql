-- resources: the org is the root of its resource tree; grants add access below a resource;
-- a grant needs both the role and the authorized org; actions need every permission of the kind.
\set VERBOSITY terse
SET TIME ZONE 'UTC';
SELECT access_policy.create_org('Vendor', NULL, 3000);
SELECT access_policy.create_org('Customer', 3000, 3001);
SELECT access_policy.create_org('Customer Team', 3001, 3002);
SELECT access_policy.create_org('Partner', 3000, 3003);
SELECT access_policy.register_permission('app_platform.view', true);
SELECT access_policy.register_permission('form.view', true);
SELECT access_policy.register_permission('form.edit', false);
SELECT access_policy.create_resource_kind('app', 'an application');
SELECT access_policy.create_resource_kind('page', 'a page of an app');
SELECT access_policy.create_resource_kind('Bad Kind');
SELECT access_policy.create_resource_kind('app');
SELECT access_policy.set_kind_action('page', 'open', '{app_platform.view,form.view}');
SELECT access_policy.set_kind_action('page', 'edit', '{app_platform.view,form.edit}');
SELECT access_policy.set_kind_action('app', 'open', '{app_platform.view}');
SELECT access_policy.set_kind_action('page', 'open', '{no.such}');
SELECT access_policy.set_kind_action('nokind', 'open', '{form.view}');
SELECT access_policy.set_kind_action('page', 'Bad Action', '{form.view}');
SELECT access_policy.set_kind_action('page', 'empty', '{}');
SELECT access_policy.create_role(3000, 'Platform User', '{app_platform.view}') IS NOT NULL AS ok;
SELECT access_policy.create_role(3000, 'Form Reader', '{form.view}') IS NOT NULL AS ok;
SELECT access_policy.create_role(3000, 'Form Editor', '{form.view,form.edit}') IS NOT NULL AS ok;

SELECT access_policy.create_resource(3001, 'app', 'CRM') AS crm \gset
SELECT access_policy.create_resource(3001, 'page', 'Contacts', :crm) AS contacts \gset
SELECT access_policy.create_resource(3001, 'page', 'Deals', :crm) AS deals \gset
SELECT access_policy.create_resource(3001, 'page', 'Deal detail', :deals) AS deal_detail \gset
SELECT access_policy.create_resource(3001, 'page', 'Secret', :crm) AS secret \gset
SELECT access_policy.create_resource(3003, 'app', 'Partner app') AS partner_app \gset
-- refusals
SELECT access_policy.create_resource(3001, 'widget', 'x');
SELECT access_policy.create_resource(3001, 'page', 'x', -1);
SELECT access_policy.create_resource(3003, 'page', 'x', :crm);
SELECT access_policy.create_resource(3001, 'page', '');
SELECT access_policy.create_resource(-1, 'page', 'x');
UPDATE access_policy.resources SET parent_id = NULL WHERE id = :contacts;

SELECT access_policy.create_user('res_builder');
SELECT access_policy.create_user('res_member');
SELECT access_policy.create_user('res_partner');
SELECT access_policy.create_user('res_outsider');
-- res_builder: Platform User for the whole customer org, Form Reader held in the team
SELECT access_policy.assign_role('res_builder', 3001, 'Platform User') IS NOT NULL AS ok;
SELECT access_policy.assign_role('res_builder', 3002, 'Form Reader') IS NOT NULL AS ok;
-- res_member: Form Reader at the customer, but not Platform User
SELECT access_policy.assign_role('res_member', 3001, 'Form Reader') IS NOT NULL AS ok;
-- res_partner: Form Editor in the partner org; Partner Editor is the partner's own role
SELECT access_policy.create_role(3003, 'Partner Editor', '{app_platform.view,form.view,form.edit}') IS NOT NULL AS ok;
SELECT access_policy.assign_role('res_partner', 3003, 'Form Editor') IS NOT NULL AS ok;
SELECT access_policy.assign_role('res_partner', 3003, 'Partner Editor') IS NOT NULL AS ok;
-- res_outsider holds Form Reader somewhere unrelated: role alone gives nothing
SELECT access_policy.create_org('Elsewhere', 3000, 3004);
SELECT access_policy.assign_role('res_outsider', 3004, 'Form Reader') IS NOT NULL AS ok;

-- grants: Form Reader held in the team (or above it) may read Deals and below
SELECT access_policy.grant_resource(:deals, 'Form Reader', ARRAY[3002]::bigint[]);
SELECT access_policy.grant_resource(:contacts, 'Form Reader', ARRAY[3002, 3001]::bigint[],
									expires_at => '2000-01-01');
SELECT access_policy.grant_resource(:contacts, 'Form Reader', ARRAY[3002]::bigint[], expires_at => '2100-01-01');
SELECT access_policy.grant_resource(:contacts, 'Form Reader', '{}');
SELECT access_policy.grant_resource(:contacts, 'Form Reader', ARRAY[-1]::bigint[]);
SELECT access_policy.grant_resource(-1, 'Form Reader', ARRAY[3002]::bigint[]);
SELECT access_policy.grant_resource(:contacts, 'Nope', ARRAY[3002]::bigint[]);

CREATE TEMP TABLE res_names AS
SELECT id, name FROM access_policy.resources WHERE org_id IN (3001, 3003);
GRANT SELECT ON res_names TO regress_app;

CREATE FUNCTION res_report(who text) RETURNS TABLE (page text, form_view boolean, form_edit boolean, can_open boolean, can_edit boolean)
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM access_policy.set_user(who);
	RETURN QUERY
	SELECT n.name, access_policy.can_resource(n.id, 'form.view'), access_policy.can_resource(n.id, 'form.edit'),
		   access_policy.can_action(n.id, 'open'), access_policy.can_action(n.id, 'edit')
	  FROM res_names n ORDER BY n.id;
END;
$$;
GRANT EXECUTE ON FUNCTION res_report(text) TO regress_app;
SET ROLE regress_app;
BEGIN;
SELECT * FROM res_report('res_builder');
SELECT * FROM res_report('res_member');
SELECT * FROM res_report('res_outsider');
COMMIT;
RESET ROLE;

-- a grant to a role held in another org: res_partner reads and edits Deals through it,
-- but cannot open them (app_platform.view is held only in the partner's own org)
SELECT access_policy.grant_resource(:deals, 'Form Editor', ARRAY[3003]::bigint[]);
-- a role defined after actions were first used renumbers nothing visible
SELECT access_policy.create_role(3001, 'Local Editor', '{form.view,form.edit,app_platform.view}') IS NOT NULL AS ok;
SET ROLE regress_app;
BEGIN;
SELECT * FROM res_report('res_partner');
COMMIT;
RESET ROLE;
-- lists: only what the user may see / open, sorted
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('res_builder');
SELECT n.name FROM res_names n WHERE n.id = ANY (access_policy.resources_allowing(:crm, 'open')) ORDER BY n.id;
SELECT n.name FROM res_names n WHERE n.id = ANY (access_policy.resources_with(:crm, 'form.view')) ORDER BY n.id;
SELECT cardinality(access_policy.resources_with(:deals, 'app_platform.view')) AS below_deals;
-- unknown root, NULLs, typos
SELECT access_policy.resources_with(-1, 'form.view') AS unknown_root, access_policy.resources_with(NULL, 'form.view') AS null_root,
	   access_policy.can_resource(-1, 'form.view') AS unknown_res, access_policy.can_action(NULL, 'open') AS null_res,
	   access_policy.can_action(:partner_app, 'edit') AS action_not_for_kind;
SELECT access_policy.can_action(:crm, 'opne');
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('res_builder');
SELECT access_policy.resources_allowing(:crm, 'opne');
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('res_builder');
SELECT access_policy.can_resource(:crm, 'form.veiw');
ROLLBACK;
-- can_row: resource NULL means the org; a resource of another org is denied
BEGIN;
SELECT access_policy.set_user('res_builder');
SELECT access_policy.can_row(3001, NULL, 'app_platform.view') AS org_row,
	   access_policy.can_row(3001, :deals, 'form.view') AS res_row,
	   access_policy.can_row(3003, :deals, 'form.view') AS wrong_org,
	   access_policy.can_row(3001, :secret, 'form.view') AS no_grant;
COMMIT;
RESET ROLE;

-- revoking a grant and deleting resources take effect at once
SELECT access_policy.revoke_resource(:deals, 'Form Reader', 3002);
SELECT access_policy.revoke_resource(:deals, 'Form Reader', 3002);
SELECT access_policy.revoke_resource(:deals, 'Nope');
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('res_builder');
SELECT access_policy.can_resource(:deal_detail, 'form.view') AS after_revoke;
COMMIT;
RESET ROLE;
SELECT access_policy.delete_org(3003);
SELECT access_policy.delete_resource(:deals);
SELECT count(*) AS left_below_crm FROM access_policy.resources WHERE parent_id = :crm;
SELECT access_policy.delete_resource(:deals);
-- deleting an org that authorized grants removes those grants (with cascade)
SELECT access_policy.grant_resource(:contacts, 'Form Reader', ARRAY[3004]::bigint[]);
SELECT access_policy.delete_org(3004);
SELECT access_policy.delete_org(3004, cascade => true);
SELECT count(*) AS grants_naming_3004 FROM access_policy.resource_grants WHERE authorized_org_id = 3004;
