-- test/demo_world.sql -- the world of `make demo`, and a walk through it.
--
-- Run by test/demo with psql as the superuser postgres, in database "demo",
-- after CREATE EXTENSION access_policy.  Part 1 builds the world as "the
-- system" (a superuser acting as no user); part 2 looks at it the way an
-- application does: connected as the non-superuser role demo_app, which may
-- say who is acting (EXECUTE on set_user), under row-level security.
--
-- Northwind MSP, a managed service provider, runs a form platform for its
-- customers.  Each customer is a child org; Contoso Dental has two clinics.
--
--   100 Northwind MSP                  maria Admin, aaron Auditor
--     110 Contoso Dental               paula Admin, eddie Editor, vera Viewer,
--                                      sam Editor (disabled)
--       111 Contoso Clinic North       nina Editor + App Builder
--       112 Contoso Clinic South       omar Viewer + App Builder,
--                                      vera App Builder (for 7 days)
--     120 Fabrikam Logistics           frank Editor
--
-- How it prints: psql echoes every statement before its result (ECHO
-- queries; the setup in part 1 without its results).  A statement the demo
-- expects to be refused is announced by a line "-- expected: refused, ..."
-- and its ERROR follows; if it is not refused, the script stops with an
-- error.  set_user() returns void: "\o /dev/null" before it and "; \o"
-- after it hide its empty result, so that the echo shows the statement as
-- an application sends it.  Loops over users echo their pattern once.

\set ON_ERROR_STOP 1
\set QUIET 1
\set SHOW_CONTEXT never
\pset footer off
\pset null '-'

\echo
\echo '######################################################################'
\echo '# 1. The world'
\echo '######################################################################'

\set ECHO queries
\o /dev/null

\echo
\echo '-- the platform''s own permissions, and the kinds of resources it has'
SELECT access_policy.register_permission('app_platform.view', true, 'use the app platform: open apps');
SELECT access_policy.register_permission('form.view', true, 'see and fill in forms on app pages');
SELECT access_policy.create_resource_kind('app', 'an application built on the platform');
SELECT access_policy.create_resource_kind('page', 'a page of an app');
SELECT access_policy.set_kind_action('app', 'open', ARRAY['app_platform.view']);
SELECT access_policy.set_kind_action('page', 'open', ARRAY['app_platform.view', 'form.view']);
\echo '-- the platform decides that Admins can use apps too'
SELECT access_policy.set_role_permissions(1,
	ARRAY(SELECT rp.permission FROM access_policy.role_permissions rp WHERE rp.role_id = 1)
	|| ARRAY['app_platform.view', 'form.view']);

\echo
\echo '-- the org tree'
SELECT access_policy.create_org('Northwind MSP', NULL, 100);
SELECT access_policy.create_org('Contoso Dental', 100, 110);
SELECT access_policy.create_org('Contoso Clinic North', 110, 111);
SELECT access_policy.create_org('Contoso Clinic South', 110, 112);
SELECT access_policy.create_org('Fabrikam Logistics', 100, 120);

\echo
\echo '-- custom roles, defined by the MSP and usable in every customer below it'
SELECT access_policy.create_role(100, 'Auditor',
	ARRAY['responses.view', 'reviews.view', 'settings.view', 'integrations.view', 'app_platform.view'],
	'read-only look at every customer, for compliance reviews');
SELECT access_policy.create_role(100, 'App Builder', ARRAY['app_platform.view', 'form.view'],
	'builds and tests apps and their forms');

\echo
\echo '-- people'
SELECT access_policy.create_user('maria', 'maria@northwind.example', 'Maria Garcia');
SELECT access_policy.create_user('aaron', 'aaron@northwind.example', 'Aaron Levi');
SELECT access_policy.create_user('paula', 'paula@contoso.example', 'Paula Chen');
SELECT access_policy.create_user('eddie', 'eddie@contoso.example', 'Eddie Brooks');
SELECT access_policy.create_user('vera', 'vera@contoso.example', 'Vera Novak');
SELECT access_policy.create_user('sam', 'sam@contractor.example', 'Sam Ortiz');
SELECT access_policy.create_user('nina', 'nina@contoso.example', 'Nina Patel');
SELECT access_policy.create_user('omar', 'omar@contoso.example', 'Omar Haddad');
SELECT access_policy.create_user('frank', 'frank@fabrikam.example', 'Frank Moss');

