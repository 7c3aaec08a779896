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
 WHERE relnamespace = 'access_policy_internal'::regnamespace AND relname LIKE '\_signal\_%';
SELECT tgname, tgrelid::regclass, pg_catalog.pg_get_triggerdef(oid) LIKE '%FOR EACH ROW%' AS per_row
  FROM pg_catalog.pg_trigger
 WHERE tgfoid = 'access_policy_internal._invalidate()'::regprocedure
   AND tgrelid IN ('access_policy.users'::regclass, 'access_policy.assignments'::regclass, 'access_policy.orgs'::regclass)
 ORDER BY tgrelid::regclass::text, tgname;
-- called outside a trigger
SELECT access_policy_internal._invalidate();

-- org channels (issue #14): a write to an org, its support setting or its
-- override signals the channel of that org (and, for an org row, of its old
-- and new parent), one of 4096 by a hash of the id; only a backend that read
-- an org of a signalled channel rebuilds.  Orgs 9120..9123 sit on channels
-- none of cache_u's orgs uses.  The system writes; the checks act as
-- cache_u for one statement each.
SELECT access_policy.clear_user(false);
CREATE FUNCTION pg_temp.listed() RETURNS bigint[] LANGUAGE sql
AS $$ SELECT access_policy.set_user('cache_u'); SELECT access_policy.orgs_with('settings.view') $$;
CREATE FUNCTION pg_temp.allowed(bigint) RETURNS boolean LANGUAGE sql
AS $$ SELECT access_policy.set_user('cache_u'); SELECT access_policy.can($1, 'settings.view') $$;
INSERT INTO access_policy.orgs (id, name, parent_id) VALUES (9120, 'Cache Far', NULL), (9121, 'Cache Far Team', 9120);
SELECT pg_temp.listed() AS listed;
SELECT pg_temp.rebuilds() AS r0 \gset
-- (straight into the tables: the API's own checks would read these orgs in
-- this backend, which then is one that read them)
INSERT INTO access_policy.orgs (id, name, parent_id) VALUES (9122, 'Cache Far New', 9121);
SELECT pg_temp.listed() AS listed;
UPDATE access_policy.orgs SET parent_id = 9120 WHERE id = 9122;
INSERT INTO access_policy.support_settings (org_id, level, reason) VALUES (9121, 'write', 'ticket 1');
DELETE FROM access_policy.orgs WHERE id = 9122;
SELECT pg_temp.allowed(9101) AS still_allowed, pg_temp.listed() AS listed;
SELECT pg_temp.rebuilds() - :r0 AS rebuilds_after_writes_elsewhere;
-- a new org below one cache_u reads: rebuilt and listed at once; moved out,
-- moved back in, deleted: each seen at the next statement
SELECT pg_temp.rebuilds() AS r0 \gset
SELECT access_policy.create_org('Cache Grandchild', 9101, 9123);
SELECT pg_temp.listed() AS listed;
SELECT pg_temp.rebuilds() - :r0 > 0 AS rebuilt_after_new_child;
SELECT access_policy.move_org(9123, 9120);
SELECT 9123 = ANY (pg_temp.listed()) AS listed_after_move_out;
SELECT access_policy.move_org(9123, 9100);
SELECT 9123 = ANY (pg_temp.listed()) AS listed_after_move_in;
SELECT access_policy.delete_org(9123);
SELECT pg_temp.listed() AS listed;
-- a support setting of an org cache_u reads rebuilds too
SELECT pg_temp.rebuilds() AS r0 \gset
SELECT access_policy.set_support_access(9100, 'none', 'no support here') IS NOT NULL AS set;
SELECT pg_temp.allowed(9101) AS still_allowed;
SELECT pg_temp.rebuilds() - :r0 > 0 AS rebuilt_after_own_support_setting;
SELECT access_policy.delete_org(9120, true);
-- a listing reads the subtree it lists, not the tree
SELECT orgs_cached < (SELECT count(*) FROM access_policy.orgs) AS reads_less_than_the_tree
  FROM access_policy.cache_stats();

-- the triggers of the org channels name bigint columns of org ids
SELECT tgname, tgrelid::regclass, pg_catalog.pg_get_triggerdef(oid) LIKE '%FOR EACH ROW%' AS per_row,
       tgnargs, pg_catalog.encode(tgargs, 'escape') AS args
  FROM pg_catalog.pg_trigger
 WHERE tgfoid = 'access_policy_internal._invalidate()'::regprocedure
   AND tgrelid IN ('access_policy.support_settings'::regclass, 'access_policy.support_overrides'::regclass)
 ORDER BY tgrelid::regclass::text, tgname;
BEGIN;
CREATE TRIGGER bad_channel AFTER INSERT ON access_policy.orgs
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._invalidate('name');
SELECT access_policy.create_org('Cache Bad Channel', NULL, 9130);
ROLLBACK;
BEGIN;
CREATE TRIGGER bad_channel AFTER INSERT ON access_policy.orgs
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._invalidate('no_such_column');
SELECT access_policy.create_org('Cache Bad Channel', NULL, 9130);
ROLLBACK;
SELECT count(*) AS no_org_left FROM access_policy.orgs WHERE id = 9130;

-- a policy scanning rows of more orgs than a call site keeps answers for
-- switches to the set of orgs where the user holds the permission (what
-- orgs_with lists): the same answers, one probe per row.  140,000 ids that
-- are no org come first, then every org.  (The switch says so at DEBUG1.)
SELECT access_policy.set_user('cache_u', false);
SET client_min_messages = debug1;
SELECT count(*) FILTER (WHERE access_policy.can(x, 'settings.view')) AS allowed_after_the_switch,
       count(*) FILTER (WHERE x > 0 AND access_policy.can(x, 'settings.view')) AS allowed_by_the_other_call_site
  FROM (SELECT g AS x FROM generate_series(-140000, -1) g
        UNION ALL
        SELECT id FROM access_policy.orgs) s;
RESET client_min_messages;
SELECT cardinality(access_policy.orgs_with('settings.view')) AS orgs_with_lists;
SELECT access_policy.clear_user(false);

-- a user of many orgs: orgs_with lists the subtrees of 100 assignments (a
-- level of more orgs than a listing starts with room for), the same as the
-- tree read with a recursive query
INSERT INTO access_policy.orgs (id, name, parent_id)
SELECT 9200 + i, 'Cache Many ' || i, NULL FROM generate_series(0, 99) i;
INSERT INTO access_policy.orgs (id, name, parent_id)
SELECT 9300 + i, 'Cache Many Team ' || i, 9200 + i FROM generate_series(0, 99) i;
SELECT access_policy.create_user('cache_many');
INSERT INTO access_policy.assignments (user_id, org_id, role_id)
SELECT 'cache_many', 9200 + i, 3 FROM generate_series(0, 99) i;
SELECT access_policy.set_user('cache_many', false);
SELECT cardinality(access_policy.orgs_with('settings.view')) AS listed,
       access_policy.orgs_with('settings.view') = ARRAY(
         WITH RECURSIVE d (id) AS (
           SELECT org_id FROM access_policy.assignments WHERE user_id = 'cache_many'
           UNION
           SELECT o.id FROM access_policy.orgs o JOIN d ON o.parent_id = d.id)
         SELECT id FROM d ORDER BY id) AS same_as_the_tree;
SELECT access_policy.clear_user(false);
