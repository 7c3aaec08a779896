-- housekeeping: access_policy.housekeeping() purges long-ended invitations
-- and applies the audit retention (issue #7 item 6); the audit log stays
-- append-only for everybody else, and the purge itself is audited.
-- test/suites/50-pg-cron.sh runs it through pg_cron for real.
\set VERBOSITY terse
SET TIME ZONE 'UTC';
SELECT access_policy.create_org('Housekeeping', NULL, 9600);
-- five invitations: pending, expired 40 and 10 days ago, accepted and revoked 40 days ago
SELECT count(access_policy.invite(9600, 'hk' || g || '@example.com', 'Viewer')) AS invited FROM generate_series(1, 5) g;
UPDATE access_policy.invitations SET invited_at = now() - interval '41 days', expires_at = now() - interval '40 days'
 WHERE email = 'hk2@example.com';
UPDATE access_policy.invitations SET invited_at = now() - interval '11 days', expires_at = now() - interval '10 days'
 WHERE email = 'hk3@example.com';
UPDATE access_policy.invitations SET invited_at = now() - interval '41 days', expires_at = now() - interval '40 days',
	   accepted_at = now() - interval '40 days 1 hour', accepted_by = 'someone'
 WHERE email = 'hk4@example.com';
UPDATE access_policy.invitations SET invited_at = now() - interval '41 days', expires_at = now() + interval '1 hour',
	   revoked_at = now() - interval '40 days', revoked_by = 'someone'
 WHERE email = 'hk5@example.com';
-- audit rows from long ago (the log only accepts inserts)
INSERT INTO access_policy.audit_log (at, db_role, action, target_table, target_id)
SELECT now() - interval '100 days' - g * interval '1 hour', 'hk', 'insert', 'hk_test', g::text FROM generate_series(1, 7) g;
SELECT count(*) AS audit_rows_before FROM access_policy.audit_log WHERE target_table = 'hk_test' \gset
SELECT :audit_rows_before AS audit_rows_before;

-- the defaults: invitations ended more than 30 days ago go; the audit log is kept
SHOW access_policy.invitation_retention;
SHOW access_policy.audit_retention;
SELECT * FROM access_policy.housekeeping();
SELECT email FROM access_policy.invitations WHERE org_id = 9600 ORDER BY email;
SELECT count(*) AS old_audit_rows FROM access_policy.audit_log WHERE target_table = 'hk_test';
-- each deleted invitation was audited like any change
SELECT action, count(*) FROM access_policy.audit_log WHERE target_table = 'invitations' AND action = 'delete' GROUP BY 1;

-- a retention of 90 days: the old audit rows go, the purge is recorded
SET access_policy.audit_retention = '90d';
SELECT invitations_purged, audit_rows_purged >= 7 AS purged_old_rows, audit_cutoff < now() - interval '89 days' AS cutoff_ok
  FROM access_policy.housekeeping();
SELECT count(*) AS old_audit_rows FROM access_policy.audit_log WHERE target_table = 'hk_test';
SELECT action, target_table, after ? 'rows' AS counts_rows, (after ->> 'retention_seconds')::int AS retention_seconds, reason
  FROM access_policy.audit_log WHERE action = 'purge';
-- nothing newer than the cutoff was touched
SELECT count(*) > 0 AS recent_rows_kept FROM access_policy.audit_log WHERE at > now() - interval '1 day';
-- running it again purges nothing
SELECT invitations_purged, audit_rows_purged FROM access_policy.housekeeping();

-- the append-only trigger is on again: the log refuses DELETE, UPDATE, TRUNCATE
SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'access_policy.audit_log'::regclass AND tgname = 'audit_append_only';
DELETE FROM access_policy.audit_log WHERE action = 'purge';
UPDATE access_policy.audit_log SET reason = 'x' WHERE action = 'purge';
TRUNCATE access_policy.audit_log;
-- an error half way rolls the switch back with everything else
BEGIN;
SELECT invitations_purged, audit_rows_purged FROM access_policy.housekeeping();
SAVEPOINT s;
DELETE FROM access_policy.audit_log;
ROLLBACK TO SAVEPOINT s;
ROLLBACK;
SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'access_policy.audit_log'::regclass AND tgname = 'audit_append_only';

-- bad settings
SET access_policy.audit_retention = '10min';
-- (the range in the message is worded differently by PostgreSQL 15 and 17)
\set VERBOSITY sqlstate
SET access_policy.audit_retention = -1;
\set VERBOSITY terse
SET access_policy.invitation_retention = 'forever';
SELECT access_policy_internal._retention_seconds('nothing');
RESET access_policy.audit_retention;

-- only superusers set the retentions; EXECUTE is not granted to PUBLIC (the
-- application role of these tests was granted every function in setup)
SET ROLE regress_app;
SET access_policy.audit_retention = '1d';
DELETE FROM access_policy.audit_log;
RESET ROLE;
SET ROLE regress_tenant;
SELECT * FROM access_policy.housekeeping();
RESET ROLE;
SELECT has_function_privilege('public', 'access_policy.housekeeping()', 'EXECUTE') AS public_may_run;

------------------------------------------------------------------------------
-- Monitoring (docs/operations.md#monitoring): the queries as documented
------------------------------------------------------------------------------
CREATE TABLE hk_watched (org_id bigint NOT NULL, body text);
CREATE INDEX ON hk_watched (org_id);
SELECT access_policy.protect_table('hk_watched', 'org_id', 'settings.view', 'settings.edit');
-- tables you protected whose protection is gone: RLS switched off or a policy dropped
SELECT t.relid AS protected_table, c.relrowsecurity AS rls_on, count(p.polname) AS policies,
       EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                WHERE g.tgrelid = t.relid AND g.tgname = 'access_policy_support_activity'
                  AND g.tgenabled <> 'D') AS activity_recorded
  FROM access_policy.protected_tables t
  JOIN pg_catalog.pg_class c ON c.oid = t.relid
  LEFT JOIN pg_catalog.pg_policy p ON p.polrelid = t.relid AND p.polname LIKE 'access\_policy\_%'
 GROUP BY t.relid, c.relrowsecurity
HAVING NOT c.relrowsecurity OR count(p.polname) < 4
    OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                    WHERE g.tgrelid = t.relid AND g.tgname = 'access_policy_support_activity'
                      AND g.tgenabled <> 'D');