\echo
\echo '-- who holds which role where (a role held at an org counts there and below)'
SELECT access_policy.assign_role('maria', 100, 'Admin');
SELECT access_policy.assign_role('aaron', 100, 'Auditor');
\echo '-- the Contoso product team (sam''s assignment is switched off; psql''s \\gset keeps its id)'
SELECT access_policy.assign_role('paula', 110, 'Admin');
SELECT access_policy.assign_role('eddie', 110, 'Editor');
SELECT access_policy.assign_role('vera', 110, 'Viewer');
SELECT access_policy.assign_role('sam', 110, 'Editor') AS sam_assignment \gset
SELECT access_policy.set_assignment(:sam_assignment, enabled => false);
\echo '-- the clinics'
SELECT access_policy.assign_role('nina', 111, 'Editor');
SELECT access_policy.assign_role('nina', 111, 'App Builder');
SELECT access_policy.assign_role('omar', 112, 'Viewer');
SELECT access_policy.assign_role('omar', 112, 'App Builder');
SELECT access_policy.assign_role('vera', 112, 'App Builder', expires_at => now() + interval '7 days');
\echo '-- Fabrikam'
SELECT access_policy.assign_role('frank', 120, 'Editor');

\echo
\echo '-- apps and pages (resources live in an org; the org is the root of their tree);'
\echo '-- psql''s \\gset keeps each new id in a variable (:intake, :checkin, ...)'
SELECT access_policy.create_resource(110, 'app', 'Patient Intake') AS intake \gset
SELECT access_policy.create_resource(110, 'page', 'Check-in', :intake) AS checkin \gset
SELECT access_policy.create_resource(110, 'page', 'Insurance details', :intake) AS insurance \gset
SELECT access_policy.create_resource(110, 'page', 'Clinic reports', :intake) AS reports \gset
SELECT access_policy.create_resource(110, 'page', 'Billing export', :intake) AS billing \gset
SELECT access_policy.create_resource(120, 'app', 'Fleet Inspections') AS fleet \gset
SELECT access_policy.create_resource(120, 'page', 'Daily inspection', :fleet) AS daily \gset
SELECT access_policy.create_resource(120, 'page', 'Incident report', :fleet) AS incident \gset

\echo
\echo '-- resource grants: App Builders of Clinic North get the whole Patient Intake'
\echo '-- app (every page below it); App Builders of Clinic South only the Check-in page'
SELECT access_policy.grant_resource(:intake, 'App Builder', ARRAY[111::bigint]);
SELECT access_policy.grant_resource(:checkin, 'App Builder', ARRAY[112::bigint]);

