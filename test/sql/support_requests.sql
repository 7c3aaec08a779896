-- support_requests: a support agent asks for access to an org, whoever may set
-- the org's support access approves or denies; requests expire, one pending per
-- agent and org, an agent never decides their own; every step audited.
\set VERBOSITY terse
SET TIME ZONE 'UTC';
--   17000 Acme ── 17001 Acme EU        17002 Globex
SELECT access_policy.create_org('Acme', NULL, 17000);
SELECT access_policy.create_org('Acme EU', 17000, 17001);
SELECT access_policy.create_org('Globex', NULL, 17002);
SELECT access_policy.create_user('req_agent', 'req.agent@vendor.example', 'Agent Smith', is_support_staff => true);
SELECT access_policy.create_user('req_agent2', NULL, 'Second Agent', is_support_staff => true);
SELECT access_policy.create_user('req_admin');
SELECT access_policy.create_user('req_eu_admin');
SELECT access_policy.create_user('req_globex_admin');
SELECT access_policy.create_user('req_editor');
SELECT access_policy.assign_role('req_admin', 17000, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('req_eu_admin', 17001, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('req_globex_admin', 17002, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('req_editor', 17000, 'Editor') IS NOT NULL AS ok;
-- the agent is also an Admin of Globex (the vendor uses the product itself)
SELECT access_policy.assign_role('req_agent', 17002, 'Admin') IS NOT NULL AS ok;

CREATE TABLE req_notes (id bigserial PRIMARY KEY, org_id bigint NOT NULL, body text);
CREATE INDEX ON req_notes (org_id);
INSERT INTO req_notes (org_id, body) VALUES (17000, 'acme'), (17001, 'acme eu'), (17002, 'globex');
SELECT access_policy.protect_table('req_notes', 'org_id', 'responses.view', 'responses.write');
GRANT SELECT, INSERT, UPDATE, DELETE ON req_notes TO regress_app;
GRANT USAGE ON SEQUENCE req_notes_id_seq TO regress_app;

-- the customers closed support access
SELECT access_policy.set_support_access(17000, 'none') = 'infinity' AS closed;
SELECT access_policy.set_support_access(17002, 'none') = 'infinity' AS closed;

SET ROLE regress_app;
-- what the agent sees: nothing of Acme (Globex's row: they are its Admin)
BEGIN;
SELECT access_policy.set_user('req_agent');
SELECT org_id, body FROM req_notes ORDER BY id;
COMMIT;

------------------------------------------------------------------------------
-- Asking
------------------------------------------------------------------------------
BEGIN;
SELECT access_policy.set_user('req_agent');
SELECT access_policy.request_support_access(17000, 'write', 'customer reports broken import',
	duration => '1 week', ticket => 'T-1001') AS first_request \gset
-- the agent sees their own request, pending, with the time left to decide
SELECT id = :first_request AS mine, org_name, agent, agent_name, level, reason, ticket, duration, until, status,
	   decide_by - requested_at AS lifetime, time_left = decide_by - statement_timestamp() AS time_left_ok
  FROM access_policy.support_requests;
COMMIT;

-- bad requests: each refused, nothing written
BEGIN;
SELECT access_policy.set_user('req_editor');
SELECT access_policy.request_support_access(17000, 'read', 'not an agent');
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('req_agent');
SAVEPOINT s;
SELECT access_policy.request_support_access(17000, 'admin', 'no such level');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.request_support_access(17000, 'none', 'none is not a request');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.request_support_access(17000, 'read', '   ');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.request_support_access(17000, 'read', NULL);
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.request_support_access(17000, 'read', repeat('x', 801));
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.request_support_access(17000, 'read', 'bad ticket', ticket => '');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.request_support_access(17000, 'read', 'bad duration', duration => '2 days');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.request_support_access(17000, 'read', 'past', until => '2020-01-01');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.request_support_access(17000, 'read', 'both', duration => '1 week', until => 'infinity');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.request_support_access(17999, 'read', 'no such org');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.request_support_access(NULL, 'read', 'no org');
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('nobody_known');
SELECT access_policy.request_support_access(17000, 'read', 'unknown user');
ROLLBACK;
BEGIN;
SELECT access_policy.request_support_access(17000, 'read', 'nobody acting');
ROLLBACK;
RESET ROLE;
SELECT count(*) AS requests FROM access_policy.support_access_requests;
SET ROLE regress_app;

------------------------------------------------------------------------------
-- Who sees what
------------------------------------------------------------------------------
-- Acme's Admin and the EU admin below it? Acme's Admin sees requests for
-- Acme and Acme EU; the EU admin only those for Acme EU; Globex's admin and
-- an Editor none
BEGIN;
SELECT access_policy.set_user('req_agent2');
SELECT access_policy.request_support_access(17001, 'read', 'EU data question', until => '2099-01-01 00:00:00+00') IS NOT NULL AS asked;
COMMIT;
BEGIN;
SELECT access_policy.set_user('req_admin');
SELECT org_name, agent, level, until, status FROM access_policy.support_requests ORDER BY id;
COMMIT;
BEGIN;
SELECT access_policy.set_user('req_eu_admin');
SELECT org_name, agent, level, status FROM access_policy.support_requests ORDER BY id;
COMMIT;
BEGIN;
SELECT access_policy.set_user('req_globex_admin');
SELECT count(*) AS globex_admin_sees FROM access_policy.support_requests;
COMMIT;
BEGIN;
SELECT access_policy.set_user('req_editor');
SELECT count(*) AS editor_sees FROM access_policy.support_requests;
COMMIT;
-- nobody acting: nothing
SELECT count(*) AS nobody_sees FROM access_policy.support_requests;
-- the table itself is not readable
SELECT count(*) FROM access_policy.support_access_requests;

------------------------------------------------------------------------------
-- Deciding
------------------------------------------------------------------------------
-- an Editor, Globex's admin, the EU admin (the request is for Acme) may not
BEGIN;
SELECT access_policy.set_user('req_editor');
SELECT access_policy.approve_support_request(:first_request);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('req_globex_admin');
SELECT access_policy.deny_support_request(:first_request, 'not mine');
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('req_eu_admin');
SELECT access_policy.approve_support_request(:first_request);
ROLLBACK;
-- an unknown request is refused like a foreign one
BEGIN;
SELECT access_policy.set_user('req_admin');
SELECT access_policy.approve_support_request(999999);
ROLLBACK;
-- the support agent never decides their own request, even where they may set support access
BEGIN;
SELECT access_policy.set_user('req_agent');
SELECT access_policy.request_support_access(17002, 'read', 'our own org') AS own_request \gset
SELECT access_policy.approve_support_request(:own_request);
ROLLBACK;

-- Acme's Admin approves: exactly what was asked, through set_support_access
BEGIN;
SELECT access_policy.set_user('req_admin');
SELECT access_policy.approve_support_request(:first_request) - statement_timestamp() AS access_for;
SELECT status, decided_by, access_until - decided_at AS access_for, time_left FROM access_policy.support_requests
 WHERE id = :first_request;
SELECT level, source, reason FROM access_policy.support_status(17000);
COMMIT;
-- the agent now writes at Acme (and Acme EU, below it), not at Globex
BEGIN;
SELECT access_policy.set_user('req_agent');
INSERT INTO req_notes (org_id, body) VALUES (17000, 'fixed the import') RETURNING org_id, body;
SELECT org_id, body FROM req_notes ORDER BY id;
COMMIT;
-- support access never decides requests: the agent now holds write at Acme,
-- which never includes support.manage (support_never), so another agent's
-- request there is not theirs to approve
BEGIN;
SELECT access_policy.set_user('req_agent2');
SELECT access_policy.request_support_access(17000, 'read', 'second opinion') AS second_opinion \gset
COMMIT;
BEGIN;
SELECT access_policy.set_user('req_agent');
SELECT access_policy.can(17000, 'responses.write') AS agent_writes, access_policy.can(17000, 'support.manage') AS agent_manages;
SELECT access_policy.approve_support_request(:second_opinion);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('req_admin');
SELECT access_policy.deny_support_request(:second_opinion, 'one agent is enough');
COMMIT;
-- a decided request stays decided
BEGIN;
SELECT access_policy.set_user('req_admin');
SELECT access_policy.approve_support_request(:first_request);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('req_admin');
SELECT access_policy.deny_support_request(:first_request);
ROLLBACK;

-- the EU admin denies the second agent's request, with a reason the agent sees
BEGIN;
SELECT access_policy.set_user('req_eu_admin');
SELECT id AS eu_request FROM access_policy.support_requests WHERE org_id = 17001 \gset
SELECT access_policy.deny_support_request(:eu_request, repeat('x', 1001));
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('req_eu_admin');
SELECT access_policy.deny_support_request(:eu_request, 'please use the staging org');
COMMIT;
BEGIN;
SELECT access_policy.set_user('req_agent2');
SELECT org_name, status, decided_by, decision_reason, access_until FROM access_policy.support_requests ORDER BY id;
COMMIT;

------------------------------------------------------------------------------
-- A new request replaces the pending one; requests expire unanswered
------------------------------------------------------------------------------
BEGIN;
SELECT access_policy.set_user('req_agent2');
SELECT access_policy.request_support_access(17002, 'read', 'first try') AS try1 \gset
SELECT access_policy.request_support_access(17002, 'write', 'second try', duration => '1 month') AS try2 \gset
SELECT id = :try1 AS first, status, level, reason, decided_at IS NOT NULL AS closed
  FROM access_policy.support_requests WHERE org_id = 17002 ORDER BY id;
COMMIT;
-- the deadline passes (set back by hand here; the clock does it in life)
RESET ROLE;
UPDATE access_policy.support_access_requests SET decide_by = statement_timestamp() - interval '1 second',
	requested_at = statement_timestamp() - interval '72 hours 1 second' WHERE id = :try2;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('req_globex_admin');
SELECT status, time_left FROM access_policy.support_requests WHERE id = :try2;
SELECT access_policy.approve_support_request(:try2);
ROLLBACK;
RESET ROLE;

-- the lifetime is a setting, superuser only
SHOW access_policy.support_request_lifetime;
-- (the range in the message is worded differently by PostgreSQL 15 and 17)
\set VERBOSITY sqlstate
SET access_policy.support_request_lifetime = '30s';
\set VERBOSITY terse
SET access_policy.support_request_lifetime = '2h';
SET ROLE regress_app;
SET access_policy.support_request_lifetime = '1h';
RESET ROLE;
BEGIN;
SET LOCAL access_policy.support_request_lifetime = '2h';
SELECT access_policy.set_user('req_agent');
SELECT access_policy.request_support_access(17001, 'read', 'short-lived') AS short_lived \gset
SELECT decide_by - requested_at AS lifetime FROM access_policy.support_access_requests WHERE id = :short_lived;
ROLLBACK;
RESET access_policy.support_request_lifetime;

------------------------------------------------------------------------------
-- Every step audited; privileges
------------------------------------------------------------------------------
SELECT actor_user, action, after ->> 'status' AS status, after ->> 'level' AS level
  FROM access_policy.audit_log WHERE target_table = 'support_access_requests' ORDER BY id;
-- the grant the approval made names the request
SELECT actor_user, action, after ->> 'level' AS level,
	   after ->> 'reason' = 'customer reports broken import (support request ' || :first_request || ', ticket T-1001)' AS reason_names_request
  FROM access_policy.audit_log WHERE target_table = 'support_settings' AND target_id = '17000' ORDER BY id DESC LIMIT 1;
SELECT p.oid::regprocedure AS function, has_function_privilege('public', p.oid, 'EXECUTE') AS public
  FROM pg_proc p
 WHERE p.proname IN ('request_support_access', 'approve_support_request', 'deny_support_request',
					 '_lock_support_request', '_support_request_notify')
 ORDER BY p.oid::regprocedure::text COLLATE "C";
SELECT has_table_privilege('public', 'access_policy.support_requests', 'SELECT') AS view_public,
	   has_table_privilege('public', 'access_policy.support_access_requests', 'SELECT') AS table_public;

DROP TABLE req_notes;
