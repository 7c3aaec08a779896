-- hardening: the parts of the RLS surface and of cancellation that the
-- feature files do not cover (issue #6 items 7, 10, 22 and 27).
--   item 7:  INSERT ... RETURNING, UPDATE moving a row to another org, MERGE,
--            cursors, SELECT ... FOR UPDATE on a table protected with the helper;
--   item 10: read-only support access writes through none of them;
--   item 22: a revocation while a cursor is open (what the README says);
--   item 27: statement_timeout during a long check, a long list and a cache
--            load: a clean 57014 error, and the next statement answers right.
\set VERBOSITY terse
SET TIME ZONE 'UTC';
SELECT access_policy.create_org('Hard A', NULL, 9800);
SELECT access_policy.create_org('Hard B', NULL, 9801);
SELECT access_policy.create_user('hard_editor');
SELECT access_policy.create_user('hard_support');
UPDATE access_policy.users SET is_support_staff = true WHERE id = 'hard_support';
SELECT access_policy.assign_role('hard_editor', 9800, 'Editor') IS NOT NULL AS ok;
CREATE TABLE hard_notes (id int PRIMARY KEY, org_id bigint NOT NULL, body text NOT NULL);
CREATE INDEX ON hard_notes (org_id);
INSERT INTO hard_notes SELECT g, 9800 + g % 2, 'note ' || g FROM generate_series(1, 10) g;
SELECT access_policy.protect_table('hard_notes', 'org_id', 'responses.view', 'responses.write');
GRANT SELECT, INSERT, UPDATE, DELETE ON hard_notes TO regress_app;
CREATE TABLE hard_src (id int, org_id bigint, body text);
INSERT INTO hard_src VALUES (2, 9800, 'merged own'), (3, 9801, 'merged foreign'), (100, 9800, 'new own'), (101, 9801, 'new foreign');
GRANT SELECT ON hard_src TO regress_app;

SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('hard_editor');
-- INSERT ... RETURNING returns the row; into another org it is refused
INSERT INTO hard_notes VALUES (50, 9800, 'mine') RETURNING *;
INSERT INTO hard_notes VALUES (51, 9801, 'theirs') RETURNING *;
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('hard_editor');
-- UPDATE: another org's rows are not there; moving an own row into another org is refused
UPDATE hard_notes SET body = 'x' WHERE id = 1 RETURNING *;
UPDATE hard_notes SET org_id = 9801 WHERE id = 2;
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('hard_editor');
-- MERGE: a source row matching a foreign row is treated as not matched (the
-- foreign row is invisible) and its insert is refused by the write policy
MERGE INTO hard_notes t USING (SELECT * FROM hard_src WHERE id IN (2, 100)) s ON t.id = s.id
  WHEN MATCHED THEN UPDATE SET body = s.body
  WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.org_id, s.body);
SELECT id, org_id, body FROM hard_notes WHERE id IN (2, 100) ORDER BY id;
MERGE INTO hard_notes t USING (SELECT * FROM hard_src WHERE id = 3) s ON t.id = s.id
  WHEN MATCHED THEN UPDATE SET body = s.body
  WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.org_id, s.body);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('hard_editor');
MERGE INTO hard_notes t USING (SELECT * FROM hard_src WHERE id = 101) s ON t.id = s.id
  WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.org_id, s.body);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('hard_editor');
-- FOR UPDATE locks (and returns) only visible rows
SELECT id, org_id FROM hard_notes ORDER BY id FOR UPDATE;
ROLLBACK;