\echo
\echo '-- the application''s tenant table, protected by access_policy'
CREATE SCHEMA demo;
CREATE TABLE demo.responses (
	id				bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id			bigint NOT NULL REFERENCES access_policy.orgs (id),
	form			text NOT NULL,
	submitted_by	text NOT NULL,
	answer			text NOT NULL,
	submitted_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX responses_org_idx ON demo.responses (org_id);
INSERT INTO demo.responses (org_id, form, submitted_by, answer) VALUES
	(110, 'Staff survey', 'eddie', 'More parking, please'),
	(110, 'Supplier review', 'paula', 'Renew the X-ray contract'),
	(111, 'Check-in', 'patient 4711', 'Toothache, lower left'),
	(111, 'Check-in', 'patient 4712', 'Routine cleaning'),
	(111, 'Insurance details', 'patient 4711', 'Acme Health, plan B'),
	(112, 'Check-in', 'patient 5020', 'Broken crown'),
	(112, 'Check-in', 'patient 5021', 'Follow-up visit'),
	(120, 'Daily inspection', 'driver 17', 'Truck 12: brakes OK'),
	(120, 'Daily inspection', 'driver 23', 'Truck 7: left mirror cracked'),
	(120, 'Incident report', 'driver 23', 'Minor scrape at depot gate');
SELECT access_policy.protect_table('demo.responses', 'org_id', 'responses.view', 'responses.write');

\echo
\echo '-- the role the application connects as: it may say who is acting'
CREATE ROLE demo_app LOGIN;
GRANT USAGE ON SCHEMA demo TO demo_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON demo.responses TO demo_app;
GRANT EXECUTE ON FUNCTION access_policy.set_user(text, boolean), access_policy.clear_user(boolean) TO demo_app;
\echo '-- the application shows resource names in its navigation'
GRANT SELECT ON access_policy.resources TO demo_app;

\o

\echo
\echo '-- The org tree:'
WITH RECURSIVE tree AS (
	SELECT o.id, o.name, o.parent_id, 0 AS depth, o.name::text AS path
	  FROM access_policy.orgs o WHERE o.parent_id IS NULL
	UNION ALL
	SELECT o.id, o.name, o.parent_id, t.depth + 1, t.path || ' > ' || o.name
	  FROM access_policy.orgs o JOIN tree t ON o.parent_id = t.id
)
SELECT id, repeat('    ', depth) || name AS org FROM tree ORDER BY path;

\echo '-- Roles and what they carry (custom roles are defined in Northwind MSP and usable below it):'
SELECT r.name AS role, COALESCE(o.name, '(built-in)') AS defined_in,
	   CASE WHEN count(*) FILTER (WHERE p.builtin) = (SELECT count(*) FROM access_policy.permissions WHERE builtin)
			THEN concat_ws(', ', 'every built-in permission',
						   string_agg(rp.permission, ', ' ORDER BY rp.permission) FILTER (WHERE NOT p.builtin))
			ELSE string_agg(rp.permission, ', ' ORDER BY rp.permission) END AS permissions
  FROM access_policy.roles r
  LEFT JOIN access_policy.orgs o ON o.id = r.org_id
  JOIN access_policy.role_permissions rp ON rp.role_id = r.id
  JOIN access_policy.permissions p ON p.name = rp.permission
 GROUP BY r.id, r.name, o.name ORDER BY r.id;

\echo '-- Members:'
SELECT a.user_id AS "user", u.display_name AS name, r.name AS role, o.name AS "at org",
	   CASE WHEN NOT a.enabled THEN 'disabled'
			WHEN a.expires_at < 'infinity' THEN 'expires ' || to_char(a.expires_at, 'YYYY-MM-DD HH24:MI')
			ELSE '' END AS note
  FROM access_policy.assignments a
  JOIN access_policy.users u ON u.id = a.user_id
  JOIN access_policy.roles r ON r.id = a.role_id
  JOIN access_policy.orgs o ON o.id = a.org_id
 ORDER BY a.org_id, a.id;

\echo '-- Apps and pages, and the grants on them:'
SELECT r.id, o.name AS org, CASE WHEN r.parent_id IS NULL THEN r.name ELSE '    ' || r.name END AS resource,
	   r.kind,
	   (SELECT string_agg(format('%s held at %s', ro.name, ao.name), '; ')
		  FROM access_policy.resource_grants g
		  JOIN access_policy.roles ro ON ro.id = g.role_id
		  JOIN access_policy.orgs ao ON ao.id = g.authorized_org_id
		 WHERE g.resource_id = r.id) AS granted_to
  FROM access_policy.resources r JOIN access_policy.orgs o ON o.id = r.org_id
 ORDER BY r.org_id, COALESCE(r.parent_id, r.id), r.id;

\echo '-- Kind actions: opening a page needs both app_platform.view and form.view on it.'
SELECT kind, action, string_agg(permission, ' + ' ORDER BY permission) AS needs
  FROM access_policy.kind_actions GROUP BY kind, action ORDER BY kind, action;

\echo '-- The tenant table demo.responses (10 rows; RLS policies from access_policy.protect_table()):'
SELECT polname AS policy, CASE polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
	   WHEN 'd' THEN 'DELETE' END AS command,
	   COALESCE(pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid)) AS expression
  FROM pg_policy WHERE polrelid = 'demo.responses'::regclass ORDER BY polname;

\echo
\echo '######################################################################'
\echo '# 2. Who sees which rows'
\echo '#    as the application role demo_app:'
\echo '#      BEGIN; SELECT access_policy.set_user(''nina''); SELECT ... ; COMMIT;'
\echo '######################################################################'

\echo
\echo '-- Each user in turn reads demo.responses; a temp table keeps which rows they saw:'
SET ROLE demo_app;
CREATE TEMP TABLE seen (who text, org_id bigint);

