-- support_activity: every row a support agent writes in a protected table
-- through support access is recorded in the same transaction (every command:
-- INSERT, UPDATE, DELETE, ON CONFLICT, MERGE, COPY), append-only; an org's
-- admins read their orgs' entries, nobody another org's.
\set VERBOSITY terse
SET TIME ZONE 'UTC';
--   18000 Initech ── 18001 Initech Labs        18002 Hooli
SELECT access_policy.create_org('Initech', NULL, 18000);
SELECT access_policy.create_org('Initech Labs', 18000, 18001);
SELECT access_policy.create_org('Hooli', NULL, 18002);
SELECT access_policy.create_user('act_agent', NULL, 'Ada Agent', is_support_staff => true);
SELECT access_policy.create_user('act_admin');
SELECT access_policy.create_user('act_labs_admin');
SELECT access_policy.create_user('act_hooli_admin');
SELECT access_policy.create_user('act_support_manager');
SELECT access_policy.assign_role('act_admin', 18000, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('act_labs_admin', 18001, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('act_hooli_admin', 18002, 'Admin') IS NOT NULL AS ok;
-- the agent is a member of Hooli: what they write there is their own doing
SELECT access_policy.assign_role('act_agent', 18002, 'Editor') IS NOT NULL AS ok;
-- may manage support access at Initech, but not read its notes
SELECT access_policy.create_role(18000, 'Support manager', '{support.manage}') AS support_manager_role \gset
SELECT access_policy.assign_role('act_support_manager', 18000, 'Support manager') IS NOT NULL AS ok;

CREATE TABLE act_notes (id bigint PRIMARY KEY, org_id bigint NOT NULL, body text NOT NULL);
CREATE INDEX ON act_notes (org_id);
INSERT INTO act_notes VALUES (1, 18000, 'one'), (2, 18001, 'two'), (3, 18002, 'three');
SELECT access_policy.protect_table('act_notes', 'org_id', 'responses.view', 'responses.write');
GRANT SELECT, INSERT, UPDATE, DELETE ON act_notes TO regress_app;
-- protect_table() puts the trigger on the table; it fires only for support staff's writes
SELECT tgname, tgfoid::regprocedure, tgenabled, pg_get_triggerdef(oid) LIKE '%WHEN (access_policy.acting_as_support())%' AS when_support
  FROM pg_trigger WHERE tgrelid = 'act_notes'::regclass ORDER BY 1;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('act_agent');
SELECT access_policy.acting_as_support() AS agent_is_support;
SELECT access_policy.set_user('act_admin');
SELECT access_policy.acting_as_support() AS admin_is_support;
SELECT access_policy.clear_user();
SELECT access_policy.acting_as_support() AS nobody_is_support;
COMMIT;
RESET ROLE;

-- Initech opened write access for support (through an approved request, the reason names it)
SELECT access_policy.set_support_access(18000, 'write', 'ticket T-77: bad data') IS NOT NULL AS opened;
SELECT access_policy.set_support_access(18002, 'none') IS NOT NULL AS closed;

------------------------------------------------------------------------------
-- Every command
------------------------------------------------------------------------------
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('act_agent');
INSERT INTO act_notes VALUES (10, 18000, 'inserted by support');
UPDATE act_notes SET body = 'updated by support' WHERE id = 1;
DELETE FROM act_notes WHERE id = 2;
INSERT INTO act_notes VALUES (10, 18000, 'upserted') ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body;
INSERT INTO act_notes VALUES (11, 18001, 'upsert inserted') ON CONFLICT (id) DO NOTHING;
MERGE INTO act_notes n USING (VALUES (11, 'merged'), (12, 'merge inserted')) v (id, body) ON n.id = v.id
 WHEN MATCHED THEN UPDATE SET body = v.body
 WHEN NOT MATCHED THEN INSERT VALUES (v.id, 18001, v.body);
-- at Hooli the agent writes as its Editor: not support activity
UPDATE act_notes SET body = 'hooli, by a member' WHERE id = 3;
COMMIT;
-- a rolled back write leaves no entry
BEGIN;
SELECT access_policy.set_user('act_agent');
INSERT INTO act_notes VALUES (20, 18000, 'rolled back');
ROLLBACK;
-- COPY FROM is refused by PostgreSQL on a table with row level security
BEGIN;
SELECT access_policy.set_user('act_agent');
COPY act_notes FROM STDIN;
\.
ROLLBACK;
RESET ROLE;
-- a session that bypasses RLS (the owner here) acting as the agent: recorded too, COPY included
BEGIN;
SELECT access_policy.set_user('act_agent');
COPY act_notes FROM STDIN;
30	18001	copied in
\.
COMMIT;

SELECT agent, org_id, table_name, operation, row_key, before ->> 'body' AS before, after ->> 'body' AS after,
	   access_source, access_org_id, access_level, access_reason
  FROM access_policy.support_activity_log WHERE table_name = 'public.act_notes' ORDER BY id;
-- a move between orgs: an entry for each
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('act_agent');
UPDATE act_notes SET org_id = 18001 WHERE id = 10;
COMMIT;
RESET ROLE;
SELECT org_id, operation, before ->> 'org_id' AS from_org, after ->> 'org_id' AS to_org
  FROM access_policy.support_activity_log WHERE row_key = '{"id": 10}' AND before ->> 'org_id' <> after ->> 'org_id'
 ORDER BY id;

------------------------------------------------------------------------------
-- Who reads what
------------------------------------------------------------------------------
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('act_admin');
SELECT org_name, agent_name, table_name, operation, row_key, access_level FROM access_policy.support_activity ORDER BY id;
COMMIT;
BEGIN;
SELECT access_policy.set_user('act_labs_admin');
SELECT org_name, operation, row_key FROM access_policy.support_activity ORDER BY id;
COMMIT;
BEGIN;
SELECT access_policy.set_user('act_hooli_admin');
SELECT count(*) AS hooli_admin_sees FROM access_policy.support_activity;
COMMIT;
-- support.manage without the table's read permission: the rows' content stays hidden
BEGIN;
SELECT access_policy.set_user('act_support_manager');
SELECT count(*) AS support_manager_sees FROM access_policy.support_activity;
COMMIT;
-- the agent: support access never includes support.manage
BEGIN;
SELECT access_policy.set_user('act_agent');
SELECT count(*) AS agent_sees FROM access_policy.support_activity;
COMMIT;
SELECT count(*) AS nobody_sees FROM access_policy.support_activity;
SELECT count(*) FROM access_policy.support_activity_log;

------------------------------------------------------------------------------
-- Attacks
------------------------------------------------------------------------------
-- nobody forges an entry: the recording function is the owner's, in the internal schema
SELECT access_policy_internal._record_support_activity('act_notes'::regclass, 'insert', NULL, '{"id": 99, "org_id": 18000}');
RESET ROLE;
-- append-only, also for the superuser (but housekeeping)
UPDATE access_policy.support_activity_log SET agent = 'someone else';
DELETE FROM access_policy.support_activity_log;
TRUNCATE access_policy.support_activity_log;
-- a cast to json written by the table's owner runs as the writer, never as the extension owner
CREATE ROLE regress_act_owner;
GRANT CREATE ON SCHEMA public TO regress_act_owner;
CREATE TABLE act_owned (id bigint PRIMARY KEY, org_id bigint NOT NULL, mood text);
ALTER TABLE act_owned OWNER TO regress_act_owner;
CREATE TABLE act_cast_calls (called_as name);
GRANT INSERT ON act_cast_calls TO PUBLIC;
SET ROLE regress_act_owner;
CREATE TYPE act_mood AS ENUM ('calm', 'angry');
CREATE FUNCTION act_mood_json(act_mood) RETURNS json LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO act_cast_calls VALUES (current_user);
	RETURN to_json($1::text);
END;
$$;
CREATE CAST (act_mood AS json) WITH FUNCTION act_mood_json(act_mood);
ALTER TABLE act_owned ALTER COLUMN mood TYPE act_mood USING mood::act_mood;
GRANT SELECT, INSERT, UPDATE, DELETE ON act_owned TO regress_app;
RESET ROLE;
SELECT access_policy.protect_table('act_owned', 'org_id', 'responses.view', 'responses.write');
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('act_agent');
INSERT INTO act_owned VALUES (1, 18000, 'angry');
COMMIT;
RESET ROLE;
SELECT called_as FROM act_cast_calls;
SELECT operation, after FROM access_policy.support_activity_log WHERE table_name = 'public.act_owned';
SELECT access_policy.unprotect_table('act_owned');
DROP TABLE act_owned, act_cast_calls;
DROP CAST (act_mood AS json);
DROP FUNCTION act_mood_json(act_mood);
DROP TYPE act_mood;
REVOKE CREATE ON SCHEMA public FROM regress_act_owner;
DROP ROLE regress_act_owner;
-- the trigger outside its place
CREATE TABLE act_other (x int);
CREATE TRIGGER act_other_stmt AFTER INSERT ON act_other FOR EACH STATEMENT
	EXECUTE FUNCTION access_policy_internal._support_activity();
BEGIN;
SELECT access_policy.set_user('act_agent');
INSERT INTO act_other VALUES (1);
ROLLBACK;
SELECT access_policy_internal._support_activity();
-- on a table that is not protected it records nothing
DROP TRIGGER act_other_stmt ON act_other;
CREATE TRIGGER act_other_row AFTER INSERT ON act_other FOR EACH ROW
	EXECUTE FUNCTION access_policy_internal._support_activity();
BEGIN;
SELECT access_policy.set_user('act_agent');
INSERT INTO act_other VALUES (1);
COMMIT;
SELECT count(*) AS entries_for_act_other FROM access_policy.support_activity_log WHERE table_name = 'public.act_other';
DROP TABLE act_other;
-- the trigger protect_table() creates carries the table's protection in its
-- arguments (what a Citus shard needs); one created before 0.7.0 has none,
-- and the protection is looked up in protected_tables: both record
SELECT tgnargs, encode(tgargs, 'escape') AS args FROM pg_trigger
 WHERE tgrelid = 'act_notes'::regclass AND tgname = 'access_policy_support_activity';
DROP TRIGGER access_policy_support_activity ON act_notes;
CREATE TRIGGER access_policy_support_activity AFTER INSERT OR UPDATE OR DELETE ON act_notes
	FOR EACH ROW WHEN (access_policy.acting_as_support())
	EXECUTE FUNCTION access_policy_internal._support_activity();
SELECT count(*) AS entries_before FROM access_policy.support_activity_log WHERE table_name = 'public.act_notes' \gset
BEGIN;
SELECT access_policy.set_user('act_agent');
INSERT INTO act_notes VALUES (130, 18000, 'through a trigger without arguments');
COMMIT;
SELECT count(*) - :entries_before AS recorded_without_arguments
  FROM access_policy.support_activity_log WHERE table_name = 'public.act_notes';
SELECT operation, after ->> 'body' AS body, read_permission
  FROM access_policy.support_activity_log WHERE table_name = 'public.act_notes' AND after ->> 'id' = '130';

------------------------------------------------------------------------------
-- Retention, unprotect
------------------------------------------------------------------------------
SET access_policy.support_activity_retention = '10min';
SET access_policy.support_activity_retention = '1h';
-- entries older than the retention go (aged by hand: the log is append-only for everybody else)
ALTER TABLE access_policy.support_activity_log DISABLE TRIGGER activity_append_only;
UPDATE access_policy.support_activity_log SET at = at - interval '2 hours' WHERE operation = 'delete';
ALTER TABLE access_policy.support_activity_log ENABLE TRIGGER activity_append_only;
SELECT support_activity_purged FROM access_policy.housekeeping();
SELECT count(*) FILTER (WHERE operation = 'delete') AS deletes_left, count(*) > 0 AS others_kept
  FROM access_policy.support_activity_log;
SELECT action, target_table, after ->> 'rows' AS rows, reason FROM access_policy.audit_log
 WHERE target_table = 'support_activity_log' ORDER BY id;
RESET access_policy.support_activity_retention;
-- unprotect_table() removes the trigger
SELECT access_policy.unprotect_table('act_notes');
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'act_notes'::regclass AND NOT tgisinternal;
DROP TABLE act_notes;
