-- rls: protect_table() puts a tenant table under row level security keyed by its
-- org column (and optionally a resource column): every command reads and writes
-- only the rows of orgs where the acting user holds the table's permissions.
\set VERBOSITY terse
\set SHOW_CONTEXT never
--   4000 RLS Acme          4002 RLS Globex
--     |
--   4001 RLS Acme EU
SELECT access_policy.create_org('RLS Acme', NULL, 4000);
SELECT access_policy.create_org('RLS Acme EU', 4000, 4001);
SELECT access_policy.create_org('RLS Globex', NULL, 4002);
SELECT access_policy.create_user('rls_admin');
SELECT access_policy.create_user('rls_editor');
SELECT access_policy.create_user('rls_viewer');
SELECT access_policy.create_user('rls_partner');
SELECT access_policy.assign_role('rls_admin', 4000, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('rls_editor', 4001, 'Editor') IS NOT NULL AS ok;
SELECT access_policy.assign_role('rls_viewer', 4000, 'Viewer') IS NOT NULL AS ok;
SELECT access_policy.assign_role('rls_partner', 4002, 'Viewer') IS NOT NULL AS ok;

-- a tenant table: reading needs responses.view, writing responses.write
CREATE TABLE rls_responses (id int PRIMARY KEY, org_id bigint NOT NULL, body text NOT NULL);
CREATE INDEX rls_responses_org_idx ON rls_responses (org_id);
INSERT INTO rls_responses VALUES (1, 4000, 'acme hq'), (2, 4001, 'acme eu'), (3, 4002, 'globex'), (4, 4001, 'acme eu 2');
GRANT SELECT, INSERT, UPDATE, DELETE ON rls_responses TO regress_app;
SELECT access_policy.protect_table('rls_responses', 'org_id', 'responses.view', 'responses.write');
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'rls_responses'::regclass;
SELECT policyname, cmd, qual, with_check FROM pg_policies WHERE tablename = 'rls_responses' ORDER BY policyname;
SELECT relid, org_column, resource_column, read_permission, write_permission, forced
  FROM access_policy.protected_tables WHERE relid = 'rls_responses'::regclass;

SET ROLE regress_app;
-- Admin at 4000: reads and writes 4000 and its child 4001, nothing of Globex
BEGIN;
SELECT access_policy.set_user('rls_admin');
SELECT * FROM rls_responses ORDER BY id;
COPY (SELECT id, org_id, body FROM rls_responses ORDER BY id) TO STDOUT;
INSERT INTO rls_responses VALUES (10, 4001, 'by admin') RETURNING *;
UPDATE rls_responses SET body = body || ' (edited)' WHERE id IN (1, 3, 10) RETURNING *;
-- moving a row between orgs the admin may write
UPDATE rls_responses SET org_id = 4000 WHERE id = 2 RETURNING *;
DELETE FROM rls_responses WHERE id IN (3, 4) RETURNING *;
SAVEPOINT s;
INSERT INTO rls_responses VALUES (11, 4002, 'into globex');
ROLLBACK TO SAVEPOINT s;
-- the new row must be writable too: no moving a row out to Globex
UPDATE rls_responses SET org_id = 4002 WHERE id = 1;
ROLLBACK TO SAVEPOINT s;
-- COPY FROM is refused by PostgreSQL for every role the policies apply to
COPY rls_responses FROM STDIN;
12	4000	copied by admin
\.
ROLLBACK;

-- Editor at 4001: reads and writes 4001 only
BEGIN;
SELECT access_policy.set_user('rls_editor');
SELECT * FROM rls_responses ORDER BY id;
COPY rls_responses TO STDOUT;
INSERT INTO rls_responses VALUES (20, 4001, 'by editor') RETURNING *;
UPDATE rls_responses SET body = 'edited' WHERE id IN (1, 2, 3) RETURNING *;
DELETE FROM rls_responses WHERE id IN (1, 3, 4) RETURNING *;
SELECT * FROM rls_responses ORDER BY id;
SAVEPOINT s;
INSERT INTO rls_responses VALUES (21, 4000, 'into the parent org');
ROLLBACK TO SAVEPOINT s;
-- the old row is writable, the new one (moved up to 4000) is not
UPDATE rls_responses SET org_id = 4000 WHERE id = 2;
ROLLBACK TO SAVEPOINT s;
INSERT INTO rls_responses VALUES (22, 4000, 'x'), (23, 4001, 'y');
ROLLBACK TO SAVEPOINT s;
COPY rls_responses FROM STDIN;
24	4001	copied by editor
\.
ROLLBACK;

-- Viewer at 4000: reads 4000 and 4001, writes nothing
BEGIN;
SELECT access_policy.set_user('rls_viewer');
SELECT * FROM rls_responses ORDER BY id;
COPY (SELECT id, body FROM rls_responses ORDER BY id) TO STDOUT;
UPDATE rls_responses SET body = 'edited' RETURNING *;
DELETE FROM rls_responses RETURNING *;
SAVEPOINT s;
INSERT INTO rls_responses VALUES (30, 4000, 'by viewer');
ROLLBACK TO SAVEPOINT s;
INSERT INTO rls_responses VALUES (30, 4000, 'by viewer') ON CONFLICT (id) DO NOTHING;
ROLLBACK;

-- nobody acting: no row, no write, no error for reads
BEGIN;
SELECT access_policy.current_user_id() IS NULL AS no_user;
SELECT * FROM rls_responses ORDER BY id;
COPY (SELECT * FROM rls_responses) TO STDOUT;
UPDATE rls_responses SET body = 'edited' RETURNING *;
DELETE FROM rls_responses RETURNING *;
SAVEPOINT s;
INSERT INTO rls_responses VALUES (40, 4000, 'by nobody');
ROLLBACK TO SAVEPOINT s;
ROLLBACK;

-- an unknown user is nobody
BEGIN;
SELECT access_policy.set_user('rls_no_such_user');
SELECT access_policy.current_user_id() IS NULL AS unknown_is_nobody;
SELECT * FROM rls_responses ORDER BY id;
COPY rls_responses TO STDOUT;
UPDATE rls_responses SET body = 'edited' RETURNING *;
DELETE FROM rls_responses RETURNING *;
SAVEPOINT s;
INSERT INTO rls_responses VALUES (50, 4001, 'by unknown');
ROLLBACK TO SAVEPOINT s;
ROLLBACK;

-- INSERT ... ON CONFLICT: both the proposed row and the row it would update are checked
BEGIN;
SELECT access_policy.set_user('rls_editor');
INSERT INTO rls_responses VALUES (2, 4001, 'upserted') ON CONFLICT (id) DO UPDATE SET body = excluded.body RETURNING *;
INSERT INTO rls_responses VALUES (60, 4001, 'fresh') ON CONFLICT (id) DO UPDATE SET body = excluded.body RETURNING *;
SAVEPOINT s;
-- the existing row 1 lives in 4000, where the editor cannot write
INSERT INTO rls_responses VALUES (1, 4001, 'steal') ON CONFLICT (id) DO UPDATE SET body = excluded.body;
ROLLBACK TO SAVEPOINT s;
-- the update would move row 2 to 4000
INSERT INTO rls_responses VALUES (2, 4001, 'x') ON CONFLICT (id) DO UPDATE SET org_id = 4000;
ROLLBACK TO SAVEPOINT s;
-- the proposed row itself must be writable
INSERT INTO rls_responses VALUES (61, 4000, 'x') ON CONFLICT (id) DO NOTHING;
ROLLBACK TO SAVEPOINT s;
-- DO NOTHING on a hidden row changes nothing (the unique key still tells that the
-- id is taken: PostgreSQL's documented caveat of row level security)
INSERT INTO rls_responses VALUES (1, 4001, 'x') ON CONFLICT (id) DO NOTHING;
SELECT * FROM rls_responses ORDER BY id;
ROLLBACK;
RESET ROLE;

-- the owner (here a superuser) is not subject to the policies and may COPY FROM
COPY rls_responses FROM STDIN;
70	4002	copied by the owner
\.
SELECT * FROM rls_responses WHERE id = 70;
DELETE FROM rls_responses WHERE id = 70;

-- a committed write is there for the next transaction, and seen by who may read it
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('rls_editor');
INSERT INTO rls_responses VALUES (80, 4001, 'committed by editor');
COMMIT;
BEGIN;
SELECT access_policy.set_user('rls_viewer');
SELECT * FROM rls_responses WHERE id = 80;
COMMIT;
BEGIN;
SELECT access_policy.set_user('rls_partner');
SELECT * FROM rls_responses ORDER BY id;
COMMIT;
RESET ROLE;
DELETE FROM rls_responses WHERE id = 80;

-- calling protect_table() again replaces the policies: reading now needs
-- billing.manage (Admin only), writing still responses.write
SELECT access_policy.protect_table('rls_responses', 'org_id', 'billing.manage', 'responses.write');
SELECT policyname, cmd, qual, with_check FROM pg_policies WHERE tablename = 'rls_responses' ORDER BY policyname;
SELECT relid, read_permission, write_permission FROM access_policy.protected_tables WHERE relid = 'rls_responses'::regclass;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('rls_admin');
SELECT * FROM rls_responses ORDER BY id;
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('rls_viewer');
SELECT * FROM rls_responses ORDER BY id;
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('rls_editor');
SELECT * FROM rls_responses ORDER BY id;
-- the editor may still write blind, but RETURNING would show a row it cannot read
INSERT INTO rls_responses VALUES (90, 4001, 'blind write');
SAVEPOINT s;
INSERT INTO rls_responses VALUES (91, 4001, 'blind write') RETURNING *;
ROLLBACK TO SAVEPOINT s;
ROLLBACK;
RESET ROLE;
SELECT access_policy.protect_table('rls_responses', 'org_id', 'responses.view', 'responses.write');
SELECT policyname, qual FROM pg_policies WHERE tablename = 'rls_responses' ORDER BY policyname;

-- unprotect_table() drops the policies but leaves row level security on: fail closed
\set VERBOSITY default
SELECT access_policy.unprotect_table('rls_responses');
\set VERBOSITY terse
SELECT relrowsecurity FROM pg_class WHERE oid = 'rls_responses'::regclass;
SELECT count(*) AS policies FROM pg_policies WHERE tablename = 'rls_responses';
SELECT count(*) AS protected FROM access_policy.protected_tables WHERE relid = 'rls_responses'::regclass;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('rls_admin');
SELECT * FROM rls_responses ORDER BY id;
SAVEPOINT s;
INSERT INTO rls_responses VALUES (100, 4000, 'x');
ROLLBACK TO SAVEPOINT s;
ROLLBACK;
RESET ROLE;
SELECT access_policy.unprotect_table('rls_responses');
SELECT access_policy.protect_table('rls_responses', 'org_id', 'responses.view', 'responses.write');

-- a table with a resource column: a row naming a resource needs the permission
-- on that resource (org permission or a grant); the resource must be of the row's org
SELECT access_policy.create_resource_kind('rls_form');
SELECT access_policy.create_resource(4000, 'rls_form', 'Form A') AS form_a \gset
SELECT access_policy.create_resource(4000, 'rls_form', 'Form A page', :form_a) AS form_a_page \gset
SELECT access_policy.create_resource(4000, 'rls_form', 'Form B') AS form_b \gset
-- Viewer held at Globex may read Form A of Acme and everything below it
SELECT access_policy.grant_resource(:form_a, 'Viewer', ARRAY[4002]::bigint[]);
CREATE TABLE rls_answers (id int PRIMARY KEY, org_id bigint NOT NULL, form_id bigint, body text NOT NULL);
CREATE INDEX rls_answers_org_idx ON rls_answers (org_id);
INSERT INTO rls_answers VALUES
	(1, 4000, NULL, 'acme, no form'),
	(2, 4000, :form_a, 'acme, form A'),
	(3, 4000, :form_a_page, 'acme, form A page'),
	(4, 4000, :form_b, 'acme, form B'),
	(5, 4002, NULL, 'globex, no form'),
	(6, 4002, :form_a, 'globex row naming a form of acme'),
	(7, 4001, NULL, 'acme eu, no form');
GRANT SELECT, INSERT, UPDATE, DELETE ON rls_answers TO regress_app;
SELECT access_policy.protect_table('rls_answers', 'org_id', 'responses.view', 'responses.write',
								   resource_column => 'form_id');
SELECT policyname, cmd, qual, with_check FROM pg_policies WHERE tablename = 'rls_answers' ORDER BY policyname;
SELECT relid, org_column, resource_column FROM access_policy.protected_tables WHERE relid = 'rls_answers'::regclass;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('rls_partner');
SELECT id, org_id, body FROM rls_answers ORDER BY id;
SAVEPOINT s;
-- the grant gives Viewer: reading, not writing
INSERT INTO rls_answers VALUES (10, 4000, :form_a, 'by partner');
ROLLBACK TO SAVEPOINT s;
UPDATE rls_answers SET body = 'edited' WHERE id = 2 RETURNING id;
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('rls_admin');
SELECT id, org_id, body FROM rls_answers ORDER BY id;
INSERT INTO rls_answers VALUES (11, 4000, :form_b, 'by admin') RETURNING id, org_id, body;
UPDATE rls_answers SET body = 'edited' WHERE id IN (3, 6) RETURNING id, org_id, body;
SAVEPOINT s;
-- the admin writes 4001, but Form A belongs to 4000
INSERT INTO rls_answers VALUES (12, 4001, :form_a, 'mismatched');
ROLLBACK TO SAVEPOINT s;
UPDATE rls_answers SET org_id = 4001 WHERE id = 2;
ROLLBACK TO SAVEPOINT s;
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('rls_editor');
SELECT id, org_id, body FROM rls_answers ORDER BY id;
ROLLBACK;
RESET ROLE;

-- a table owned by the application role: the owner bypasses the policies unless
-- force => true
CREATE TABLE rls_app_owned (id int, org_id bigint);
INSERT INTO rls_app_owned VALUES (1, 4000), (2, 4002);
ALTER TABLE rls_app_owned OWNER TO regress_app;
SET ROLE regress_app;
SELECT access_policy.protect_table('rls_app_owned', 'org_id', 'responses.view', 'responses.write');
BEGIN;
SELECT access_policy.set_user('rls_partner');
SELECT * FROM rls_app_owned ORDER BY id;
ROLLBACK;
SELECT access_policy.protect_table('rls_app_owned', 'org_id', 'responses.view', 'responses.write', force => true);
BEGIN;
SELECT access_policy.set_user('rls_partner');
SELECT * FROM rls_app_owned ORDER BY id;
ROLLBACK;
SELECT * FROM rls_app_owned ORDER BY id;
RESET ROLE;
SELECT relid, forced FROM access_policy.protected_tables WHERE relid = 'rls_app_owned'::regclass;
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'rls_app_owned'::regclass;

-- the table's own policies stay: protect_table() and unprotect_table() touch
-- only the access_policy_* policies (a restrictive one still narrows access)
CREATE TABLE rls_own_policy (id int, org_id bigint NOT NULL);
INSERT INTO rls_own_policy VALUES (1, 4000), (-1, 4000), (2, 4002);
GRANT SELECT ON rls_own_policy TO regress_app;
CREATE POLICY rls_hide_negative ON rls_own_policy AS RESTRICTIVE USING (id > 0);
SELECT access_policy.protect_table('rls_own_policy', 'org_id', 'responses.view', 'responses.write');
SELECT policyname, permissive, cmd FROM pg_policies WHERE tablename = 'rls_own_policy' ORDER BY policyname;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('rls_admin');
SELECT * FROM rls_own_policy ORDER BY id;
ROLLBACK;
RESET ROLE;
SELECT access_policy.unprotect_table('rls_own_policy');
SELECT policyname, permissive, cmd FROM pg_policies WHERE tablename = 'rls_own_policy' ORDER BY policyname;

-- refusals
CREATE VIEW rls_view AS SELECT * FROM rls_responses;
CREATE SEQUENCE rls_seq;
CREATE TABLE rls_wrong_types (id int, org_int integer, org_id bigint, res text);
SELECT access_policy.protect_table('rls_view', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('rls_seq', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('rls_no_such_table', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.protect_table(NULL, 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('rls_responses', 'orgid', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('rls_responses', 'ctid', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('rls_responses', NULL, 'responses.view', 'responses.write');
\set VERBOSITY default
SELECT access_policy.protect_table('rls_wrong_types', 'org_int', 'responses.view', 'responses.write');
\set VERBOSITY terse
SELECT access_policy.protect_table('rls_wrong_types', 'org_id', 'responses.view', 'responses.write', resource_column => 'res');
SELECT access_policy.protect_table('rls_wrong_types', 'org_id', 'responses.view', 'responses.write', resource_column => 'nope');
\set VERBOSITY default
SELECT access_policy.protect_table('rls_responses', 'org_id', 'responses.veiw', 'responses.write');
\set VERBOSITY terse
SELECT access_policy.protect_table('rls_responses', 'org_id', 'responses.view', 'no.such');
SELECT access_policy.protect_table('rls_responses', 'org_id', NULL, 'responses.write');
SELECT access_policy.protect_table('access_policy.orgs', 'id', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('access_policy.audit_log', 'id', 'responses.view', 'responses.write');
SELECT access_policy.unprotect_table('rls_view');
SELECT access_policy.unprotect_table('access_policy.orgs');
-- none of the refused calls left anything behind
SELECT count(*) AS protected_wrong_types FROM access_policy.protected_tables WHERE relid = 'rls_wrong_types'::regclass;
SELECT relrowsecurity FROM pg_class WHERE oid = 'rls_wrong_types'::regclass;
SELECT relrowsecurity FROM pg_class WHERE oid = 'access_policy.orgs'::regclass;
-- only the table's owner (or a member of the owning role) may protect it
SET ROLE regress_app;
SELECT access_policy.protect_table('rls_responses', 'org_id', 'responses.view', 'responses.view');
SELECT access_policy.unprotect_table('rls_responses');
RESET ROLE;
-- PUBLIC may not run protect_table() at all
SET ROLE regress_tenant;
SELECT access_policy.protect_table('rls_responses', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.unprotect_table('rls_responses');
RESET ROLE;
SELECT policyname, qual FROM pg_policies WHERE tablename = 'rls_responses' ORDER BY policyname;

-- a partitioned table is refused: its policies would not apply to a partition queried directly
CREATE TABLE rls_parted (id int, org_id bigint NOT NULL) PARTITION BY LIST (org_id);
CREATE TABLE rls_parted_acme PARTITION OF rls_parted FOR VALUES IN (4000, 4001);
SELECT access_policy.protect_table('rls_parted', 'org_id', 'responses.view', 'responses.write');
-- its partitions can be protected one by one
SELECT access_policy.protect_table('rls_parted_acme', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.unprotect_table('rls_parted_acme');
DROP TABLE rls_parted;

-- dropping a protected table takes its protected_tables row with it, and
-- delete_org(), which visits every protected table, keeps working
BEGIN;
CREATE TABLE rls_dropped (id int, org_id bigint NOT NULL);
SELECT access_policy.protect_table('rls_dropped', 'org_id', 'responses.view', 'responses.write');
DROP TABLE rls_dropped;
SELECT count(*) AS stale_rows
  FROM access_policy.protected_tables p WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = p.relid);
SELECT access_policy.create_org('RLS Short-lived', NULL, 4003);
SELECT access_policy.delete_org(4003);
ROLLBACK;

-- names that need quoting: the table and the column names are quoted in the
-- policies, the permission is a literal; nothing can be injected
CREATE TABLE "rls odd ""table""; --" ("org id""); DROP TABLE rls_responses; --" bigint NOT NULL, note text);
INSERT INTO "rls odd ""table""; --" VALUES (4000, 'acme'), (4002, 'globex');
GRANT SELECT ON "rls odd ""table""; --" TO regress_app;
SELECT access_policy.protect_table('"rls odd ""table""; --"', 'org id"); DROP TABLE rls_responses; --',
								   'responses.view', 'responses.write');
SELECT access_policy.protect_table('"rls odd ""table""; --"', 'org id"); DROP TABLE rls_responses; --',
								   'responses.view''); DROP TABLE rls_responses; --', 'responses.write');
SELECT policyname, qual FROM pg_policies WHERE tablename = 'rls odd "table"; --' ORDER BY policyname;
SELECT relid, org_column FROM access_policy.protected_tables WHERE relid = '"rls odd ""table""; --"'::regclass;
SELECT to_regclass('rls_responses') IS NOT NULL AS rls_responses_still_there;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('rls_partner');
SELECT * FROM "rls odd ""table""; --";
ROLLBACK;
RESET ROLE;
-- delete_org() visits the protected tables by these names too
SELECT access_policy.create_org('RLS Odd', NULL, 4004);
INSERT INTO "rls odd ""table""; --" VALUES (4004, 'a row of the odd org');
SELECT access_policy.delete_org(4004);
SELECT access_policy.delete_org(4004, cascade => true);
SELECT * FROM "rls odd ""table""; --" ORDER BY 1;
SELECT access_policy.unprotect_table('"rls odd ""table""; --"');

-- delete_org() empties a table that references another before the one it
-- references (a child table co-located with its parent, as on Citus)
CREATE TABLE rls_parent (org_id bigint NOT NULL, id int, PRIMARY KEY (org_id, id));
CREATE TABLE rls_child (org_id bigint NOT NULL, parent_id int, id int,
	FOREIGN KEY (org_id, parent_id) REFERENCES rls_parent (org_id, id));
CREATE INDEX ON rls_child (org_id);
-- created parent first, so the parent has the lower OID
SELECT 'rls_parent'::regclass::oid < 'rls_child'::regclass::oid AS parent_first;
SELECT access_policy.protect_table('rls_parent', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('rls_child', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.create_org('RLS Parent and child', NULL, 4005);
INSERT INTO rls_parent VALUES (4005, 1), (4000, 1);
INSERT INTO rls_child VALUES (4005, 1, 1), (4000, 1, 1);
SELECT access_policy.delete_org(4005, cascade => true);
SELECT 'parent' AS tbl, org_id FROM rls_parent UNION ALL SELECT 'child', org_id FROM rls_child ORDER BY 1, 2;
SELECT access_policy.unprotect_table('rls_child'), access_policy.unprotect_table('rls_parent');
DROP TABLE rls_child, rls_parent;

-- the plan: a user who sees a small share of the orgs gets an index scan on the
-- org column (org_id = ANY (orgs_with(...)), rechecked by can()); one who sees
-- most of them a sequential scan with the per-row check
SELECT access_policy.create_org('RLS Big', NULL, 4100);
SELECT count(access_policy.create_org('RLS Big ' || g, 4100, 4100 + g)) AS orgs FROM generate_series(1, 60) g;
CREATE TABLE rls_big (id int PRIMARY KEY, org_id bigint NOT NULL, payload text);
CREATE INDEX rls_big_org_idx ON rls_big (org_id);
INSERT INTO rls_big SELECT g, 4101 + (g - 1) / 334, 'row ' || g FROM generate_series(1, 20040) g;
ANALYZE rls_big;
GRANT SELECT ON rls_big TO regress_app;
SELECT access_policy.protect_table('rls_big', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.create_user('rls_narrow');
SELECT access_policy.create_user('rls_broad');
SELECT access_policy.assign_role('rls_narrow', 4101, 'Viewer') IS NOT NULL AS ok;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('rls_narrow');
EXPLAIN (COSTS OFF) SELECT * FROM rls_big;
SELECT count(*), min(org_id), max(org_id) FROM rls_big;
ROLLBACK;
-- nobody acting: the index condition finds nothing at once
BEGIN;
EXPLAIN (COSTS OFF) SELECT * FROM rls_big;
SELECT count(*) FROM rls_big;
ROLLBACK;
RESET ROLE;
-- the share is taken over every org of the database, so rls_broad is made a
-- Viewer at every root org (whatever other tests created), then rolled back
BEGIN;
SELECT count(access_policy.assign_role('rls_broad', o.id, 'Viewer')) > 0 AS assigned
  FROM access_policy.orgs o WHERE o.parent_id IS NULL;
SET LOCAL ROLE regress_app;
SELECT access_policy.set_user('rls_broad');
EXPLAIN (COSTS OFF) SELECT * FROM rls_big;
SELECT count(*), min(org_id), max(org_id) FROM rls_big;
ROLLBACK;

-- a query the org index answers alone (count(*), the org column) may become an
-- index-only scan whatever the share: the condition org_id = ANY (orgs_with())
-- is then exact, so no per-row can() filter is left in the plan; the answers
-- are those of the per-row check (sequential scan)
VACUUM rls_big;
BEGIN;
-- every root org but RLS Big, and half of RLS Big's children
SELECT count(access_policy.assign_role('rls_broad', o.id, 'Viewer')) > 0 AS assigned
  FROM access_policy.orgs o WHERE o.parent_id IS NULL AND o.id <> 4100;
SELECT count(access_policy.assign_role('rls_broad', g, 'Viewer')) AS assigned
  FROM generate_series(4101, 4160, 2) g;
SET LOCAL ROLE regress_app;
SELECT access_policy.set_user('rls_broad');
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM rls_big;
SELECT count(*) FROM rls_big;
EXPLAIN (COSTS OFF) SELECT org_id, count(*) FROM rls_big GROUP BY org_id;
SELECT org_id, count(*) FROM rls_big GROUP BY org_id ORDER BY org_id LIMIT 3;
RESET enable_seqscan;
RESET enable_bitmapscan;
-- a query that needs other columns keeps the per-row check in the plan
EXPLAIN (COSTS OFF) SELECT count(payload) FROM rls_big;
SELECT count(payload) FROM rls_big;
SET LOCAL enable_indexscan = off;
SET LOCAL enable_indexonlyscan = off;
SET LOCAL enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM rls_big;
SELECT count(*) FROM rls_big;
SELECT org_id, count(*) FROM rls_big GROUP BY org_id ORDER BY org_id LIMIT 3;
ROLLBACK;

-- a leaky function (not LEAKPROOF, made cheap to tempt the planner) in a WHERE
-- clause runs only on rows the policy already let through
CREATE FUNCTION rls_leak(org bigint, body text) RETURNS boolean
LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN
	RAISE NOTICE 'leak sees org %: %', org, body;
	RETURN true;
END;
$$;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('rls_editor');
SELECT id FROM rls_responses WHERE rls_leak(org_id, body) ORDER BY id;
-- the policy's qual comes first (a sequential scan keeps the plan independent
-- of the number of orgs in the database)
SET LOCAL enable_indexscan = off;
SET LOCAL enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM rls_responses WHERE rls_leak(org_id, body);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('rls_partner');
SELECT id FROM rls_answers WHERE rls_leak(org_id, body) ORDER BY id;
ROLLBACK;
-- nobody acting: the leaky function sees nothing at all
SELECT id FROM rls_responses WHERE rls_leak(org_id, body);
RESET ROLE;