\o /dev/null
BEGIN; SELECT access_policy.set_user('maria'); \o
INSERT INTO seen SELECT 'maria', org_id FROM demo.responses; COMMIT;
\echo '-- ... and the same for aaron, paula, eddie, vera, sam, nina, omar and frank'
\set ECHO none
BEGIN; SELECT access_policy.set_user('aaron') \gset
INSERT INTO seen SELECT 'aaron', org_id FROM demo.responses; COMMIT;
BEGIN; SELECT access_policy.set_user('paula') \gset
INSERT INTO seen SELECT 'paula', org_id FROM demo.responses; COMMIT;
BEGIN; SELECT access_policy.set_user('eddie') \gset
INSERT INTO seen SELECT 'eddie', org_id FROM demo.responses; COMMIT;
BEGIN; SELECT access_policy.set_user('vera') \gset
INSERT INTO seen SELECT 'vera', org_id FROM demo.responses; COMMIT;
BEGIN; SELECT access_policy.set_user('sam') \gset
INSERT INTO seen SELECT 'sam', org_id FROM demo.responses; COMMIT;
BEGIN; SELECT access_policy.set_user('nina') \gset
INSERT INTO seen SELECT 'nina', org_id FROM demo.responses; COMMIT;
BEGIN; SELECT access_policy.set_user('omar') \gset
INSERT INTO seen SELECT 'omar', org_id FROM demo.responses; COMMIT;
BEGIN; SELECT access_policy.set_user('frank') \gset
INSERT INTO seen SELECT 'frank', org_id FROM demo.responses; COMMIT;
\set ECHO queries
\echo '-- nobody acting: the application forgot set_user()'
INSERT INTO seen SELECT '(nobody)', org_id FROM demo.responses;

\echo
\echo '-- Rows of demo.responses each user saw, per org (SELECT * FROM demo.responses under RLS):'
SELECT w.who AS "user",
	   count(s.org_id) FILTER (WHERE s.org_id = 110) AS "Contoso Dental",
	   count(s.org_id) FILTER (WHERE s.org_id = 111) AS "Clinic North",
	   count(s.org_id) FILTER (WHERE s.org_id = 112) AS "Clinic South",
	   count(s.org_id) FILTER (WHERE s.org_id = 120) AS "Fabrikam",
	   count(s.org_id) AS total
  FROM unnest(ARRAY['maria', 'aaron', 'paula', 'eddie', 'vera', 'sam', 'nina', 'omar', 'frank', '(nobody)'])
	   WITH ORDINALITY AS w(who, n)
  LEFT JOIN seen s ON s.who = w.who
 GROUP BY w.who, w.n ORDER BY w.n;

\echo '-- nina (Editor at Contoso Clinic North) reads the table:'
\o /dev/null
BEGIN; SELECT access_policy.set_user('nina'); \o
SELECT id, org_id, form, submitted_by, answer FROM demo.responses ORDER BY id;
COMMIT;

\echo
\echo '-- eddie (Editor at Contoso Dental) writes: his org and below yes, Fabrikam no.'
\o /dev/null
BEGIN; SELECT access_policy.set_user('eddie'); \o
INSERT INTO demo.responses (org_id, form, submitted_by, answer)
VALUES (111, 'Staff survey', 'eddie', 'New chairs arrived') RETURNING id, org_id, form;
\echo '-- expected: refused, eddie holds no role at Fabrikam (org 120), and the INSERT policy'
\echo '-- asks can(120, ''responses.write''):'
\set ON_ERROR_STOP 0
INSERT INTO demo.responses (org_id, form, submitted_by, answer)
VALUES (120, 'Daily inspection', 'eddie', 'not my customer');
\set ON_ERROR_STOP 1
\if :ERROR
\else
DO $$BEGIN RAISE EXCEPTION 'the demo expected the statement above to be refused'; END$$;
\endif
ROLLBACK;

\echo
\echo '-- vera (Viewer at Contoso Dental) tries to change rows she can see.'
\o /dev/null
BEGIN; SELECT access_policy.set_user('vera'); \o
\echo '-- expected: 0 rows, vera is a Viewer: the UPDATE policy asks can(org_id, ''responses.write''),'
\echo '-- so the UPDATE finds no row it may change (no error: RLS filters, it does not refuse):'
\pset footer on
UPDATE demo.responses SET answer = 'edited' WHERE org_id = 110 RETURNING id;
\pset footer off
ROLLBACK;

