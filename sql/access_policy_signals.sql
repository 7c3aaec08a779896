/* sql/access_policy_signals.sql -- cache invalidation signals (new in 0.2.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Cache invalidation signals.  A write to a policy table tells every backend
-- which part of its cache is stale by queueing a relcache invalidation for a
-- small signal relation (delivered to the writer at its next command, to the
-- other backends at commit, to hot standbys through WAL).  Nobody ever opens
-- a signal relation, so an invalidation rebuilds no relcache entry anywhere:
-- the one relcache callback of access_policy just marks the part stale.
-- Assignments and users are signalled per user bucket (16 buckets by a hash
-- of the user id): a backend reloads its acting user's data only when a
-- write touched a user in the same bucket.  A rename of an org signals
-- nothing (the cache holds no names); a move does.
------------------------------------------------------------------------------

DO $$
DECLARE
	s text;
BEGIN
	FOREACH s IN ARRAY ARRAY['orgs', 'roles', 'resources', 'actions', 'logins']
	LOOP
		EXECUTE pg_catalog.format('CREATE TABLE access_policy_internal.%I ()', '_signal_' || s);
		EXECUTE pg_catalog.format(
			'COMMENT ON TABLE access_policy_internal.%I IS %L', '_signal_' || s,
			'internal, always empty: a relcache invalidation of this table tells backends that their cached '
			|| s || ' are stale');
	END LOOP;
	FOR b IN 0..15
	LOOP
		EXECUTE pg_catalog.format('CREATE TABLE access_policy_internal.%I ()', '_signal_user_' || pg_catalog.lpad(b::text, 2, '0'));
		EXECUTE pg_catalog.format(
			'COMMENT ON TABLE access_policy_internal.%I IS %L', '_signal_user_' || pg_catalog.lpad(b::text, 2, '0'),
			'internal, always empty: a relcache invalidation of this table tells backends acting as a user of hash bucket '
			|| b || ' that their cached user data are stale');
	END LOOP;
END;
$$;

-- users and assignments: one signal per changed row, for the row's user
DROP TRIGGER invalidate ON @extschema@.users;
DROP TRIGGER invalidate ON @extschema@.assignments;
CREATE TRIGGER invalidate_row BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.users
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._invalidate('id');
CREATE TRIGGER invalidate AFTER TRUNCATE ON @extschema@.users
	FOR EACH STATEMENT EXECUTE FUNCTION access_policy_internal._invalidate();
CREATE TRIGGER invalidate_row BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.assignments
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._invalidate('user_id');
CREATE TRIGGER invalidate AFTER TRUNCATE ON @extschema@.assignments
	FOR EACH STATEMENT EXECUTE FUNCTION access_policy_internal._invalidate();

-- orgs: a new or removed org, or a move; not a rename
DROP TRIGGER invalidate ON @extschema@.orgs;
CREATE TRIGGER invalidate AFTER INSERT OR DELETE OR TRUNCATE ON @extschema@.orgs
	FOR EACH STATEMENT EXECUTE FUNCTION access_policy_internal._invalidate();
CREATE TRIGGER invalidate_move AFTER UPDATE ON @extschema@.orgs
	FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.parent_id IS DISTINCT FROM NEW.parent_id)
	EXECUTE FUNCTION access_policy_internal._invalidate();