-- a cursor: with a per-row check (a sequential scan, no sort) rows are checked
-- when fetched, so a revocation made before the next FETCH (here the
-- transaction's own, seen at its next statement) stops it.  Rows a plan has
-- already read (a sort, a materialization) were checked when it read them,
-- and an index-driven scan fixes its list of orgs when it starts (README,
-- "Checks").
BEGIN;
SELECT access_policy.set_user('hard_editor');
SET LOCAL enable_indexscan = off;
SET LOCAL enable_bitmapscan = off;
SET LOCAL enable_indexonlyscan = off;
DECLARE c CURSOR FOR SELECT id, org_id FROM hard_notes;
FETCH 2 FROM c;
RESET ROLE;
SELECT access_policy.set_user('hard_editor');
DELETE FROM access_policy.assignments WHERE user_id = 'hard_editor';
SET LOCAL ROLE regress_app;
FETCH 2 FROM c;
CLOSE c;
ROLLBACK;
RESET ROLE;

-- read-only support access (the default level) writes through none of the commands
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('hard_support');
SELECT count(*) AS support_reads FROM hard_notes;
SAVEPOINT s;
INSERT INTO hard_notes VALUES (60, 9800, 'support') RETURNING id;
ROLLBACK TO SAVEPOINT s;
UPDATE hard_notes SET body = 'support' WHERE id = 2;
DELETE FROM hard_notes WHERE id = 2;
INSERT INTO hard_notes VALUES (2, 9800, 'x') ON CONFLICT (id) DO UPDATE SET body = 'support upsert';
ROLLBACK TO SAVEPOINT s;
MERGE INTO hard_notes t USING (SELECT * FROM hard_src WHERE id = 2) s ON t.id = s.id
  WHEN MATCHED THEN UPDATE SET body = s.body;
ROLLBACK TO SAVEPOINT s;
MERGE INTO hard_notes t USING (SELECT * FROM hard_src WHERE id = 2) s ON t.id = s.id
  WHEN MATCHED THEN DELETE;
ROLLBACK TO SAVEPOINT s;
MERGE INTO hard_notes t USING (SELECT * FROM hard_src WHERE id = 100) s ON t.id = s.id
  WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.org_id, s.body);
ROLLBACK TO SAVEPOINT s;
SELECT id FROM hard_notes WHERE id = 2 FOR UPDATE;
ROLLBACK TO SAVEPOINT s;
SELECT body, (SELECT count(*) FROM hard_notes) AS rows FROM hard_notes WHERE id = 2;
ROLLBACK;
RESET ROLE;

-- cancellation: statement_timeout during a long check, a long list and a
-- cache load gives 57014 and leaves the session and its cache sound
-- (the chain is built with the cycle guard off: it walks up from every new
-- row, quadratic for a chain inserted in one statement)
ALTER TABLE access_policy.orgs DISABLE TRIGGER org_guard;
INSERT INTO access_policy.orgs (id, name, parent_id)
SELECT 98000 + g, 'hard chain ' || g, CASE WHEN g = 0 THEN 9800 ELSE 98000 + g - 1 END FROM generate_series(0, 19999) g;
ALTER TABLE access_policy.orgs ENABLE TRIGGER org_guard;
SELECT access_policy.set_user('hard_editor', false);
SET statement_timeout = '20ms';
SELECT count(*) FILTER (WHERE access_policy.can(98000 + g % 20000, 'responses.view')) FROM generate_series(1, 100000000) g;
SELECT cardinality(access_policy.orgs_with('responses.view')) FROM generate_series(1, 100000);
RESET statement_timeout;
-- a fresh load of the 20,000-deep chain (the move invalidates the org part),
-- interrupted half way; the next statement must not use a half-built cache
UPDATE access_policy.orgs SET parent_id = 9801 WHERE id = 98000;
SET statement_timeout = '20ms';
SELECT count(*) FILTER (WHERE access_policy.can(98000 + g, 'responses.view')) FROM generate_series(0, 19999) g, generate_series(1, 1000);
RESET statement_timeout;
SELECT count(*) FILTER (WHERE access_policy.can(98000 + g, 'responses.view')) AS visible_under_b FROM generate_series(0, 19999) g;
SELECT cardinality(access_policy.orgs_with('responses.view')) AS listed_under_b;
UPDATE access_policy.orgs SET parent_id = 9800 WHERE id = 98000;
SET statement_timeout = '20ms';
SELECT count(*) FILTER (WHERE access_policy.can(98000 + g, 'responses.view')) FROM generate_series(0, 19999) g, generate_series(1, 1000);
RESET statement_timeout;
SELECT count(*) FILTER (WHERE access_policy.can(98000 + g, 'responses.view')) AS visible_under_a FROM generate_series(0, 19999) g;
SELECT cardinality(access_policy.orgs_with('responses.view')) AS listed_under_a;
SELECT access_policy.clear_user(false);