-- the owner drops a policy: the query finds the table
DROP POLICY access_policy_delete ON hk_watched;
SELECT t.relid AS protected_table, c.relrowsecurity AS rls_on, count(p.polname) AS policies,
       EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                WHERE g.tgrelid = t.relid AND g.tgname = 'access_policy_support_activity'
                  AND g.tgenabled <> 'D') AS activity_recorded
  FROM access_policy.protected_tables t
  JOIN pg_catalog.pg_class c ON c.oid = t.relid
  LEFT JOIN pg_catalog.pg_policy p ON p.polrelid = t.relid AND p.polname LIKE 'access\_policy\_%'
 GROUP BY t.relid, c.relrowsecurity
HAVING NOT c.relrowsecurity OR count(p.polname) < 4
    OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                    WHERE g.tgrelid = t.relid AND g.tgname = 'access_policy_support_activity'
                      AND g.tgenabled <> 'D');
-- and switching RLS off too
ALTER TABLE hk_watched DISABLE ROW LEVEL SECURITY;
SELECT t.relid AS protected_table, c.relrowsecurity AS rls_on, count(p.polname) AS policies,
       EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                WHERE g.tgrelid = t.relid AND g.tgname = 'access_policy_support_activity'
                  AND g.tgenabled <> 'D') AS activity_recorded
  FROM access_policy.protected_tables t
  JOIN pg_catalog.pg_class c ON c.oid = t.relid
  LEFT JOIN pg_catalog.pg_policy p ON p.polrelid = t.relid AND p.polname LIKE 'access\_policy\_%'
 GROUP BY t.relid, c.relrowsecurity
HAVING NOT c.relrowsecurity OR count(p.polname) < 4
    OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                    WHERE g.tgrelid = t.relid AND g.tgname = 'access_policy_support_activity'
                      AND g.tgenabled <> 'D');
-- protect_table() again restores both
SELECT access_policy.protect_table('hk_watched', 'org_id', 'settings.view', 'settings.edit');
SELECT t.relid AS protected_table, c.relrowsecurity AS rls_on, count(p.polname) AS policies,
       EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                WHERE g.tgrelid = t.relid AND g.tgname = 'access_policy_support_activity'
                  AND g.tgenabled <> 'D') AS activity_recorded
  FROM access_policy.protected_tables t
  JOIN pg_catalog.pg_class c ON c.oid = t.relid
  LEFT JOIN pg_catalog.pg_policy p ON p.polrelid = t.relid AND p.polname LIKE 'access\_policy\_%'
 GROUP BY t.relid, c.relrowsecurity
HAVING NOT c.relrowsecurity OR count(p.polname) < 4
    OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                    WHERE g.tgrelid = t.relid AND g.tgname = 'access_policy_support_activity'
                      AND g.tgenabled <> 'D');
-- the owner disables the support activity trigger
ALTER TABLE hk_watched DISABLE TRIGGER access_policy_support_activity;
SELECT t.relid AS protected_table, c.relrowsecurity AS rls_on, count(p.polname) AS policies,
       EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                WHERE g.tgrelid = t.relid AND g.tgname = 'access_policy_support_activity'
                  AND g.tgenabled <> 'D') AS activity_recorded
  FROM access_policy.protected_tables t
  JOIN pg_catalog.pg_class c ON c.oid = t.relid
  LEFT JOIN pg_catalog.pg_policy p ON p.polrelid = t.relid AND p.polname LIKE 'access\_policy\_%'
 GROUP BY t.relid, c.relrowsecurity
HAVING NOT c.relrowsecurity OR count(p.polname) < 4
    OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                    WHERE g.tgrelid = t.relid AND g.tgname = 'access_policy_support_activity'
                      AND g.tgenabled <> 'D');
-- unprotect_table() when the owner dropped one of the policies: drops the others
DROP POLICY access_policy_update ON hk_watched;
SELECT access_policy.unprotect_table('hk_watched');
SELECT count(*) AS policies_left FROM pg_catalog.pg_policy WHERE polrelid = 'hk_watched'::regclass;
DROP TABLE hk_watched;

-- support access changed in the last day: who, where, why
SELECT access_policy.create_org('HK Support', NULL, 16500) AS org \gset
SELECT access_policy.set_support_access(16500, 'write', 'ticket 42: import fails', duration => '1 week') IS NOT NULL AS granted;
SELECT actor_user, action, target_table, target_id, reason
  FROM access_policy.audit_log
 WHERE target_table IN ('support_settings', 'support_overrides')
   AND at > pg_catalog.now() - interval '1 day'
 ORDER BY id;

-- the audit log's size, and this session's cache: their values vary, the
-- queries run
\o /dev/null
SELECT count(*) AS audit_rows, min(at) AS oldest,
       pg_catalog.pg_size_pretty(pg_catalog.pg_total_relation_size('access_policy.audit_log')) AS size
  FROM access_policy.audit_log;
SELECT memory_bytes, orgs_cached, memo_entries, rebuilds FROM access_policy.cache_stats();
\o
