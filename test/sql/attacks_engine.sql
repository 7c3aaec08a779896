-- attacks_engine: findings of an adversarial review of the C engine, each
-- with the attack that worked before and what happens now.
--   1. _tenant_rows(): a tenant's triggers on its protected table run as the
--      tenant, never as the superuser that deletes an org;
--   2. _invalidate() attached to a table that is not ours, or naming a column
--      that is not text: a clean error, not a crashed backend;
--   3. checks of millions of distinct unknown ids: the cache stays small;
--   4. an assignment that expires inside a long CALL (a procedure that
--      commits in a loop) expires there too.
\set VERBOSITY terse
SET TIME ZONE 'UTC';
SELECT access_policy.create_org('Eng A', NULL, 14000);
SELECT access_policy.create_org('Eng B', NULL, 14001);
SELECT access_policy.create_user('eng_viewer');
SELECT access_policy.assign_role('eng_viewer', 14000, 'Viewer') IS NOT NULL AS ok;

------------------------------------------------------------------------------
-- 1. Rows of a tenant table are counted and deleted as the table's owner.
------------------------------------------------------------------------------
CREATE ROLE regress_eng_owner;
CREATE SCHEMA eng_tenant AUTHORIZATION regress_eng_owner;
SET ROLE regress_eng_owner;
CREATE TABLE eng_tenant.notes (id int PRIMARY KEY, org_id bigint NOT NULL, body text NOT NULL);
INSERT INTO eng_tenant.notes SELECT g, 14000 + g % 2, 'note ' || g FROM generate_series(1, 10) g;
CREATE TABLE eng_tenant.trigger_log (fired_as name, what text);
-- the planted code: make the owner a superuser, and record who runs it
CREATE FUNCTION eng_tenant.escalate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	ALTER ROLE regress_eng_owner SUPERUSER;
	RETURN NULL;
END;
$$;
CREATE FUNCTION eng_tenant.record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO eng_tenant.trigger_log VALUES (current_user, TG_OP || ' ' || TG_LEVEL);
	RETURN NULL;
END;
$$;
CREATE TRIGGER escalate BEFORE DELETE ON eng_tenant.notes
	FOR EACH STATEMENT EXECUTE FUNCTION eng_tenant.escalate();
RESET ROLE;
SELECT access_policy.protect_table('eng_tenant.notes', 'org_id', 'responses.view', 'responses.write');
-- an inheritance child of another owner: not the tenant table's rows
CREATE TABLE eng_tenant.notes_child () INHERITS (eng_tenant.notes);
INSERT INTO eng_tenant.notes_child VALUES (100, 14000, 'child row');

-- counting runs no trigger; only the table itself (ONLY), not the child
SELECT access_policy_internal._tenant_rows('eng_tenant.notes', 'org_id', ARRAY[14000, 14001]::bigint[], false) AS counted;
SELECT access_policy_internal._tenant_rows('eng_tenant.notes', 'org_id', ARRAY[14000]::bigint[], false) AS counted_one_org;
-- deleting fires the owner's statement trigger as the owner: refused (42501;
-- the message's wording differs between PostgreSQL versions)
\set VERBOSITY sqlstate
SELECT access_policy_internal._tenant_rows('eng_tenant.notes', 'org_id', ARRAY[14001]::bigint[], true) AS deleted;
\set VERBOSITY terse
SELECT rolsuper AS owner_became_superuser FROM pg_roles WHERE rolname = 'regress_eng_owner';
SELECT count(*) AS rows_left FROM ONLY eng_tenant.notes;
-- a trigger and a rule that record who runs them record the owner
SET ROLE regress_eng_owner;
DROP TRIGGER escalate ON eng_tenant.notes;
CREATE TRIGGER record_statement BEFORE DELETE ON eng_tenant.notes
	FOR EACH STATEMENT EXECUTE FUNCTION eng_tenant.record();
CREATE TRIGGER record_row AFTER DELETE ON eng_tenant.notes
	FOR EACH ROW EXECUTE FUNCTION eng_tenant.record();
