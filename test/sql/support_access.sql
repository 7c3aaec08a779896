-- support_access: vendor support staff see an org read-only by default, write on request,
-- with expiry, cascade, revoke, override, and the same checks and RLS as everybody else.
\set VERBOSITY terse
SET TIME ZONE 'UTC';
--   8000 MSP ─┬─ 8001 Customer A ── 8003 A Team
--             └─ 8002 Customer B
SELECT access_policy.create_org('MSP', NULL, 8000);
SELECT access_policy.create_org('Customer A', 8000, 8001);
SELECT access_policy.create_org('Customer B', 8000, 8002);
SELECT access_policy.create_org('A Team', 8001, 8003);
SELECT access_policy.create_user('sup_agent', 'agent@vendor.example', 'Agent', is_support_staff => true);
SELECT access_policy.create_user('sup_admin');
SELECT access_policy.create_user('sup_child_admin');
SELECT access_policy.create_user('sup_viewer');
SELECT access_policy.create_user('sup_personal');
SELECT access_policy.assign_role('sup_admin', 8000, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('sup_child_admin', 8001, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('sup_viewer', 8000, 'Viewer') IS NOT NULL AS ok;
-- a live template editor support may use even under read access; billing never
SELECT access_policy.register_permission('templates.edit', false, 'live template editor');
SELECT access_policy.set_permission_support('templates.edit', true, false);
SELECT access_policy.set_permission_support('templates.edit', true, true);
SELECT access_policy.set_permission_support('no.such', true, false);
SELECT name, read_only, support_read, support_never FROM access_policy.permissions
 WHERE support_read OR support_never ORDER BY name;

CREATE TABLE sup_responses (id bigserial PRIMARY KEY, org_id bigint NOT NULL, body text);
CREATE INDEX ON sup_responses (org_id);
INSERT INTO sup_responses (org_id, body) VALUES (8000, 'msp'), (8001, 'a'), (8002, 'b'), (8003, 'team');
SELECT access_policy.protect_table('sup_responses', 'org_id', 'responses.view', 'responses.write');
GRANT SELECT, INSERT, UPDATE, DELETE ON sup_responses TO regress_app;
GRANT USAGE ON SEQUENCE sup_responses_id_seq TO regress_app;

-- what support staff may do at each org, as a function for brevity
CREATE FUNCTION sup_view() RETURNS TABLE (org bigint, view boolean, write boolean, templates boolean, billing boolean)
LANGUAGE sql AS $$
	SELECT o, access_policy.can(o, 'responses.view'), access_policy.can(o, 'responses.write'),
		   access_policy.can(o, 'templates.edit'), access_policy.can(o, 'billing.manage')
	  FROM generate_series(8000, 8003) o ORDER BY o;
$$;
GRANT EXECUTE ON FUNCTION sup_view() TO regress_app;

-- default level read: support sees everything, changes nothing
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('sup_agent');
SELECT * FROM sup_view();
SELECT org_id, body FROM sup_responses ORDER BY id;
INSERT INTO sup_responses (org_id, body) VALUES (8001, 'support wrote this');
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('sup_agent');
UPDATE sup_responses SET body = 'changed' RETURNING id;
DELETE FROM sup_responses RETURNING id;
COMMIT;
-- a non-superuser cannot change the deployment's default
SET access_policy.support_default_level = 'none';
RESET ROLE;

-- strict deployments: no access at all without consent
SET access_policy.support_default_level = 'none';
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('sup_agent');
SELECT * FROM sup_view();
SELECT count(*) AS rows_seen FROM sup_responses;
COMMIT;
RESET ROLE;
SET access_policy.support_default_level = 'whatever';
RESET access_policy.support_default_level;

-- who may grant: support.manage at the org or above, or the org's creator; a reason is required
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('sup_viewer');
SELECT access_policy.set_support_access(8001, 'read', 'please look');
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('sup_child_admin');
SELECT access_policy.set_support_access(8000, 'read', 'not my org');
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT access_policy.set_support_access(8001, 'write', NULL);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT access_policy.set_support_access(8001, 'write', '   ');
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT access_policy.set_support_access(8001, 'admin', 'x');
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT access_policy.set_support_access(8001, 'write', 'x', duration => '2 weeks');
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT access_policy.set_support_access(8001, 'write', 'x', until => '2000-01-01');
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT access_policy.set_support_access(8001, 'write', 'x', duration => '1 week', until => '2100-01-01');
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT access_policy.set_support_access(8001, 'write', 'x', until => now() + interval '1 day') > now() AS custom_ok;
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT access_policy.set_support_access(8001, 'write', repeat('r', 1001));
ROLLBACK;
RESET ROLE;

-- presets: 1 week, 1 month, 1 year, permanent; the status shows level, source and time left
CREATE FUNCTION sup_status(o bigint) RETURNS TABLE (level text, source text, source_org_id bigint, permanent boolean, summary text, reason text)
LANGUAGE sql AS $$
	SELECT s.level, s.source, s.source_org_id, s.expires_at = 'infinity', s.summary, s.reason
	  FROM access_policy.support_status(o) s;
$$;
GRANT EXECUTE ON FUNCTION sup_status(bigint) TO regress_app;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT access_policy.set_support_access(8001, 'write', 'ticket 1', duration => '1 week') - statement_timestamp() AS ends_in;
SELECT * FROM sup_status(8001);
SELECT access_policy.set_support_access(8001, 'write', 'ticket 1', duration => '1 month') = statement_timestamp() + interval '1 month' AS one_month;
SELECT access_policy.set_support_access(8001, 'write', 'ticket 1', duration => '1 year') = statement_timestamp() + interval '1 year' AS one_year;
SELECT access_policy.set_support_access(8001, 'write', 'ticket 1', duration => 'permanent') AS ends;
SELECT * FROM sup_status(8001);
SELECT * FROM sup_status(8003);
SELECT * FROM sup_status(8002);
-- the status view: every org the acting user may see
SELECT org_id, org_name, level, source, source_org_id, summary FROM access_policy.support_access_status
 WHERE org_id BETWEEN 8000 AND 8999;
COMMIT;
-- a member without settings.view at an org does not see its status
BEGIN;
SELECT access_policy.set_user('sup_child_admin');
SELECT org_id, level, source FROM access_policy.support_access_status WHERE org_id BETWEEN 8000 AND 8999;
SELECT * FROM sup_status(8000);
ROLLBACK;
-- changing the duration of an active grant
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT access_policy.set_support_expiry(8001, '1 week') - statement_timestamp() AS ends_in;
SELECT summary FROM sup_status(8001);
SELECT access_policy.set_support_expiry(8002, '1 week');
ROLLBACK;
RESET ROLE;

-- write access: support may edit the org and below, but never billing
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('sup_agent');
SELECT * FROM sup_view();
INSERT INTO sup_responses (org_id, body) VALUES (8003, 'fixed by support') RETURNING org_id, body;
INSERT INTO sup_responses (org_id, body) VALUES (8002, 'not allowed here');
ROLLBACK;
-- explain says it comes from support access and until when
BEGIN;
SELECT access_policy.set_user('sup_agent');
SELECT allowed, path, expires_at FROM access_policy.explain('responses.write', 8003);
SELECT allowed, path FROM access_policy.explain('billing.manage', 8003);
SELECT org_id, org_name, level, source, summary FROM access_policy.my_support_orgs() WHERE org_id BETWEEN 8000 AND 8999;
COMMIT;
BEGIN;
SELECT access_policy.set_user('sup_viewer');
SELECT * FROM access_policy.my_support_orgs();
ROLLBACK;
RESET ROLE;

-- a child admin may tighten their own org below an open parent
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('sup_child_admin');
SELECT access_policy.set_support_access(8003, 'none');
COMMIT;
BEGIN;
SELECT access_policy.set_user('sup_agent');
SELECT * FROM sup_view();
COMMIT;
RESET ROLE;

-- cascade: the parent's admin opens the whole subtree, clearing children's own settings;
-- children created later inherit it
-- without cascade the children keep their own settings
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT access_policy.set_support_access(8000, 'read', 'quarterly review') IS NOT NULL AS set;
COMMIT;
RESET ROLE;
SELECT org_id, level FROM access_policy.support_settings WHERE org_id BETWEEN 8000 AND 8999 ORDER BY org_id;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT access_policy.set_support_access(8000, 'write', 'migration weekend', cascade => true) IS NOT NULL AS set;
COMMIT;
RESET ROLE;
SELECT org_id, level FROM access_policy.support_settings WHERE org_id BETWEEN 8000 AND 8999 ORDER BY org_id;
SELECT access_policy.create_org('Customer C', 8000, 8004);
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('sup_agent');
SELECT * FROM sup_view();
SELECT access_policy.can(8004, 'responses.write') AS later_child;
COMMIT;
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT level, source, source_org_id FROM sup_status(8004);
COMMIT;
RESET ROLE;

-- revoke: the org falls back to what it inherits, from the next statement on
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT access_policy.revoke_support_access(8000);
SELECT access_policy.revoke_support_access(8000);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT access_policy.revoke_support_access(8000);
COMMIT;
BEGIN;
SELECT access_policy.set_user('sup_agent');
SELECT * FROM sup_view();
COMMIT;
RESET ROLE;

-- expiry: an expired setting counts as absent, with no job needing to run
SELECT access_policy.set_support_access(8002, 'write', 'short fix', until => clock_timestamp() + interval '1 hour') IS NOT NULL AS set;
UPDATE access_policy.support_settings SET expires_at = clock_timestamp() + interval '300 ms' WHERE org_id = 8002;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('sup_agent');
SELECT access_policy.can(8002, 'responses.write') AS before_expiry;
SELECT pg_sleep(0.5);
SELECT access_policy.can(8002, 'responses.write') AS after_expiry, access_policy.can(8002, 'responses.view') AS default_again;
COMMIT;
RESET ROLE;

-- the creator of an org who no longer holds a role there has no say over its
-- support access any more (0.2.0 let creators decide for good): support.manage is needed
-- only the system chooses org ids; the sequence gives this one id 8100
SELECT pg_catalog.setval('access_policy.orgs_id_seq', 8099) AS seq \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('sup_personal');
SELECT access_policy.create_org('Personal space');
COMMIT;
RESET ROLE;
-- (an org keeps an Admin: somebody else takes over before the creator steps down)
SELECT access_policy.assign_role('sup_admin', 8100, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.revoke_role('sup_personal', 8100, 'Admin');
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('sup_personal');
SELECT access_policy.can(8100, 'support.manage') AS holds_support_manage;
SELECT access_policy.set_support_access(8100, 'write', 'help with my import', duration => '1 week') IS NOT NULL AS set;
COMMIT;
RESET ROLE;

-- override ("break glass"): only members of the dedicated role, with a reason, at most 24 hours
SELECT access_policy.set_support_access(8002, 'none');
SET ROLE regress_app;
SELECT access_policy.override_support_access(8002, 'write', 'platform incident');
RESET ROLE;
CREATE ROLE access_policy_support_override;
CREATE ROLE regress_vendor_ops IN ROLE access_policy_support_override;
GRANT EXECUTE ON FUNCTION access_policy.override_support_access(bigint, text, text, interval),
	access_policy.end_support_override(bigint) TO access_policy_support_override;
SET ROLE regress_vendor_ops;
SELECT access_policy.override_support_access(8002, 'write', '');
SELECT access_policy.override_support_access(8002, 'write', 'incident 7', interval '25 hours');
SELECT access_policy.override_support_access(8002, 'admin', 'incident 7');
SELECT access_policy.override_support_access(-1, 'write', 'incident 7');
SELECT access_policy.override_support_access(8002, 'write', 'incident 7', interval '2 hours') - statement_timestamp() AS ends_in;
RESET ROLE;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('sup_agent');
SELECT access_policy.can(8002, 'responses.write') AS overridden;
COMMIT;
BEGIN;
SELECT access_policy.set_user('sup_admin');
SELECT level, source, summary, reason FROM sup_status(8002);
COMMIT;
RESET ROLE;
SET ROLE regress_vendor_ops;
SELECT access_policy.end_support_override(8002);
SELECT access_policy.end_support_override(8002);
RESET ROLE;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('sup_agent');
SELECT access_policy.can(8002, 'responses.view') AS after_override;
COMMIT;
RESET ROLE;

-- every change is audited
SELECT action, target_table, target_id, after ->> 'level' AS level, reason
  FROM access_policy.audit_log
 WHERE target_table IN ('support_settings', 'support_overrides') AND target_id::bigint BETWEEN 8000 AND 8999
 ORDER BY id;

-- clean up the cluster-wide roles this file created
REVOKE EXECUTE ON FUNCTION access_policy.override_support_access(bigint, text, text, interval),
	access_policy.end_support_override(bigint) FROM access_policy_support_override;
DROP ROLE regress_vendor_ops;
DROP ROLE access_policy_support_override;
