-- explain: introspection.  effective_permissions() and
-- effective_resource_permissions() list what a user holds and where it comes
-- from; explain() and explain_resource() say why a check is allowed or denied,
-- path by path, with the expiry; who_can() and who_can_resource() list the
-- holders.  Asking about anybody but yourself needs members.manage.
\set VERBOSITY terse
\set SHOW_CONTEXT never
SET TIME ZONE 'UTC';
--   7000 Explain Root                 7010 Explain Partner     7020 Explain Outside
--     |                                 |
--   7001 Explain Region               7011 Partner Team
--     |
--   7002 Explain Country
--     |
--   7003 Explain City   (resources: <app> and its child <page>)
SELECT access_policy.create_org('Explain Root', NULL, 7000);
SELECT access_policy.create_org('Explain Region', 7000, 7001);
SELECT access_policy.create_org('Explain Country', 7001, 7002);
SELECT access_policy.create_org('Explain City', 7002, 7003);
SELECT access_policy.create_org('Explain Partner', NULL, 7010);
SELECT access_policy.create_org('Partner Team', 7010, 7011);
SELECT access_policy.create_org('Explain Outside', NULL, 7020);
SELECT access_policy.create_resource_kind('exp_app');
SELECT access_policy.create_resource(7003, 'exp_app', 'App') AS res_app \gset
SELECT access_policy.create_resource(7003, 'exp_app', 'Page', :res_app) AS res_page \gset