CREATE RULE record_rule AS ON DELETE TO eng_tenant.notes
	DO ALSO INSERT INTO eng_tenant.trigger_log VALUES (current_user, 'rule');
RESET ROLE;
SELECT access_policy_internal._tenant_rows('eng_tenant.notes', 'org_id', ARRAY[14001]::bigint[], true) AS deleted;
SELECT fired_as, what, count(*) FROM eng_tenant.trigger_log GROUP BY 1, 2 ORDER BY 2;
SELECT org_id, count(*) AS rows_left FROM ONLY eng_tenant.notes GROUP BY org_id ORDER BY org_id;
SELECT count(*) AS child_rows_left FROM eng_tenant.notes_child;
-- the org ids are a parameter, not text: an empty array deletes nothing
SELECT access_policy_internal._tenant_rows('eng_tenant.notes', 'org_id', '{}'::bigint[], true) AS deleted_none;
-- the search_path and the user id are back after the call
SELECT current_user, current_setting('search_path') AS search_path;

-- FORCE ROW LEVEL SECURITY does not hide rows from the owner here: counted
-- like the superuser did, whoever acts (nobody, here)
SELECT access_policy.protect_table('eng_tenant.notes', 'org_id', 'responses.view', 'responses.write', force => true);
SELECT access_policy_internal._tenant_rows('eng_tenant.notes', 'org_id', ARRAY[14000]::bigint[], false) AS counted_forced;

-- what is skipped, with a warning (its detail says why) and NULL: the
-- caller goes on with the next table
\set VERBOSITY default
CREATE TABLE eng_tenant.plain (org_id bigint, label text);
CREATE POLICY access_policy_select ON eng_tenant.plain USING (true);
CREATE TABLE eng_tenant.unprotected (org_id bigint);
CREATE VIEW eng_tenant.notes_view AS SELECT * FROM eng_tenant.notes;
CREATE TEMP TABLE eng_temp (org_id bigint);
CREATE POLICY access_policy_select ON eng_temp USING (true);
SELECT access_policy_internal._tenant_rows('eng_tenant.plain', 'nope', ARRAY[14000]::bigint[], false) AS missing_column;
SELECT access_policy_internal._tenant_rows('eng_tenant.plain', 'label', ARRAY[14000]::bigint[], false) AS text_column;
SELECT access_policy_internal._tenant_rows('eng_tenant.plain', 'ctid', ARRAY[14000]::bigint[], false) AS system_column;
SELECT access_policy_internal._tenant_rows('eng_tenant.unprotected', 'org_id', ARRAY[14000]::bigint[], true) AS unprotected;
SELECT access_policy_internal._tenant_rows('eng_tenant.notes_view', 'org_id', ARRAY[14000]::bigint[], true) AS a_view;
SELECT access_policy_internal._tenant_rows('eng_temp', 'org_id', ARRAY[14000]::bigint[], true) AS temp_table;
SELECT access_policy_internal._tenant_rows(999999999::regclass, 'org_id', ARRAY[14000]::bigint[], true) AS dropped;
SELECT access_policy_internal._tenant_rows('eng_tenant.plain', 'org_id', ARRAY[14000]::bigint[], false) AS policy_only_plain;
\set VERBOSITY terse
-- NULL arguments are an error
SELECT access_policy_internal._tenant_rows(NULL, 'org_id', ARRAY[14000]::bigint[], true);
SELECT access_policy_internal._tenant_rows('eng_tenant.notes', 'org_id', NULL, true);
SELECT access_policy_internal._tenant_rows('eng_tenant.notes', 'org_id', ARRAY[14000]::bigint[], NULL);
-- not for PUBLIC, nor for regress_app (GRANT ... ON ALL FUNCTIONS does not reach internal
-- functions: see attacks.sql); the function also refuses any caller but a superuser
SELECT has_function_privilege('public', 'access_policy_internal._tenant_rows(regclass, name, bigint[], boolean)', 'EXECUTE') AS public_may_call;
SELECT has_function_privilege('regress_app', 'access_policy_internal._tenant_rows(regclass, name, bigint[], boolean)', 'EXECUTE') AS regress_app_may_call;
SELECT 'eng_tenant.notes'::regclass::oid AS notes_oid \gset
SET ROLE regress_app;
SELECT access_policy_internal._tenant_rows(:notes_oid, 'org_id', ARRAY[14000]::bigint[], true);
RESET ROLE;
SELECT count(*) AS rows_still_there FROM ONLY eng_tenant.notes;

