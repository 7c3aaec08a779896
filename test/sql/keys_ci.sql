-- keys_ci: text keys under a case-insensitive (nondeterministic) collation of
-- a tenant column.  Needs ICU: a server built without it (the assert-enabled
-- build of test/suites/62-assert-server.sh) has its own expected output,
-- keys_ci_1.out, in which the collation cannot be created.  Orgs 7120-7121,
-- user key_alice (from keys).
\set VERBOSITY terse
-- text keys are compared byte for byte: under a case-insensitive collation
-- of the tenant column, 'acme' and 'ACME' are still two orgs, and the index
-- condition (which an index-only scan would not recheck) is not offered
SELECT access_policy.set_key_type('org', 'text');
SELECT access_policy.create_org('acme lower', NULL, 7120, 'acme'), access_policy.create_org('ACME upper', NULL, 7121, 'ACME');
SELECT access_policy.assign_role('key_alice', access_policy.org_id('acme'::text), 'Viewer') IS NOT NULL AS assigned;
CREATE COLLATION keytest_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE keytest_ci (org text COLLATE keytest_ci NOT NULL);
CREATE INDEX ON keytest_ci (org);
INSERT INTO keytest_ci VALUES ('acme'), ('ACME'), ('ACME');
ANALYZE keytest_ci;
GRANT SELECT ON keytest_ci TO regress_app;
SELECT access_policy.protect_table('keytest_ci', 'org', 'responses.view', 'responses.write');
SET enable_seqscan = off;
BEGIN;
SET LOCAL ROLE regress_app;
SELECT access_policy.set_user('key_alice');
SELECT count(*) FROM keytest_ci;
SELECT org, count(*) FROM keytest_ci GROUP BY org;
ROLLBACK;
RESET enable_seqscan;
DROP TABLE keytest_ci;
DROP COLLATION keytest_ci;
SELECT access_policy.delete_org(7120, true), access_policy.delete_org(7121, true);
SELECT access_policy.set_key_type('org', NULL);