-- item 9: who RLS does not apply to, as the README says (section "Privileges")
CREATE ROLE hard_owner;
CREATE ROLE hard_bypass BYPASSRLS;
ALTER TABLE hard_notes OWNER TO hard_owner;
GRANT SELECT ON hard_notes TO hard_bypass;
SET ROLE hard_owner;
SELECT count(*) AS owner_sees_all FROM hard_notes;
RESET ROLE;
SET ROLE hard_bypass;
SELECT count(*) AS bypassrls_sees_all FROM hard_notes;
RESET ROLE;
-- protect_table(force => true): the owner is subject too (and sees nothing as nobody)
SELECT access_policy.protect_table('hard_notes', 'org_id', 'responses.view', 'responses.write', force => true);
SET ROLE hard_owner;
SELECT count(*) AS forced_owner_sees FROM hard_notes;
RESET ROLE;
-- row_security = off: a query RLS would filter fails instead of returning every row
SET ROLE regress_app;
SET row_security = off;
SELECT count(*) FROM hard_notes;
RESET row_security;
RESET ROLE;
ALTER TABLE hard_notes OWNER TO CURRENT_USER;
SELECT access_policy.protect_table('hard_notes', 'org_id', 'responses.view', 'responses.write');
REVOKE ALL ON hard_notes FROM hard_bypass;
DROP ROLE hard_owner;
DROP ROLE hard_bypass;

-- item 11: row level security on the extension's own tables causes no
-- recursion: the checks read them below the planner, so a policy on orgs that
-- itself calls can() neither loops nor changes any answer
ALTER TABLE access_policy.orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE access_policy.orgs FORCE ROW LEVEL SECURITY;
CREATE POLICY hard_orgs ON access_policy.orgs USING (access_policy.can(id, 'responses.view'));
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('hard_editor');
SELECT access_policy.can(9800, 'responses.view') AS can_a, access_policy.can(9801, 'responses.view') AS can_b,
	   cardinality(access_policy.orgs_with('responses.view')) > 0 AS lists, (SELECT count(*) FROM hard_notes) AS notes;
ROLLBACK;
RESET ROLE;
DROP POLICY hard_orgs ON access_policy.orgs;
ALTER TABLE access_policy.orgs NO FORCE ROW LEVEL SECURITY;
ALTER TABLE access_policy.orgs DISABLE ROW LEVEL SECURITY;

-- item 8: error messages carry no other org's data.  PostgreSQL leaves out
-- the DETAIL that would quote stored row values (key, failing row) when row
-- level security applies to the table, and the extension's own
-- refusals name neither the other org nor anything in it.  What remains is
-- the existence side channel (a duplicate key, a foreign key that holds) that
-- the README lists as a residual risk.
CREATE TABLE hard_secrets (id int PRIMARY KEY, org_id bigint NOT NULL, secret text NOT NULL UNIQUE CHECK (length(secret) < 40));
INSERT INTO hard_secrets VALUES (1, 9801, 'B-SECRET-1'), (2, 9800, 'a-visible-2');
SELECT access_policy.protect_table('hard_secrets', 'org_id', 'responses.view', 'responses.write');
CREATE TABLE hard_secret_refs (secret_id int REFERENCES hard_secrets (id));
GRANT SELECT, INSERT, UPDATE ON hard_secrets, hard_secret_refs TO regress_app;
\set VERBOSITY default
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('hard_editor');
SAVEPOINT s;
-- the id of B's row: no "Key (id)=(1) already exists"
INSERT INTO hard_secrets VALUES (1, 9800, 'mine');
ROLLBACK TO SAVEPOINT s;
-- own row made to fail a CHECK: no "Failing row contains"
UPDATE hard_secrets SET secret = repeat('x', 50) WHERE id = 2;
ROLLBACK TO SAVEPOINT s;
-- into B's org: no row values either
INSERT INTO hard_secrets VALUES (3, 9801, 'planted');
ROLLBACK TO SAVEPOINT s;
-- a foreign key to a missing row: the DETAIL quotes only the value given
INSERT INTO hard_secret_refs VALUES (9);
ROLLBACK TO SAVEPOINT s;
-- the existence side channel that remains: a reference to B's row holds
INSERT INTO hard_secret_refs VALUES (1);
ROLLBACK TO SAVEPOINT s;
-- administration of B refused without naming it or anything in it
SELECT access_policy.assign_role('hard_editor', 9801, 'Viewer');
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.create_org('under B', 9801);
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.rename_org(9801, 'renamed');
ROLLBACK TO SAVEPOINT s;
SELECT * FROM access_policy.who_can('responses.view', 9801);
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.access_graph(9801);
ROLLBACK;
RESET ROLE;
\set VERBOSITY terse
DROP TABLE hard_secret_refs, hard_secrets;

-- item 13: a 1 MB permission name is an unknown permission (the message
-- shortens it), in a check and in a list
SELECT access_policy.can(9800, repeat('p', 1000000));
SELECT access_policy.orgs_with(repeat('p', 1000000) || '.view');
SELECT access_policy.can(9800, '');
