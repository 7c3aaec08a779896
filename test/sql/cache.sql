-- cache: which writes make a backend rebuild which part of its cache (issue
-- #5: "a write in one org must not force every backend to rebuild
-- everything").  cache_stats().rebuilds counts the checks that found a part
-- stale; a write signals only the part it changes (the signal relations of
-- sql/access_policy_signals.sql), and assignments and users only for the
-- bucket of the user they name.  Own changes are seen at the next statement,
-- so a single session shows it; the isolation specs show it across sessions.
\set VERBOSITY terse
SET TIME ZONE 'UTC';
SELECT access_policy.create_org('Cache Root', NULL, 9100);
SELECT access_policy.create_org('Cache Child', 9100, 9101);
SELECT access_policy.create_org('Cache Other', NULL, 9102);
SELECT access_policy.create_user('cache_u');
-- cache_other_10 hashes to cache_u's bucket, cache_other_1 to another one
SELECT access_policy.create_user('cache_other_1');
SELECT access_policy.create_user('cache_other_10');
SELECT access_policy.assign_role('cache_u', 9100, 'Viewer') IS NOT NULL AS ok;

-- the system (no identity) writes straight into the tables; checks act as cache_u
CREATE FUNCTION pg_temp.rebuilds() RETURNS bigint LANGUAGE sql
AS $$ SELECT rebuilds FROM access_policy.cache_stats() $$;
SELECT access_policy.set_user('cache_u', false);
SELECT access_policy.can(9101, 'settings.view') AS warm;
SELECT pg_temp.rebuilds() AS r0 \gset

-- renaming an org: the cache holds no names, nothing is rebuilt
UPDATE access_policy.orgs SET name = 'Cache Child renamed' WHERE id = 9101;
SELECT access_policy.can(9101, 'settings.view') AS still_allowed;
SELECT pg_temp.rebuilds() - :r0 AS rebuilds_after_rename;

-- an assignment of a user in another bucket: nothing is rebuilt
SELECT pg_temp.rebuilds() AS r0 \gset
INSERT INTO access_policy.assignments (user_id, org_id, role_id) VALUES ('cache_other_1', 9100, 3);
SELECT access_policy.can(9101, 'settings.view') AS still_allowed;
SELECT pg_temp.rebuilds() - :r0 AS rebuilds_after_other_bucket;

-- an assignment of a user in the same bucket: the user part is reloaded
SELECT pg_temp.rebuilds() AS r0 \gset
INSERT INTO access_policy.assignments (user_id, org_id, role_id) VALUES ('cache_other_10', 9100, 3);
SELECT access_policy.can(9101, 'settings.view') AS still_allowed;
SELECT pg_temp.rebuilds() - :r0 > 0 AS rebuilt_after_same_bucket;

-- the acting user's own assignment: reloaded, and the answer changes at once
SELECT pg_temp.rebuilds() AS r0 \gset
INSERT INTO access_policy.assignments (user_id, org_id, role_id) VALUES ('cache_u', 9102, 2);
SELECT access_policy.can(9102, 'responses.write') AS editor_at_other;
SELECT pg_temp.rebuilds() - :r0 > 0 AS rebuilt_after_own_assignment;
UPDATE access_policy.assignments SET enabled = false WHERE user_id = 'cache_u' AND org_id = 9102;
SELECT access_policy.can(9102, 'responses.write') AS disabled_editor;
DELETE FROM access_policy.assignments WHERE user_id = 'cache_u' AND org_id = 9100;
SELECT access_policy.can(9101, 'settings.view') AS after_revoke;
INSERT INTO access_policy.assignments (user_id, org_id, role_id) VALUES ('cache_u', 9100, 3);

-- moving an org: the org part is reloaded and the move is seen
SELECT access_policy.can(9101, 'settings.view') AS under_root;
SELECT pg_temp.rebuilds() AS r0 \gset
UPDATE access_policy.orgs SET parent_id = 9102 WHERE id = 9101;
SELECT access_policy.can(9101, 'settings.view') AS after_move;
SELECT pg_temp.rebuilds() - :r0 > 0 AS rebuilt_after_move;
UPDATE access_policy.orgs SET parent_id = 9100 WHERE id = 9101;
SELECT access_policy.can(9101, 'settings.view') AS moved_back;

-- a new org: seen at once (the cache had remembered that 9103 does not exist)
SELECT access_policy.can(9103, 'settings.view') AS unknown_org;
INSERT INTO access_policy.orgs (id, name, parent_id) VALUES (9103, 'Cache New', 9100);
SELECT access_policy.can(9103, 'settings.view') AS new_child;

-- a user deleted and created again: the user part follows (bucket of the user)
SELECT pg_temp.rebuilds() AS r0 \gset
DELETE FROM access_policy.assignments WHERE user_id = 'cache_u';
DELETE FROM access_policy.users WHERE id = 'cache_u';
SELECT access_policy.can(9100, 'settings.view') AS user_gone;
SELECT access_policy.current_user_id() AS still_named;
INSERT INTO access_policy.users (id) VALUES ('cache_u');
INSERT INTO access_policy.assignments (user_id, org_id, role_id) VALUES ('cache_u', 9100, 3);
SELECT access_policy.can(9100, 'settings.view') AS user_back;

-- TRUNCATE of a policy table signals every bucket (rolled back)
BEGIN;
SELECT pg_temp.rebuilds() AS r0 \gset
TRUNCATE access_policy.assignments CASCADE;
SELECT access_policy.can(9100, 'settings.view') AS after_truncate;
SELECT pg_temp.rebuilds() - :r0 > 0 AS rebuilt_after_truncate;
ROLLBACK;
SELECT access_policy.can(9100, 'settings.view') AS after_rollback;
SELECT access_policy.clear_user();

-- the signal relations are empty, private and never opened by checks
SELECT count(*) AS signal_tables,
       bool_and(relacl IS NULL OR NOT pg_catalog.aclcontains(relacl, makeaclitem(0, relowner, 'SELECT', false))) AS no_public_select
  FROM pg_catalog.pg_class
 WHERE relnamespace = 'access_policy'::regnamespace AND relname LIKE '\_signal\_%';
SELECT tgname, tgrelid::regclass, pg_catalog.pg_get_triggerdef(oid) LIKE '%FOR EACH ROW%' AS per_row
  FROM pg_catalog.pg_trigger
 WHERE tgfoid = 'access_policy._invalidate()'::regprocedure
   AND tgrelid IN ('access_policy.users'::regclass, 'access_policy.assignments'::regclass, 'access_policy.orgs'::regclass)
 ORDER BY tgrelid::regclass::text, tgname;
-- called outside a trigger
SELECT access_policy._invalidate();