\echo
\echo '-- The same checks in plain SQL: access_policy.can(org, permission) and orgs_with(permission):'
\o /dev/null
BEGIN; SELECT access_policy.set_user('vera'); \o
SELECT access_policy.current_user_id() AS acting,
	   access_policy.can(111, 'responses.view') AS "view at 111",
	   access_policy.can(111, 'responses.write') AS "write at 111",
	   access_policy.orgs_with('responses.view') AS "orgs with responses.view",
	   access_policy.orgs_with('form.view') AS "orgs with form.view";
COMMIT;

RESET ROLE;

\echo
\echo '######################################################################'
\echo '# 3. Why? explain(), explain_resource(), effective_permissions()'
\echo '#    (asked by the superuser for other users; a user may always ask'
\echo '#    about themselves, about others with members.manage)'
\echo '######################################################################'

\echo
\echo '-- May vera view responses at Contoso Clinic North (111)? Yes, inherited from the parent org:'
SELECT * FROM access_policy.explain('responses.view', 111, 'vera');

\echo '-- May sam write responses at Contoso Dental (110)? No: the path exists, but is switched off:'
SELECT * FROM access_policy.explain('responses.write', 110, 'sam');

\echo '-- May nina view responses at Fabrikam (120)? No path at all:'
SELECT * FROM access_policy.explain('responses.view', 120, 'nina');

\echo '-- vera and the Check-in page (resource ':checkin'): through a grant, until her App Builder role expires:'
SELECT * FROM access_policy.explain_resource('form.view', :checkin, 'vera');

\echo '-- nina and the Clinic reports page (resource ':reports'): through the grant on the app above the page:'
SELECT * FROM access_policy.explain_resource('form.view', :reports, 'nina');

\echo '-- omar and the Clinic reports page (resource ':reports'): the Check-in grant does not reach other pages:'
SELECT * FROM access_policy.explain_resource('form.view', :reports, 'omar');

\echo '-- Everything nina holds at Contoso Clinic North (111):'
SELECT * FROM access_policy.effective_permissions(111, 'nina');

\echo '-- Everyone who may write responses at Contoso Clinic North (111):'
SELECT * FROM access_policy.who_can('responses.write', 111);

\echo
\echo '######################################################################'
\echo '# 4. App navigation: the pages each user can open'
\echo '#    resources_allowing(app_id, ''open'') joined to the resource names'
\echo '######################################################################'

\echo
\echo '-- Each user in turn lists the apps they may open and, per app, its pages they may open:'
SET ROLE demo_app;
CREATE TEMP TABLE nav (who text, app text, pages text);

\set nav_query 'INSERT INTO nav SELECT access_policy.current_user_id(), a.name, COALESCE((SELECT string_agg(p.name, '', '' ORDER BY p.id) FROM unnest(access_policy.resources_allowing(a.id, ''open'')) AS x(id) JOIN access_policy.resources p ON p.id = x.id WHERE p.kind = ''page''), ''(none)'') FROM access_policy.resources a WHERE a.kind = ''app'' AND cardinality(access_policy.resources_allowing(a.id, ''open'')) > 0'

\echo '-- for each of maria, aaron, paula, eddie, vera, nina, omar and frank:'
\echo '--   BEGIN; SELECT access_policy.set_user(''<user>'');'
\echo '--   INSERT INTO nav'
\echo '--   SELECT access_policy.current_user_id(), a.name,'
\echo '--          COALESCE((SELECT string_agg(p.name, '', '' ORDER BY p.id)'
\echo '--                      FROM unnest(access_policy.resources_allowing(a.id, ''open'')) AS x(id)'
\echo '--                      JOIN access_policy.resources p ON p.id = x.id WHERE p.kind = ''page''), ''(none)'')'
\echo '--     FROM access_policy.resources a'
\echo '--    WHERE a.kind = ''app'' AND cardinality(access_policy.resources_allowing(a.id, ''open'')) > 0;'
\echo '--   COMMIT;'
\set ECHO none
BEGIN; SELECT access_policy.set_user('maria') \gset
:nav_query; COMMIT;
BEGIN; SELECT access_policy.set_user('aaron') \gset
:nav_query; COMMIT;
BEGIN; SELECT access_policy.set_user('paula') \gset
:nav_query; COMMIT;
BEGIN; SELECT access_policy.set_user('eddie') \gset
:nav_query; COMMIT;
BEGIN; SELECT access_policy.set_user('vera') \gset
:nav_query; COMMIT;
BEGIN; SELECT access_policy.set_user('nina') \gset
:nav_query; COMMIT;
BEGIN; SELECT access_policy.set_user('omar') \gset
:nav_query; COMMIT;
BEGIN; SELECT access_policy.set_user('frank') \gset
:nav_query; COMMIT;
\set ECHO queries

