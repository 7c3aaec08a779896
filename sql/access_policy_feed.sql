/* sql/access_policy_feed.sql -- the change feed (new in 0.6.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Change feed.  Every committed transaction that changed policy data sends
-- one NOTIFY access_policy_changes at commit (none for a rolled-back change)
-- whose JSON payload carries ids only: the range of the transaction's audit
-- rows, how many rows of which table, and the orgs, users and resources
-- concerned.  Any role may LISTEN (and NOTIFY) on any channel, so consumers
-- read the details with changes(), which returns only the audit rows the
-- reader may see: a forged payload can make a consumer read again, never
-- learn or change anything.  Consumers that must not miss a change decode
-- the audit log's inserts from the WAL (logical decoding; see the docs).
------------------------------------------------------------------------------

CREATE FUNCTION access_policy_internal._feed_collect()
RETURNS trigger
AS 'MODULE_PATHNAME', 'feed_collect' LANGUAGE C;
COMMENT ON FUNCTION access_policy_internal._feed_collect() IS
'internal: trigger AFTER INSERT FOR EACH ROW on the audit log: adds the row to the transaction''s change summary, sent as NOTIFY access_policy_changes at commit';

CREATE TRIGGER feed AFTER INSERT ON @extschema@.audit_log
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._feed_collect();

CREATE FUNCTION @extschema@.changes(after_id bigint DEFAULT 0, max_rows integer DEFAULT 1000)
RETURNS TABLE (id bigint, at timestamptz, actor_user text, action text, target_table text, target_id text,
			   org_id bigint, before jsonb, after jsonb, reason text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	me text := @extschema@.current_user_id();
	system boolean := access_policy_internal._is_system();
BEGIN
	IF max_rows IS NULL OR max_rows < 1 OR max_rows > 100000 THEN
		RAISE EXCEPTION 'max_rows must be between 1 and 100000' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN QUERY
	SELECT a.id, a.at, a.actor_user, a.action, a.target_table, a.target_id, o.org,
		   -- an invitation's token hash stays in the log
		   CASE WHEN a.target_table = 'invitations' THEN a.before - 'token_hash' ELSE a.before END,
		   CASE WHEN a.target_table = 'invitations' THEN a.after - 'token_hash' ELSE a.after END,
		   a.reason
	  FROM @extschema@.audit_log a
	 CROSS JOIN LATERAL (
			SELECT (COALESCE(a.after, a.before) ->> CASE WHEN a.target_table = 'orgs' THEN 'id' ELSE 'org_id' END)::bigint AS org
		 ) o
	 WHERE a.id > COALESCE(after_id, 0)
	   AND (system
			OR (o.org IS NOT NULL AND @extschema@.can(o.org, 'settings.view'))
			OR (a.target_table = 'users' AND a.target_id = me))
	 ORDER BY a.id
	 LIMIT max_rows;
END;
$$;
COMMENT ON FUNCTION @extschema@.changes(bigint, integer) IS
'the audit rows after after_id that the acting user may see (the orgs where they hold settings.view, their own user row; the system sees all), oldest first, at most max_rows: the details of the change feed (NOTIFY access_policy_changes)';

------------------------------------------------------------------------------
-- Privileges of this part
------------------------------------------------------------------------------

REVOKE ALL ON FUNCTION access_policy_internal._feed_collect(), @extschema@.changes(bigint, integer) FROM PUBLIC;
-- checked inside, like explain()
GRANT EXECUTE ON FUNCTION @extschema@.changes(bigint, integer) TO PUBLIC;
