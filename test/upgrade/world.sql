-- test/upgrade/world.sql -- a world with rows in every policy table, built
-- with the administration functions every version has (0.1.0 on), as the
-- system (a superuser acting as no user).  Loaded before the upgrade.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\o /dev/null
SELECT access_policy.register_permission('upg.read', true, 'read upgrade data');
SELECT access_policy.register_permission('upg.write', false);
SELECT access_policy.set_permission_support('upg.write', false, true);
SELECT access_policy.create_org('Upgrade Root', NULL, 500);
SELECT access_policy.create_org('Upgrade A', 500, 501);
SELECT access_policy.create_org('Upgrade B', 500, 502);
SELECT access_policy.create_org('Upgrade A1', 501, 503);
SELECT access_policy.create_org('Upgrade Other', NULL, 510);
SELECT access_policy.rename_org(502, 'Upgrade B renamed');
SELECT access_policy.create_role(500, 'Upgrade Reader', '{upg.read}', 'reads') IS NOT NULL;
SELECT access_policy.create_role(501, 'Upgrade Writer', '{upg.read,upg.write}') IS NOT NULL;
SELECT access_policy.create_user('upg_admin', 'admin@example.com');
SELECT access_policy.create_user('upg_reader');
SELECT access_policy.create_user('upg_writer');
SELECT access_policy.create_user('upg_expired');
SELECT access_policy.create_user('upg_future');
SELECT access_policy.create_user('upg_disabled');
SELECT access_policy.create_user('upg_support');
UPDATE access_policy.users SET is_support_staff = true WHERE id = 'upg_support';
SELECT access_policy.assign_role('upg_admin', 500, 'Admin') IS NOT NULL;
SELECT access_policy.assign_role('upg_reader', 500, 'Upgrade Reader') IS NOT NULL;
SELECT access_policy.assign_role('upg_writer', 501, 'Upgrade Writer', now() + interval '30 days') IS NOT NULL;
SELECT access_policy.assign_role('upg_future', 502, 'Editor', NULL, now() + interval '10 days') IS NOT NULL;
SELECT access_policy.assign_role('upg_disabled', 503, 'Viewer') IS NOT NULL;
SELECT access_policy.set_assignment(id, enabled => false) FROM access_policy.assignments WHERE user_id = 'upg_disabled';
INSERT INTO access_policy.assignments (user_id, org_id, role_id, valid_from, expires_at)
VALUES ('upg_expired', 501, 3, now() - interval '10 days', now() - interval '1 day');
SELECT access_policy.create_resource_kind('upg_app');
SELECT access_policy.create_resource_kind('upg_page');
SELECT access_policy.set_kind_action('upg_app', 'open', '{upg.read}');
SELECT access_policy.set_kind_action('upg_page', 'edit', '{upg.read,upg.write}');
SELECT access_policy.create_resource(501, 'upg_app', 'Upgrade App') AS app \gset
SELECT access_policy.create_resource(501, 'upg_page', 'Upgrade Page', :app) AS page \gset
SELECT access_policy.grant_resource(:page, 'Upgrade Writer', ARRAY[501]::bigint[]) IS NOT NULL;
SELECT access_policy.set_support_access(501, 'write', 'migration help');
SELECT access_policy.set_support_expiry(501, '1 week');
-- cluster-wide: the world of an earlier release in the same cluster may have made it
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'access_policy_support_override') AS need_role \gset
\if :need_role
CREATE ROLE access_policy_support_override;
\endif
GRANT access_policy_support_override TO postgres;
SELECT access_policy.override_support_access(510, 'read', 'incident 42');
SELECT access_policy.invite(500, 'new@example.com', 'Viewer') IS NOT NULL;
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'upg_login') AS need_role \gset
\if :need_role
CREATE ROLE upg_login;
\endif
SELECT access_policy.map_login('upg_login', 'upg_reader');
CREATE TABLE public.upg_tenant (id int PRIMARY KEY, org_id bigint NOT NULL, body text);
CREATE INDEX ON public.upg_tenant (org_id);
INSERT INTO public.upg_tenant SELECT g, 500 + g % 4, 'row ' || g FROM generate_series(1, 40) g;
SELECT access_policy.protect_table('public.upg_tenant', 'org_id', 'upg.read', 'upg.write');
