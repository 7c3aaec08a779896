-- docs_quickstart: the README's quick start, statement by statement.
-- Why this test exists: the quick start is the first SQL a newcomer runs, so it
-- must keep working.  Its text is the README's ```sql blocks of the section
-- "## Quick start", in order; test/docs/check_quickstart.sh fails when the two
-- differ (comment-only lines, blank lines and psql meta-commands aside), so
-- change both together.  Ids 20001-20003, users qs_*, role regress_qs_app
-- (dropped at the end).
\set VERBOSITY terse

CREATE TABLE qs_responses (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id bigint NOT NULL,
    body   text NOT NULL
);
CREATE INDEX ON qs_responses (org_id);
SELECT access_policy.protect_table('qs_responses', 'org_id',
                                   read_permission => 'responses.view',
                                   write_permission => 'responses.write');

SELECT access_policy.create_user('qs_alice', 'alice@acme.example', 'Alice');
SELECT access_policy.create_user('qs_bob', 'bob@globex.example', 'Bob');
SELECT access_policy.create_org('Acme', id => 20001);
SELECT access_policy.create_org('Acme EU', parent_id => 20001, id => 20002);
SELECT access_policy.create_org('Globex', id => 20003);
SELECT access_policy.assign_role('qs_alice', 20001, 'Editor') IS NOT NULL AS assigned;
SELECT access_policy.assign_role('qs_bob', 20003, 'Viewer') IS NOT NULL AS assigned;
INSERT INTO qs_responses (org_id, body) VALUES
    (20001, 'Acme: great service'),
    (20002, 'Acme EU: fast delivery'),
    (20003, 'Globex: too expensive');

CREATE ROLE regress_qs_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON qs_responses TO regress_qs_app;
GRANT EXECUTE ON FUNCTION access_policy.set_user(text, boolean) TO regress_qs_app;

SET ROLE regress_qs_app;
BEGIN;
SELECT access_policy.set_user('qs_alice');
SELECT org_id, body FROM qs_responses ORDER BY id;
INSERT INTO qs_responses (org_id, body) VALUES (20002, 'Acme EU: written by Alice');
COMMIT;
BEGIN;
SELECT access_policy.set_user('qs_bob');
SELECT org_id, body FROM qs_responses ORDER BY id;
SELECT access_policy.can(20003, 'responses.view') AS view, access_policy.can(20003, 'responses.write') AS write;
INSERT INTO qs_responses (org_id, body) VALUES (20003, 'Globex: written by Bob');
ROLLBACK;
SELECT count(*) FROM qs_responses;
RESET ROLE;

DROP TABLE qs_responses;
REVOKE EXECUTE ON FUNCTION access_policy.set_user(text, boolean) FROM regress_qs_app;
DROP ROLE regress_qs_app;
SELECT access_policy.delete_org(20001, cascade => true);
SELECT access_policy.delete_org(20003, cascade => true);
SELECT access_policy.delete_user('qs_alice');
SELECT access_policy.delete_user('qs_bob');