\echo
\echo '-- Apps in the menu and the pages each user can open (page ''open'' needs app_platform.view + form.view):'
SELECT w.who AS "user", COALESCE(n.app, '(no apps)') AS app, COALESCE(n.pages, '') AS "pages they can open"
  FROM unnest(ARRAY['maria', 'aaron', 'paula', 'eddie', 'vera', 'nina', 'omar', 'frank'])
	   WITH ORDINALITY AS w(who, k)
  LEFT JOIN nav n ON n.who = w.who
 ORDER BY w.k, n.app;

\echo '-- The query behind it, for one user (omar) and one app (Patient Intake, resource ':intake'):'
\o /dev/null
BEGIN; SELECT access_policy.set_user('omar'); \o
SELECT p.id, p.name
  FROM unnest(access_policy.resources_allowing(:intake, 'open')) AS x(id)
  JOIN access_policy.resources p ON p.id = x.id WHERE p.kind = 'page';
COMMIT;

RESET ROLE;

\echo
\echo '######################################################################'
\echo '# 5. Vendor support access'
\echo '#    read-only by default; the MSP admin opens write access for a week'
\echo '#    for the whole tree; a customer admin tightens her own org'
\echo '######################################################################'

\echo
\echo '-- the vendor''s support agent (support staff are created by a superuser), and what'
\echo '-- the application may call for support access and invitations'
\o /dev/null
SELECT access_policy.create_user('sophie', 'sophie@vendor.example', 'Sophie (vendor support)', is_support_staff => true);
GRANT EXECUTE ON FUNCTION
	access_policy.set_support_access(bigint, text, text, text, timestamptz, boolean),
	access_policy.revoke_support_access(bigint),
	access_policy.invite(bigint, text, text),
	access_policy.create_user(text, text, text, boolean)
TO demo_app;
\o
SET ROLE demo_app;

\echo
\echo '-- Sophie (support staff) by default: every org open read-only (my_support_orgs()):'
\o /dev/null
BEGIN; SELECT access_policy.set_user('sophie'); \o
SELECT org_id, org_name, level, source, summary FROM access_policy.my_support_orgs() ORDER BY org_id;
\echo '-- She reads Fabrikam''s responses, but cannot write them:'
SELECT count(*) AS fabrikam_rows_seen FROM demo.responses WHERE org_id = 120;
\echo '-- expected: refused, Sophie''s support access to Fabrikam (120) is read-only:'
\set ON_ERROR_STOP 0
INSERT INTO demo.responses (org_id, form, submitted_by, answer) VALUES (120, 'Incident report', 'sophie', 'fixed typo');
\set ON_ERROR_STOP 1
\if :ERROR
\else
DO $$BEGIN RAISE EXCEPTION 'the demo expected the statement above to be refused'; END$$;
\endif
ROLLBACK;

\echo
\echo '-- maria (Admin of Northwind MSP) opens write access for 1 week on the whole tree (cascade => true):'
\o /dev/null
BEGIN; SELECT access_policy.set_user('maria');
SELECT access_policy.set_support_access(100, 'write', 'Migrating forms to v2 (ticket 4711)',
                                        duration => '1 week', cascade => true); \o
COMMIT;
\echo
\echo '-- paula (Admin of Contoso Dental) tightens her own org (and its clinics) back to read:'
\o /dev/null
BEGIN; SELECT access_policy.set_user('paula');
SELECT access_policy.set_support_access(110, 'read', 'Read-only is enough for Contoso'); \o
\echo '-- What paula sees for her org and a clinic (support_status()):'
SELECT org_id, org_name, level, source, source_org_id, summary, reason FROM access_policy.support_status(110)
UNION ALL
SELECT org_id, org_name, level, source, source_org_id, summary, reason FROM access_policy.support_status(111);
COMMIT;