DROP TABLE eng_temp;
SELECT access_policy.unprotect_table('eng_tenant.notes');
DROP SCHEMA eng_tenant CASCADE;
DROP ROLE regress_eng_owner;

------------------------------------------------------------------------------
-- 2. _invalidate() fires only for the extension's own tables.
------------------------------------------------------------------------------
-- a row trigger naming a bigint column on some table: crashed the backend
CREATE TABLE eng_inv (x bigint);
CREATE TRIGGER eng_inv BEFORE INSERT ON eng_inv FOR EACH ROW EXECUTE FUNCTION access_policy_internal._invalidate('x');
\set VERBOSITY default
INSERT INTO eng_inv VALUES (1);
\set VERBOSITY terse
SELECT 'alive' AS backend;
-- a statement trigger on a table that is not ours
CREATE TRIGGER eng_inv_stmt AFTER DELETE ON eng_inv FOR EACH STATEMENT EXECUTE FUNCTION access_policy_internal._invalidate();
DELETE FROM eng_inv;
SELECT 'alive' AS backend;
DROP TABLE eng_inv;
-- a statement trigger on a foreign table.  It fires only once the foreign
-- server is connected: postgres_fdw, back into this database.  A server
-- built without contrib has no postgres_fdw and runs the \else branch
-- (expected/attacks_engine_1.out).
SELECT count(*) > 0 AS have_postgres_fdw FROM pg_available_extensions WHERE name = 'postgres_fdw' \gset
\if :have_postgres_fdw
CREATE EXTENSION postgres_fdw;
DO $$
BEGIN
	EXECUTE pg_catalog.format('CREATE SERVER eng_loopback FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname %L, port %L, host %L)',
		current_database(), current_setting('port'),
		COALESCE(NULLIF(btrim(split_part(current_setting('unix_socket_directories'), ',', 1)), ''), 'localhost'));
END;
$$;
CREATE USER MAPPING FOR CURRENT_USER SERVER eng_loopback;
CREATE TABLE eng_ft_remote (x bigint);
CREATE FOREIGN TABLE eng_ft (x bigint) SERVER eng_loopback OPTIONS (table_name 'eng_ft_remote');
CREATE TRIGGER eng_ft BEFORE INSERT ON eng_ft FOR EACH STATEMENT EXECUTE FUNCTION access_policy_internal._invalidate();
INSERT INTO eng_ft VALUES (1);
SELECT 'alive' AS backend, (SELECT count(*) FROM eng_ft_remote) AS remote_rows;
SELECT postgres_fdw_disconnect_all() AS disconnected;
DROP FOREIGN TABLE eng_ft;
DROP TABLE eng_ft_remote;
DROP USER MAPPING FOR CURRENT_USER SERVER eng_loopback;
DROP SERVER eng_loopback;
DROP EXTENSION postgres_fdw;
\else
SELECT 'postgres_fdw is not installed: the foreign table case was not run' AS skipped;
\endif
-- on our own table, the argument must name a text column
BEGIN;
CREATE TRIGGER eng_bad BEFORE UPDATE ON access_policy.assignments
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._invalidate('org_id');
UPDATE access_policy.assignments SET enabled = enabled WHERE user_id = 'eng_viewer';
ROLLBACK;
BEGIN;
CREATE TRIGGER eng_bad BEFORE UPDATE ON access_policy.assignments
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._invalidate('no_such_column');
UPDATE access_policy.assignments SET enabled = enabled WHERE user_id = 'eng_viewer';
ROLLBACK;
SELECT 'alive' AS backend;
-- and the extension's own triggers still do their work
SELECT access_policy.set_user('eng_viewer', false);
SELECT access_policy.can(14001, 'responses.view') AS before_assignment;
UPDATE access_policy.assignments SET org_id = 14001 WHERE user_id = 'eng_viewer';
SELECT access_policy.can(14001, 'responses.view') AS after_assignment;
UPDATE access_policy.assignments SET org_id = 14000 WHERE user_id = 'eng_viewer';
SELECT access_policy.clear_user(false);

