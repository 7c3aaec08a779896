-- docs_tutorial: docs/tutorial.md, statement by statement.
-- Why this test exists: the tutorial is the walk-through a newcomer follows,
-- so every statement of it must keep working and show what the text says.
-- Its text is the tutorial's ```sql blocks, in order, and the output the
-- tutorial shows (its ```text blocks) is in expected/docs_tutorial.out;
-- test/docs/check_tutorial.sh fails when either drifts, so change the
-- tutorial, this file and the expected output together.
--
-- The tutorial starts from a fresh database (it shows org ids 1 and 2 and
-- the whole audit log), so this file runs it in a database of its own,
-- regression_docs_tutorial, dropped at the end with everything in it; the
-- earlier tests' orgs, users and key types do not matter to it.  What this
-- file adds, and the checker ignores (see test/docs/check_quickstart.sh):
--   - the tutorial's role app is regress_tut_app here (the line below), as
--     roles of a regression test are named regress_*;
--   - paragraphs starting with "-- test only", up to the next blank line:
--     the database, and checks of what the tutorial's text says without
--     showing it;
--   - psql meta-commands: \o /dev/null hides the one output that changes
--     from run to run (the end time set_support_access returns).
-- doc name: app = regress_tut_app
\set VERBOSITY terse

-- test only: a fresh database with the extension (a leftover of an aborted run goes first)
SET client_min_messages = warning;
DROP DATABASE IF EXISTS regression_docs_tutorial;
DROP ROLE IF EXISTS regress_tut_app;
RESET client_min_messages;
CREATE DATABASE regression_docs_tutorial TEMPLATE template0;
ALTER DATABASE regression_docs_tutorial SET lc_messages TO 'C';   -- as pg_regress sets its own
SELECT current_database() AS regress_db \gset
\c regression_docs_tutorial
CREATE EXTENSION access_policy;

-- 1. The application's role and the tenant table (superuser)
SELECT access_policy.set_key_type('org', 'uuid');

CREATE ROLE regress_tut_app LOGIN;
SELECT access_policy.grant_api('regress_tut_app', 'application') > 0 AS granted;   -- set_user, administration checked per user

CREATE TABLE responses (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL,
    body      text NOT NULL
);
CREATE INDEX ON responses (tenant_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON responses TO regress_tut_app;
SELECT access_policy.protect_table('public.responses', 'tenant_id',
                                   read_permission => 'responses.view',
                                   write_permission => 'responses.write');

-- test only: "its four policies call access_policy.can_key(tenant_id, ...)"
SELECT cmd, qual, with_check FROM pg_policies WHERE tablename = 'responses' ORDER BY cmd;

-- 2. Users sign up and create their org (application)
\set acme '4a1c6a40-2f0e-4c8e-9d52-6b1f0e3a7c01'
\set acme_eu '4a1c6a40-2f0e-4c8e-9d52-6b1f0e3a7c02'
SET ROLE regress_tut_app;
SELECT access_policy.create_user('alice', 'alice@example.com', 'Alice');
SELECT access_policy.create_user('bob', 'bob@example.com', 'Bob');

BEGIN;
SELECT access_policy.set_user('alice');                       -- this transaction
SELECT access_policy.create_org('Acme', key => :'acme');
SELECT access_policy.create_org('Acme EU', key => :'acme_eu',
                                parent_id => access_policy.org_id(:'acme'::uuid));
COMMIT;

-- 3. Invite a member (application)
BEGIN;
SELECT access_policy.set_user('alice');
SELECT access_policy.invite(access_policy.org_id(:'acme'::uuid), 'bob@example.com', 'Editor') AS token \gset
COMMIT;

BEGIN;
SELECT access_policy.set_user('bob');
SELECT access_policy.accept_invitation(:'token');              -- returns the org
COMMIT;

BEGIN;
SELECT access_policy.set_user('alice');
SELECT user_id, role, status, added_by FROM access_policy.members
 WHERE org_id = access_policy.org_id(:'acme'::uuid) ORDER BY user_id;
COMMIT;

-- 4. Rows that only members see (application)
BEGIN;
SELECT access_policy.set_user('bob');
INSERT INTO responses (tenant_id, body) VALUES (:'acme', 'Great service'), (:'acme_eu', 'Fast delivery');
COMMIT;

BEGIN;
SELECT access_policy.set_user('alice');
SELECT count(*) FROM responses;                               -- 2
COMMIT;

SELECT count(*) FROM responses;                               -- 0: nobody is acting

-- test only: "a user of another customer sees none of these rows, and an insert into an org where the acting user lacks responses.write fails" (rolled back: no id or audit row shown later changes)
BEGIN;
SELECT access_policy.create_user('carol', 'carol@example.org', 'Carol');
SELECT access_policy.set_user('carol');
SELECT access_policy.create_org('Globex', key => '4a1c6a40-2f0e-4c8e-9d52-6b1f0e3a7c03') IS NOT NULL AS created;
SELECT count(*) FROM responses;
INSERT INTO responses (tenant_id, body) VALUES (:'acme', 'Written by Carol');
ROLLBACK;

-- 5. Why may Bob write? (application)
BEGIN;
SELECT access_policy.set_user('bob');
SELECT access_policy.can_key(:'acme_eu'::uuid, 'responses.write');   -- t
SELECT access_policy.can_key(:'acme_eu'::uuid, 'members.manage');    -- f
SELECT * FROM access_policy.explain('responses.write', access_policy.org_id(:'acme_eu'::uuid));
COMMIT;

-- 6. Vendor support access
RESET ROLE;
SELECT access_policy.create_user('sophie', 'sophie@vendor.example', 'Sophie', is_support_staff => true);

SET ROLE regress_tut_app;
BEGIN;
SELECT access_policy.set_user('alice');
-- the end time, a week from now (output hidden)
\o /dev/null
SELECT access_policy.set_support_access(access_policy.org_id(:'acme'::uuid), 'write', 'ticket 4711',
                                        duration => '1 week', cascade => true);
\o
SELECT level, source, summary FROM access_policy.support_status(access_policy.org_id(:'acme'::uuid));
COMMIT;

BEGIN;
SELECT access_policy.set_user('sophie');
SELECT org_name, level FROM access_policy.my_support_orgs();
SELECT count(*) FROM responses;                               -- 2: support access, through the same policies
-- test only: "support access never gives billing.manage, org.delete, members.manage, roles.manage or support.manage" (here write access)
SELECT p AS permission, access_policy.can_key(:'acme'::uuid, p) AS allowed
  FROM unnest(ARRAY['responses.write', 'billing.manage', 'org.delete', 'members.manage',
                    'roles.manage', 'support.manage']) p;

COMMIT;

-- 7. The audit trail (superuser)
RESET ROLE;
SELECT actor_user, action, target_table FROM access_policy.audit_log ORDER BY id;

-- test only: "revoke_support_access(org_id) removes Acme's own setting again"; "nobody can update or delete" the audit log
SET ROLE regress_tut_app;
BEGIN;
SELECT access_policy.set_user('alice');
SELECT access_policy.revoke_support_access(access_policy.org_id(:'acme'::uuid));
SELECT level, source, summary FROM access_policy.support_status(access_policy.org_id(:'acme'::uuid));
COMMIT;
RESET ROLE;
DELETE FROM access_policy.audit_log;
UPDATE access_policy.audit_log SET reason = NULL;

-- test only: back to the regression database; the tutorial's database and role go
\c :regress_db
DROP DATABASE regression_docs_tutorial;
DROP ROLE regress_tut_app;
