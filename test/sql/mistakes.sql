-- mistakes: settings and calls that used to be accepted silently and now
-- fail closed or are said (a WARNING, a NOTICE).  Org 7201, user
-- mis_support, roles regress_mis_* (all dropped at the end).
--
-- A typo in a security setting fails closed.  Set before the library is
-- loaded (as ALTER DATABASE ... SET or postgresql.conf would be), the value
-- cannot be checked; when the library loads it means none, with a WARNING.
-- An enum setting used to fall back to read: support staff could read every
-- org because of a typo.  (This must stay the first statement of the file:
-- nothing of access_policy has run in this session yet.)
SET access_policy.support_default_level = 'nonee';
\set VERBOSITY terse
SET TIME ZONE 'UTC';
SELECT access_policy.create_user('mis_support', NULL, 'Support', is_support_staff => true) IS NOT NULL AS created;
SELECT access_policy.create_org('Mis Customer', NULL, 7201);
SELECT access_policy_internal._support_default_level();
BEGIN;
SELECT access_policy.set_user('mis_support');
SELECT access_policy.can(7201, 'responses.view') AS support_reads_by_default;
COMMIT;
-- where it can be checked, a typo is refused
SET access_policy.support_default_level = 'reed';
SET access_policy.support_default_level = 'read';
SELECT access_policy_internal._support_default_level();
BEGIN;
SELECT access_policy.set_user('mis_support');
SELECT access_policy.can(7201, 'responses.view') AS support_reads_by_default;
COMMIT;
RESET access_policy.support_default_level;

-- protect_table says when rows would not be filtered, or scans not use an index
CREATE ROLE regress_mis_owner LOGIN;
CREATE ROLE regress_mis_bypass LOGIN BYPASSRLS;
CREATE TABLE mis_notes (org_id bigint NOT NULL, body text);
ALTER TABLE mis_notes OWNER TO regress_mis_owner;
GRANT SELECT ON mis_notes TO regress_mis_bypass;
-- the owner can log in (the application's role?): not filtered unless forced;
-- a role with BYPASSRLS and privileges on it: not filtered; no index
SELECT access_policy.protect_table('mis_notes', 'org_id', 'responses.view', 'responses.write');
-- forced, with BYPASSRLS taken away and an index: nothing to say
ALTER ROLE regress_mis_bypass NOBYPASSRLS;
CREATE INDEX ON mis_notes (org_id);
SELECT access_policy.protect_table('mis_notes', 'org_id', 'responses.view', 'responses.write', force => true);
-- and what the WARNING says is true: the owner sees every row unless forced
INSERT INTO mis_notes VALUES (7201, 'a note');
SELECT access_policy.protect_table('mis_notes', 'org_id', 'responses.view', 'responses.write');
SET ROLE regress_mis_owner;
SELECT count(*) AS owner_sees_unforced FROM mis_notes;
RESET ROLE;
SELECT access_policy.protect_table('mis_notes', 'org_id', 'responses.view', 'responses.write', force => true);
SET ROLE regress_mis_owner;
SELECT count(*) AS owner_sees_forced FROM mis_notes;
RESET ROLE;

DROP TABLE mis_notes;
DROP ROLE regress_mis_owner, regress_mis_bypass;
SELECT access_policy.delete_org(7201);
SELECT access_policy.delete_user('mis_support');