\echo
\echo '-- Sophie now: write where the MSP opened it, with the countdown; read at Contoso:'
\o /dev/null
BEGIN; SELECT access_policy.set_user('sophie'); \o
SELECT org_id, org_name, level, source, summary FROM access_policy.my_support_orgs() ORDER BY org_id;
INSERT INTO demo.responses (org_id, form, submitted_by, answer)
VALUES (120, 'Incident report', 'sophie', 'Migrated to form v2') RETURNING id, org_id, form;
\echo '-- expected: refused, paula set Contoso Dental (110) back to read-only support access:'
\set ON_ERROR_STOP 0
INSERT INTO demo.responses (org_id, form, submitted_by, answer) VALUES (110, 'Staff survey', 'sophie', 'not allowed');
\set ON_ERROR_STOP 1
\if :ERROR
\else
DO $$BEGIN RAISE EXCEPTION 'the demo expected the statement above to be refused'; END$$;
\endif
ROLLBACK;
\echo
\echo '-- Why may Sophie write responses at Fabrikam (120)? (explain() about herself):'
\o /dev/null
BEGIN; SELECT access_policy.set_user('sophie'); \o
SELECT allowed, path, expires_at FROM access_policy.explain('responses.write', 120);
COMMIT;
\echo
\echo '-- Every change above sent NOTIFY access_policy_support with a JSON payload and wrote audit rows:'
RESET ROLE;
SELECT action, target_id AS org_id, after ->> 'level' AS level, actor_user, reason
  FROM access_policy.audit_log WHERE target_table = 'support_settings' ORDER BY id;
SET ROLE demo_app;

\echo
\echo '######################################################################'
\echo '# 6. Team management: invitations'
\echo '######################################################################'

\echo
\echo '-- paula invites tina@contoso.example as Editor and leo@contoso.example as Viewer; each token'
\echo '-- is returned once (only its hash is stored), and psql''s \\gset keeps it:'
\o /dev/null
BEGIN; SELECT access_policy.set_user('paula'); \o
SELECT access_policy.invite(110, 'tina@contoso.example', 'Editor') AS tina_token \gset
SELECT access_policy.invite(110, 'leo@contoso.example', 'Viewer') AS leo_token \gset
COMMIT;
\echo '-- tina''s token (the application mails it to her):' :tina_token

\echo
\echo '-- tina signs up and accepts with the token:'
\o /dev/null
SELECT access_policy.create_user('tina', 'tina@contoso.example', 'Tina');
BEGIN; SELECT access_policy.set_user('tina'); \o
SELECT access_policy.accept_invitation(:'tina_token') AS joined_org;
SELECT access_policy.can(110, 'responses.write') AS tina_can_write_at_contoso;
COMMIT;

\echo
\echo '-- A day passes for leo''s invitation (the demo moves its times back 25 hours):'
RESET ROLE;
UPDATE access_policy.invitations SET invited_at = invited_at - interval '25 hours',
	   expires_at = expires_at - interval '25 hours' WHERE lower(email) = 'leo@contoso.example';
SET ROLE demo_app;
\echo '-- leo signs up and tries his token'
\o /dev/null
SELECT access_policy.create_user('leo', 'leo@contoso.example', 'Leo');
BEGIN; SELECT access_policy.set_user('leo'); \o
\echo '-- expected: refused, leo''s invitation expired (access_policy.invitation_lifetime, 24 hours):'
\set ON_ERROR_STOP 0
SELECT access_policy.accept_invitation(:'leo_token');
\set ON_ERROR_STOP 1
\if :ERROR
\else
DO $$BEGIN RAISE EXCEPTION 'the demo expected the statement above to be refused'; END$$;
\endif
ROLLBACK;

\echo
\echo '-- paula''s view: invitations sent, and the member list'
\o /dev/null
BEGIN; SELECT access_policy.set_user('paula'); \o
SELECT email, role, status, invited_by FROM access_policy.sent_invitations WHERE org_id = 110 ORDER BY email;
SELECT user_id, display_name, role, status, added_by FROM access_policy.members WHERE org_id = 110 ORDER BY user_id;
COMMIT;

RESET ROLE;
