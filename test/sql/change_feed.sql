-- change_feed: changes() returns the audit rows the reader may see; the
-- NOTIFY payloads themselves are checked by the isolation spec change_feed_notify.
\set VERBOSITY terse
SET TIME ZONE 'UTC';
--   19000 Umbrella ── 19001 Umbrella Lab        19002 Cyberdyne
SELECT max(id) AS before_feed FROM access_policy.audit_log \gset
SELECT access_policy.create_org('Umbrella', NULL, 19000);
SELECT access_policy.create_org('Umbrella Lab', 19000, 19001);
SELECT access_policy.create_org('Cyberdyne', NULL, 19002);
SELECT access_policy.create_user('feed_admin', 'feed.admin@umbrella.example');
SELECT access_policy.create_user('feed_lab', 'feed.lab@umbrella.example');
SELECT access_policy.create_user('feed_cyber');
SELECT access_policy.assign_role('feed_admin', 19000, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('feed_lab', 19001, 'Viewer') IS NOT NULL AS ok;
SELECT access_policy.assign_role('feed_cyber', 19002, 'Admin') IS NOT NULL AS ok;
BEGIN;
SELECT access_policy.set_user('feed_admin');
SELECT access_policy.invite(19001, 'new@umbrella.example', 'Viewer') IS NOT NULL AS invited;
COMMIT;

-- the system reads every row
SELECT count(*) AS system_sees FROM access_policy.changes(:before_feed);
SET ROLE regress_app;
-- Umbrella's admin: Umbrella and its lab (settings.view), and their own user row
BEGIN;
SELECT access_policy.set_user('feed_admin');
SELECT target_table, action, org_id, CASE WHEN target_table IN ('orgs', 'users') THEN target_id END AS org_or_user
  FROM access_policy.changes(:before_feed) ORDER BY id;
-- an invitation's token hash is not shown
SELECT count(*) AS hashes_shown FROM access_policy.changes(:before_feed)
 WHERE target_table = 'invitations' AND (after ? 'token_hash' OR before ? 'token_hash');
-- paging
SELECT target_table, org_id FROM access_policy.changes(:before_feed, 2) ORDER BY id;
COMMIT;
-- the lab's Viewer: the lab's rows, and their own user row
BEGIN;
SELECT access_policy.set_user('feed_lab');
SELECT target_table, action, org_id, CASE WHEN target_table IN ('orgs', 'users') THEN target_id END AS org_or_user
  FROM access_policy.changes(:before_feed) ORDER BY id;
COMMIT;
-- Cyberdyne's admin: Cyberdyne only
BEGIN;
SELECT access_policy.set_user('feed_cyber');
SELECT target_table, action, org_id, CASE WHEN target_table IN ('orgs', 'users') THEN target_id END AS org_or_user
  FROM access_policy.changes(:before_feed) ORDER BY id;
COMMIT;
-- nobody acting: nothing
SELECT count(*) AS nobody_sees FROM access_policy.changes(:before_feed);
-- bad arguments
SELECT * FROM access_policy.changes(0, 0);
SELECT * FROM access_policy.changes(0, 100001);
-- a forged notification tells a consumer to read again, nothing more: any
-- role may NOTIFY on the channel, and what it reads is checked
BEGIN;
SELECT access_policy.set_user('feed_cyber');
NOTIFY access_policy_changes, '{"audit_ids": [0, 999999999], "orgs": [19000]}';
SELECT count(*) AS cyberdyne_reads_of_umbrella FROM access_policy.changes(0) WHERE org_id IN (19000, 19001);
COMMIT;
RESET ROLE;
-- the collecting trigger outside its place
CREATE TABLE feed_other (x int);
CREATE TRIGGER feed_other AFTER INSERT ON feed_other FOR EACH ROW EXECUTE FUNCTION access_policy_internal._feed_collect();
INSERT INTO feed_other VALUES (1);
DROP TABLE feed_other;
SELECT p.oid::regprocedure AS function, has_function_privilege('public', p.oid, 'EXECUTE') AS public
  FROM pg_proc p WHERE p.proname IN ('changes', '_feed_collect') ORDER BY p.proname;