------------------------------------------------------------------------------
-- 3. Unknown ids do not grow the cache without end.
------------------------------------------------------------------------------
SET ROLE regress_app;
SELECT access_policy.set_user('eng_viewer', false);
SELECT access_policy.can(14000, 'responses.view') AS known_org;
-- 500,003 checks of ids no org or resource has (before: 300,001 memo entries
-- and tens of MB after the first statement alone, kept after it)
SELECT count(*) AS allowed FROM generate_series(1e12::bigint, 1e12::bigint + 300000) g
 WHERE access_policy.can(g, 'responses.view');
SELECT count(*) AS allowed FROM generate_series(2e12::bigint, 2e12::bigint + 100000) g
 WHERE access_policy.can_resource(g, 'responses.view');
SELECT count(*) AS allowed FROM generate_series(3e12::bigint, 3e12::bigint + 100000) g
 WHERE access_policy.can_row(14000, g, 'responses.view');
SELECT memo_entries < 50000 AS memo_bounded, orgs_cached < 50000 AS orgs_bounded,
	   resources_cached < 50000 AS resources_bounded, memory_bytes < 8 * 1024 * 1024 AS memory_bounded
  FROM access_policy.cache_stats();
-- answers are still right, for known and for unknown ids
SELECT access_policy.can(14000, 'responses.view') AS known_org,
	   access_policy.can(14001, 'responses.view') AS other_org,
	   access_policy.can(1e12::bigint + 5, 'responses.view') AS unknown_org,
	   access_policy.can(4e12::bigint, 'responses.view') AS new_unknown_org,
	   access_policy.can_resource(4e12::bigint, 'responses.view') AS new_unknown_resource;
SELECT access_policy.clear_user(false);
RESET ROLE;

------------------------------------------------------------------------------
-- 4. Expiry inside a long CALL.
------------------------------------------------------------------------------
SELECT access_policy.create_org('Eng Expiring', NULL, 14002);
SELECT access_policy.create_user('eng_expiring');
-- the superuser's part: an assignment that ends 3 seconds from now
CREATE FUNCTION pg_temp.eng_assign_expiring() RETURNS void LANGUAGE sql SECURITY DEFINER AS $$
	INSERT INTO access_policy.assignments (user_id, org_id, role_id, expires_at)
	VALUES ('eng_expiring', 14002, 3, clock_timestamp() + interval '3 seconds')
$$;
-- the application's part: one CALL that commits in a loop and asks each time
CREATE PROCEDURE pg_temp.eng_expiry_probe(INOUT first_answer boolean, INOUT turned_false boolean)
LANGUAGE plpgsql AS $$
DECLARE
	ok boolean;
BEGIN
	PERFORM pg_temp.eng_assign_expiring();
	COMMIT;
	first_answer := access_policy.can(14002, 'responses.view');
	turned_false := false;
	FOR i IN 1 .. 150 LOOP
		COMMIT;
		PERFORM pg_sleep(0.2);
		ok := access_policy.can(14002, 'responses.view');
		IF NOT ok THEN
			turned_false := true;
			EXIT;
		END IF;
	END LOOP;
END;
$$;
SET ROLE regress_app;
SELECT access_policy.set_user('eng_expiring', false);
CALL pg_temp.eng_expiry_probe(NULL, NULL);
-- and the next statement agrees
SELECT access_policy.can(14002, 'responses.view') AS after_call;
SELECT access_policy.clear_user(false);
RESET ROLE;
