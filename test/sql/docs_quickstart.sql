-- docs_quickstart: the README's quick start, statement by statement.
-- Why this test exists: the quick start is the first SQL a newcomer runs, so it
-- must keep working.  Its text is the README's ```sql blocks of the section
-- "## Quick start", in order; test/docs/check_quickstart.sh fails when the two
-- differ (comment-only lines, blank lines and psql meta-commands aside), so
-- change both together.  A tenant table keyed by uuid: org keys
-- a0000000-...-000000000001/2 (Acme, Acme EU) and b0000000-...-000000000003
-- (Globex), users qs_*, role regress_qs_app.  It configures uuid org keys
-- (the key type is per database, and only changes while no org key exists)
-- and removes everything, the key type included, at the end.
\set VERBOSITY terse

SELECT access_policy.set_key_type('org', 'uuid');
CREATE TABLE qs_responses (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL,
    body      text NOT NULL
);
CREATE INDEX ON qs_responses (tenant_id);
SELECT access_policy.protect_table('qs_responses', 'tenant_id',
                                   read_permission => 'responses.view',
                                   write_permission => 'responses.write');

SELECT access_policy.create_user('qs_alice', 'alice@acme.example', 'Alice');
SELECT access_policy.create_user('qs_bob', 'bob@globex.example', 'Bob');
SELECT access_policy.create_org('Acme', key => 'a0000000-0000-4000-8000-000000000001') IS NOT NULL AS created;
SELECT access_policy.create_org('Acme EU', key => 'a0000000-0000-4000-8000-000000000002',
           parent_id => access_policy.org_id('a0000000-0000-4000-8000-000000000001'::uuid)) IS NOT NULL AS created;
SELECT access_policy.create_org('Globex', key => 'b0000000-0000-4000-8000-000000000003') IS NOT NULL AS created;
SELECT access_policy.assign_role('qs_alice', access_policy.org_id('a0000000-0000-4000-8000-000000000001'::uuid),
                                 'Editor') IS NOT NULL AS assigned;
SELECT access_policy.assign_role('qs_bob', access_policy.org_id('b0000000-0000-4000-8000-000000000003'::uuid),
                                 'Viewer') IS NOT NULL AS assigned;
INSERT INTO qs_responses (tenant_id, body) VALUES
    ('a0000000-0000-4000-8000-000000000001', 'Acme: great service'),
    ('a0000000-0000-4000-8000-000000000002', 'Acme EU: fast delivery'),
    ('b0000000-0000-4000-8000-000000000003', 'Globex: too expensive');

CREATE ROLE regress_qs_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON qs_responses TO regress_qs_app;
GRANT EXECUTE ON FUNCTION access_policy.set_user(text, boolean) TO regress_qs_app;

SET ROLE regress_qs_app;
BEGIN;
SELECT access_policy.set_user('qs_alice');
SELECT tenant_id, body FROM qs_responses ORDER BY id;
INSERT INTO qs_responses (tenant_id, body) VALUES ('a0000000-0000-4000-8000-000000000002', 'Acme EU: written by Alice');
COMMIT;
BEGIN;
SELECT access_policy.set_user('qs_bob');
SELECT tenant_id, body FROM qs_responses ORDER BY id;
SELECT access_policy.can_key('b0000000-0000-4000-8000-000000000003'::uuid, 'responses.view') AS view,
       access_policy.can_key('b0000000-0000-4000-8000-000000000003'::uuid, 'responses.write') AS write;
INSERT INTO qs_responses (tenant_id, body) VALUES ('b0000000-0000-4000-8000-000000000003', 'Globex: written by Bob');
ROLLBACK;
SELECT count(*) FROM qs_responses;
RESET ROLE;

DROP TABLE qs_responses;
REVOKE EXECUTE ON FUNCTION access_policy.set_user(text, boolean) FROM regress_qs_app;
DROP ROLE regress_qs_app;
SELECT access_policy.delete_org(access_policy.org_id('a0000000-0000-4000-8000-000000000001'::uuid), cascade => true);
SELECT access_policy.delete_org(access_policy.org_id('b0000000-0000-4000-8000-000000000003'::uuid), cascade => true);
SELECT access_policy.delete_user('qs_alice');
SELECT access_policy.delete_user('qs_bob');
SELECT access_policy.set_key_type('org', NULL);
