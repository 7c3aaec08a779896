-- test/world/extra_state.sql -- state the demo world (test/demo_world.sql) does not have,
-- loaded after it by the suites that compare every answer before and after
-- moving a database (40-dump-restore, 72-pg-upgrade): built-in rows changed,
-- a custom role lower in the tree, future and expired assignments and grants,
-- parents stored after their children, an override, a pending invitation, a
-- mapped login, audit rows with reasons and deletions.
\set ON_ERROR_STOP 1
-- built-in rows changed: Viewer loses integrations.view (the demo already
-- added app_platform.view and form.view to Admin), and the vendor never lets
-- support staff edit integrations
SELECT access_policy.set_role_permissions(3, ARRAY(
	SELECT rp.permission FROM access_policy.role_permissions rp
	 WHERE rp.role_id = 3 AND rp.permission <> 'integrations.view'));
SELECT access_policy.set_permission_support('integrations.edit', support_read => false, support_never => true);
-- a custom role defined lower in the tree
SELECT access_policy.create_role(110, 'Clinic Lead', ARRAY['responses.view', 'responses.write', 'settings.view'],
								 'runs a clinic');
SELECT access_policy.assign_role('nina', 112, 'Clinic Lead');
-- a future and an expired assignment
SELECT access_policy.assign_role('frank', 110, 'Viewer', valid_from => now() + interval '3 days');
SELECT access_policy.assign_role('omar', 120, 'Viewer') AS omar_120 \gset
UPDATE access_policy.assignments SET valid_from = now() - interval '10 days', expires_at = now() - interval '1 day'
 WHERE id = :omar_120;
-- grants: time-limited, expired, and not yet valid
SELECT id AS fleet FROM access_policy.resources WHERE name = 'Fleet Inspections' \gset
SELECT id AS daily FROM access_policy.resources WHERE name = 'Daily inspection' \gset
SELECT id AS incident FROM access_policy.resources WHERE name = 'Incident report' \gset
SELECT access_policy.grant_resource(:fleet, 'Auditor', ARRAY[110::bigint], expires_at => now() + interval '30 days');
SELECT access_policy.grant_resource(:incident, 'Viewer', ARRAY[110::bigint]);
UPDATE access_policy.resource_grants SET valid_from = now() - interval '5 days', expires_at = now() - interval '2 days'
 WHERE resource_id = :incident;
SELECT access_policy.grant_resource(:daily, 'App Builder', ARRAY[112::bigint]);
UPDATE access_policy.resource_grants SET valid_from = now() + interval '2 days' WHERE resource_id = :daily;
-- parents stored after their children: renaming the apps moves their rows
UPDATE access_policy.resources SET name = name || ' v2' WHERE kind = 'app';
UPDATE access_policy.orgs SET name = name || ' Group' WHERE id = 100;
-- vendor break-glass override (the system is a member of every role)
CREATE ROLE access_policy_support_override;
SELECT access_policy.override_support_access(112, 'write', 'incident 99', interval '4 hours');
-- a pending invitation
BEGIN;
SELECT access_policy.set_user('paula') \gset
SELECT access_policy.invite(111, 'rita@contoso.example', 'Viewer') AS rita_token \gset
COMMIT;
-- a psql administrator mapped to maria
CREATE ROLE dba_maria LOGIN;
SELECT access_policy.map_login('dba_maria', 'maria');
-- audit rows with a reason, and deletions
BEGIN;
SET LOCAL access_policy.audit_reason = 'quarterly access review';
SELECT access_policy.rename_org(120, 'Fabrikam Logistics GmbH');
SELECT access_policy.revoke_role('eddie', 110, 'Editor');
COMMIT;
-- the application's keys (0.5.0): uuid org keys, text resource keys, a
-- changed key (retired) and a tenant table protected by key
SELECT access_policy.set_key_type('org', 'uuid'), access_policy.set_key_type('resource', 'text');
UPDATE access_policy.orgs SET key = md5('org ' || id)::uuid::text WHERE id % 2 = 0;
SELECT access_policy.set_org_key(111, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11');
SELECT access_policy.set_org_key(111, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12');
UPDATE access_policy.resources SET key = 'res-' || id WHERE id % 3 <> 0;
CREATE TABLE demo.keyed_notes (org uuid NOT NULL, body text);
INSERT INTO demo.keyed_notes SELECT o.key::uuid, 'note of ' || o.name FROM access_policy.orgs o WHERE o.key IS NOT NULL;
GRANT SELECT ON demo.keyed_notes TO demo_app;
SELECT access_policy.protect_table('demo.keyed_notes', 'org', 'responses.view', 'responses.write');