-- Helpers: ids that come from sequences are shown by the names this file gives
-- them (<...>).
CREATE TABLE explain_names (kind text, id bigint, name text);
GRANT SELECT ON explain_names TO regress_app;
CREATE FUNCTION explain_text(t text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
	n record;
BEGIN
	FOR n IN SELECT * FROM explain_names ORDER BY kind, id LOOP
		t := regexp_replace(t, CASE n.kind WHEN 'assignment' THEN '(assignment )'
										   WHEN 'grant' THEN '(grant )'
										   ELSE '(resource |include |above )' END || n.id || '\M',
							'\1<' || n.name || '>', 'g');
	END LOOP;
	RETURN t;
END;
$$;
CREATE FUNCTION explain_name(kind text, id bigint) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT COALESCE((SELECT '<' || n.name || '>' FROM explain_names n WHERE n.kind = $1 AND n.id = $2), $2::text)
$$;
INSERT INTO explain_names VALUES ('resource', :res_app, 'app'), ('resource', :res_page, 'page');

SELECT access_policy.create_user(u)
  FROM unnest(ARRAY['exp_admin', 'exp_city_admin', 'exp_direct', 'exp_inherit', 'exp_disabled', 'exp_expired',
					'exp_future', 'exp_expiring', 'exp_partner', 'exp_partner_lead', 'exp_partner_editor',
					'exp_outsider']) AS u;
SELECT access_policy.assign_role('exp_admin', 7000, 'Admin') AS a \gset
INSERT INTO explain_names VALUES ('assignment', :a, 'admin Admin at 7000');
SELECT access_policy.assign_role('exp_city_admin', 7003, 'Admin') AS a \gset
INSERT INTO explain_names VALUES ('assignment', :a, 'city_admin Admin at 7003');
-- a direct assignment
SELECT access_policy.assign_role('exp_direct', 7003, 'Viewer') AS a \gset
INSERT INTO explain_names VALUES ('assignment', :a, 'direct Viewer at 7003');
-- held three levels above
SELECT access_policy.assign_role('exp_inherit', 7000, 'Editor') AS a \gset
INSERT INTO explain_names VALUES ('assignment', :a, 'inherit Editor at 7000');
SELECT access_policy.assign_role('exp_inherit', 7003, 'Viewer') AS a \gset
INSERT INTO explain_names VALUES ('assignment', :a, 'inherit Viewer at 7003');
-- disabled
SELECT access_policy.assign_role('exp_disabled', 7002, 'Editor') AS a \gset
INSERT INTO explain_names VALUES ('assignment', :a, 'disabled Editor at 7002');
SELECT access_policy.set_assignment(:a, enabled => false);
-- expired (assign_role refuses a past expiry; the system moves it afterwards)
SELECT access_policy.assign_role('exp_expired', 7001, 'Editor') AS a \gset
INSERT INTO explain_names VALUES ('assignment', :a, 'expired Editor at 7001');
SELECT access_policy.set_assignment(:a, expires_at => '2000-01-01 00:00:00+00');
-- not valid yet
SELECT access_policy.assign_role('exp_future', 7002, 'Viewer', expires_at => '2101-01-01 00:00:00+00',
								 valid_from => '2100-01-01 00:00:00+00') AS a \gset
INSERT INTO explain_names VALUES ('assignment', :a, 'future Viewer at 7002');
-- valid until 2100
SELECT access_policy.assign_role('exp_expiring', 7003, 'Viewer', expires_at => '2100-01-01 00:00:00+00') AS a \gset
INSERT INTO explain_names VALUES ('assignment', :a, 'expiring Viewer at 7003');
-- the partner tree reaches the app through a grant to Viewer held at Partner Team
SELECT access_policy.assign_role('exp_partner', 7011, 'Viewer') AS a \gset
INSERT INTO explain_names VALUES ('assignment', :a, 'partner Viewer at 7011');
SELECT access_policy.assign_role('exp_partner_lead', 7010, 'Viewer') AS a \gset
INSERT INTO explain_names VALUES ('assignment', :a, 'partner_lead Viewer at 7010');
SELECT access_policy.assign_role('exp_partner_editor', 7011, 'Editor') AS a \gset
INSERT INTO explain_names VALUES ('assignment', :a, 'partner_editor Editor at 7011');
SELECT access_policy.assign_role('exp_outsider', 7020, 'Viewer') AS a \gset
INSERT INTO explain_names VALUES ('assignment', :a, 'outsider Viewer at 7020');
SELECT access_policy.grant_resource(:res_app, 'Viewer', ARRAY[7011]::bigint[], expires_at => '2100-01-01 00:00:00+00');
-- grants to the outside org: one on the page that has expired, one on the app
-- that is not valid yet (both set by the system directly)
SELECT access_policy.grant_resource(:res_page, 'Viewer', ARRAY[7020]::bigint[]);
SELECT access_policy.grant_resource(:res_app, 'Viewer', ARRAY[7020]::bigint[]);
UPDATE access_policy.resource_grants SET expires_at = '2000-01-01 00:00:00+00'
 WHERE resource_id = :res_page AND authorized_org_id = 7020;
UPDATE access_policy.resource_grants SET valid_from = '2100-01-01 00:00:00+00'
 WHERE resource_id = :res_app AND authorized_org_id = 7020;
INSERT INTO explain_names
SELECT 'grant', g.id, r.name || ' to Viewer at ' || g.authorized_org_id
  FROM access_policy.resource_grants g JOIN explain_names r ON r.kind = 'resource' AND r.id = g.resource_id
 WHERE g.resource_id IN (:res_app, :res_page);
SELECT name FROM explain_names WHERE kind = 'grant' ORDER BY name;

SET ROLE regress_app;

-- effective_permissions: your own, with the role, the org it is held at and the expiry
BEGIN;
SELECT access_policy.set_user('exp_inherit');
SELECT permission, role_name, held_at_org, explain_name('assignment', assignment_id) AS assignment, expires_at
  FROM access_policy.effective_permissions(7003);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('exp_expiring');
SELECT permission, role_name, held_at_org, expires_at FROM access_policy.effective_permissions(7003);
-- nothing above where it is held
SELECT permission FROM access_policy.effective_permissions(7002);
ROLLBACK;
-- disabled, expired and not yet valid assignments give nothing
BEGIN;
SELECT access_policy.set_user('exp_disabled');
SELECT * FROM access_policy.effective_permissions(7003);
SELECT access_policy.set_user('exp_expired');
SELECT * FROM access_policy.effective_permissions(7003);
SELECT access_policy.set_user('exp_future');
SELECT * FROM access_policy.effective_permissions(7003);
ROLLBACK;
-- nobody acting, unknown org
SELECT * FROM access_policy.effective_permissions(7003);
BEGIN;
SELECT access_policy.set_user('exp_direct');
SELECT * FROM access_policy.effective_permissions(7999);
SELECT * FROM access_policy.effective_permissions(NULL);
ROLLBACK;

-- explain: one row per path, active first, nearest first; expiry shown
BEGIN;
SELECT access_policy.set_user('exp_direct');
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain('responses.view', 7003);
-- a permission no role of theirs carries
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain('responses.write', 7003);
-- the assignment does not reach up
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain('responses.view', 7002);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('exp_inherit');
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain('responses.view', 7003);
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain('responses.write', 7003);
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain('responses.write', 7001);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('exp_expiring');
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain('responses.view', 7003);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('exp_disabled');
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain('responses.write', 7003);
SELECT access_policy.set_user('exp_expired');
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain('responses.write', 7003);
SELECT access_policy.set_user('exp_future');
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain('responses.view', 7003);
ROLLBACK;
-- nobody acting; an unknown user; an unknown org; NULL
SELECT allowed, path, expires_at FROM access_policy.explain('responses.view', 7003);
BEGIN;
SELECT access_policy.set_user('exp_no_such_user');
SELECT allowed, path, expires_at FROM access_policy.explain('responses.view', 7003);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('exp_direct');
SELECT allowed, path, expires_at FROM access_policy.explain('responses.view', 7999);
SELECT allowed, path, expires_at FROM access_policy.explain('responses.view', NULL::bigint);
-- an unregistered permission is an error
SAVEPOINT s;
SELECT * FROM access_policy.explain('responses.veiw', 7003);
ROLLBACK TO SAVEPOINT s;
SELECT * FROM access_policy.explain(NULL, 7003);
ROLLBACK;

-- effective_resource_permissions: through the org or through a grant
BEGIN;
SELECT access_policy.set_user('exp_direct');
SELECT permission, source, role_name, held_at_org, explain_name('resource', granted_on) AS granted_on, authorized_org, expires_at
  FROM access_policy.effective_resource_permissions(:res_page);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('exp_partner');
SELECT permission, source, role_name, held_at_org, explain_name('resource', granted_on) AS granted_on, authorized_org, expires_at
  FROM access_policy.effective_resource_permissions(:res_page);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('exp_partner_lead');
SELECT permission, source, role_name, held_at_org, explain_name('resource', granted_on) AS granted_on, authorized_org, expires_at
  FROM access_policy.effective_resource_permissions(:res_app);
ROLLBACK;
-- Editor at Partner Team is not the granted role; Viewer outside is not in the
-- authorized org; the outside grants are expired or not valid yet
BEGIN;
SELECT access_policy.set_user('exp_partner_editor');
SELECT * FROM access_policy.effective_resource_permissions(:res_page);
SELECT access_policy.set_user('exp_outsider');
SELECT * FROM access_policy.effective_resource_permissions(:res_page);
SELECT * FROM access_policy.effective_resource_permissions(-1);
ROLLBACK;

-- explain_resource
BEGIN;
SELECT access_policy.set_user('exp_direct');
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain_resource('responses.view', :res_page);
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain_resource('responses.write', :res_page);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('exp_partner');
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain_resource('responses.view', :res_page);
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain_resource('responses.view', :res_app);
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain_resource('responses.write', :res_app);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('exp_partner_lead');
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain_resource('responses.view', :res_page);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('exp_partner_editor');
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain_resource('responses.view', :res_page);
SELECT access_policy.set_user('exp_outsider');
-- (two inactive paths: sorted here, the function does not order ties)
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain_resource('responses.view', :res_page)
 ORDER BY allowed DESC, expires_at IS NULL, path;
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain_resource('responses.view', :res_app);
SELECT allowed, path, expires_at FROM access_policy.explain_resource('responses.view', -1);
SAVEPOINT s;
SELECT * FROM access_policy.explain_resource('no.such', :res_page);
ROLLBACK TO SAVEPOINT s;
ROLLBACK;
SELECT allowed, path, expires_at FROM access_policy.explain_resource('responses.view', :res_page);

-- an admin may ask about others in the orgs where they hold members.manage
BEGIN;
SELECT access_policy.set_user('exp_admin');
SELECT permission, role_name, held_at_org, expires_at FROM access_policy.effective_permissions(7003, 'exp_expiring');
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain('responses.write', 7003, 'exp_inherit');
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain('responses.write', 7003, 'exp_expired');
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain('responses.view', 7003, 'exp_no_such_user');
SELECT permission, source, explain_name('resource', granted_on) AS granted_on, authorized_org, expires_at
  FROM access_policy.effective_resource_permissions(:res_page, 'exp_partner') WHERE permission = 'responses.view';
SELECT allowed, explain_text(path) AS path, expires_at FROM access_policy.explain_resource('responses.view', :res_app, 'exp_partner_lead');
ROLLBACK;
-- the admin of the city may ask there, not above it
BEGIN;
SELECT access_policy.set_user('exp_city_admin');
SELECT allowed, explain_text(path) AS path FROM access_policy.explain('responses.view', 7003, 'exp_direct');
SAVEPOINT s;
SELECT * FROM access_policy.explain('responses.write', 7002, 'exp_disabled');
ROLLBACK TO SAVEPOINT s;
ROLLBACK;

-- asking about another user without members.manage is refused
BEGIN;
SELECT access_policy.set_user('exp_direct');
SAVEPOINT s;
SELECT * FROM access_policy.effective_permissions(7003, 'exp_inherit');
ROLLBACK TO SAVEPOINT s;
SELECT * FROM access_policy.explain('responses.view', 7003, 'exp_inherit');
ROLLBACK TO SAVEPOINT s;
SELECT * FROM access_policy.effective_resource_permissions(:res_page, 'exp_partner');
ROLLBACK TO SAVEPOINT s;
SELECT * FROM access_policy.explain_resource('responses.view', :res_page, 'exp_partner');
ROLLBACK TO SAVEPOINT s;
-- naming yourself is asking about yourself
SELECT permission FROM access_policy.effective_permissions(7003, 'exp_direct') WHERE permission = 'responses.view';
ROLLBACK;
-- the partner's own grant gives no right to ask about the resource's users
BEGIN;
SELECT access_policy.set_user('exp_partner');
SELECT * FROM access_policy.explain_resource('responses.view', :res_page, 'exp_direct');
ROLLBACK;
-- nobody acting may not ask about anybody
SELECT * FROM access_policy.explain('responses.view', 7003, 'exp_direct');

-- who_can: every holder with the role, the org it is held at and the expiry
BEGIN;
SELECT access_policy.set_user('exp_admin');
SELECT * FROM access_policy.who_can('responses.view', 7003);
SELECT * FROM access_policy.who_can('responses.write', 7003);
SELECT * FROM access_policy.who_can('org.manage', 7003);
SELECT * FROM access_policy.who_can('responses.view', 7000);
SAVEPOINT s;
SELECT * FROM access_policy.who_can('responses.veiw', 7003);
ROLLBACK TO SAVEPOINT s;
SELECT * FROM access_policy.who_can('responses.view', 7999);
ROLLBACK TO SAVEPOINT s;
SELECT * FROM access_policy.who_can('responses.view', 7010);
ROLLBACK TO SAVEPOINT s;
-- who_can_resource adds the holders through grants
SELECT * FROM access_policy.who_can_resource('responses.view', :res_page);
SELECT * FROM access_policy.who_can_resource('responses.write', :res_page);
SELECT * FROM access_policy.who_can_resource('responses.view', -1);
ROLLBACK TO SAVEPOINT s;
SELECT * FROM access_policy.who_can_resource('responses.veiw', :res_page);
ROLLBACK;
-- the city admin may list holders in the city
BEGIN;
SELECT access_policy.set_user('exp_city_admin');
SELECT * FROM access_policy.who_can('responses.write', 7003);
SAVEPOINT s;
SELECT * FROM access_policy.who_can('responses.write', 7002);
ROLLBACK TO SAVEPOINT s;
ROLLBACK;
-- without members.manage: refused
BEGIN;
SELECT access_policy.set_user('exp_direct');
SAVEPOINT s;
SELECT * FROM access_policy.who_can('responses.view', 7003);
ROLLBACK TO SAVEPOINT s;
SELECT * FROM access_policy.who_can_resource('responses.view', :res_page);
ROLLBACK TO SAVEPOINT s;
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('exp_partner');
SELECT * FROM access_policy.who_can_resource('responses.view', :res_app);
ROLLBACK;
SELECT * FROM access_policy.who_can('responses.view', 7003);
RESET ROLE;
SET ROLE regress_tenant;
SELECT * FROM access_policy.who_can('responses.view', 7003);
SELECT allowed, path FROM access_policy.explain('responses.view', 7003);
RESET ROLE;
