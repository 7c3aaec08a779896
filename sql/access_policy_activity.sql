/* sql/access_policy_activity.sql -- the support activity log (new in 0.6.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Support activity.  Every row a support agent inserts, updates or deletes
-- in a protected table through support access (not through a role of their
-- own) is recorded in the same transaction: the table, the row's key, the
-- row before and after, the agent, and the setting or override that allowed
-- it with its reason.  The log is append-only (housekeeping() applies
-- access_policy.support_activity_retention); an org's admins read their
-- orgs' entries through the view support_activity.  Reads are not recorded.
------------------------------------------------------------------------------

CREATE TABLE @extschema@.support_activity_log (
	id				bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at				timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
	xact_id			xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
	agent			text NOT NULL,
	org_id			bigint,
	table_name		text NOT NULL,
	relid			oid NOT NULL,
	operation		text NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
	row_key			jsonb,
	before			jsonb,
	after			jsonb,
	read_permission	text NOT NULL,
	access_source	text,
	access_org_id	bigint,
	access_level	text,
	access_reason	text,
	access_until	timestamptz
);
CREATE INDEX support_activity_log_org_idx ON @extschema@.support_activity_log (org_id, id);
CREATE INDEX support_activity_log_at_idx ON @extschema@.support_activity_log (at);
COMMENT ON TABLE @extschema@.support_activity_log IS
'append-only: one row per row a support agent wrote in a protected table through support access (read it through the view support_activity)';
COMMENT ON SEQUENCE @extschema@.support_activity_log_id_seq IS 'ids of support activity entries (dumped with the table)';
COMMENT ON COLUMN @extschema@.support_activity_log.id IS 'the entry id, in insertion order';
COMMENT ON COLUMN @extschema@.support_activity_log.at IS 'when the row was written';
COMMENT ON COLUMN @extschema@.support_activity_log.xact_id IS 'the writing transaction';
COMMENT ON COLUMN @extschema@.support_activity_log.agent IS 'the support agent acting';
COMMENT ON COLUMN @extschema@.support_activity_log.org_id IS 'the org of the row (an update that moved a row between orgs has an entry for each)';
COMMENT ON COLUMN @extschema@.support_activity_log.table_name IS 'the table, schema-qualified, when the row was written';
COMMENT ON COLUMN @extschema@.support_activity_log.relid IS 'the table''s OID';
COMMENT ON COLUMN @extschema@.support_activity_log.operation IS 'insert, update or delete';
COMMENT ON COLUMN @extschema@.support_activity_log.row_key IS 'the row''s primary key columns and values (NULL for a table without one)';
COMMENT ON COLUMN @extschema@.support_activity_log.before IS 'the row before (update, delete)';
COMMENT ON COLUMN @extschema@.support_activity_log.after IS 'the row after (insert, update)';
COMMENT ON COLUMN @extschema@.support_activity_log.read_permission IS 'the table''s read permission then: a reader of the entry must hold it at the org';
COMMENT ON COLUMN @extschema@.support_activity_log.access_source IS 'what gave support access at the org: own, inherited, default or override (as support_status())';
COMMENT ON COLUMN @extschema@.support_activity_log.access_org_id IS 'the org whose setting or override gave it';
COMMENT ON COLUMN @extschema@.support_activity_log.access_level IS 'the support access level then';
COMMENT ON COLUMN @extschema@.support_activity_log.access_reason IS 'the reason of that setting or override (an approved request''s names the request and ticket)';
COMMENT ON COLUMN @extschema@.support_activity_log.access_until IS 'the end of that setting or override';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.support_activity_log', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.support_activity_log_id_seq', '');

CREATE FUNCTION access_policy_internal._activity_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION 'the support activity log is append-only'
		USING ERRCODE = 'insufficient_privilege',
			  DETAIL = pg_catalog.format('%s on access_policy.support_activity_log is not allowed.', TG_OP),
			  HINT = 'access_policy.housekeeping() applies access_policy.support_activity_retention.';
END;
$$;
COMMENT ON FUNCTION access_policy_internal._activity_append_only() IS
'internal: refuses UPDATE, DELETE and TRUNCATE of the support activity log';

CREATE TRIGGER activity_append_only BEFORE UPDATE OR DELETE ON @extschema@.support_activity_log
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._activity_append_only();
CREATE TRIGGER activity_no_truncate BEFORE TRUNCATE ON @extschema@.support_activity_log
	FOR EACH STATEMENT EXECUTE FUNCTION access_policy_internal._activity_append_only();

-- The protection is what protect_table() wrote into the trigger's arguments
-- (only protect_table() can: the trigger function is the extension owner's
-- alone).  That travels with the trigger to every shard of a distributed
-- table, where the coordinator's protected_tables is not.
CREATE FUNCTION access_policy_internal._record_support_activity(tbl oid, operation text, before jsonb, after jsonb,
																org_column name, read_permission text,
																write_permission text, by_key boolean)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	me text := @extschema@.current_user_id();
	org bigint;
	pkey jsonb;
	s record;
BEGIN
	IF me IS NULL THEN
		RETURN;		-- nobody acting
	END IF;
	-- the primary key's columns of the row
	SELECT jsonb_object_agg(a.attname, COALESCE(after, before) -> a.attname::text)
	  INTO pkey
	  FROM pg_catalog.pg_index i
	  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
	 WHERE i.indrelid = tbl AND i.indisprimary;
	-- the org of each row image (two for an update that moved the row)
	FOR org IN
		SELECT DISTINCT CASE WHEN by_key
							 THEN (SELECT o.id FROM @extschema@.orgs o
									WHERE o.key = access_policy_internal._canonical_key('org', v))
							 ELSE v::bigint END
		  FROM unnest(ARRAY[before ->> org_column::text, after ->> org_column::text]) v
		 WHERE v IS NOT NULL
	LOOP
		-- written through a role of the agent's own: not support activity
		CONTINUE WHEN org IS NOT NULL AND access_policy_internal._holds(org, write_permission);
		s := NULL;
		IF org IS NOT NULL THEN
			SELECT r.source, r.source_org_id, r.level, r.reason, r.expires_at
			  INTO s
			  FROM access_policy_internal._support_row(org) r;
		END IF;
		INSERT INTO @extschema@.support_activity_log (agent, org_id, table_name, relid, operation, row_key,
													  before, after, read_permission, access_source,
													  access_org_id, access_level, access_reason, access_until)
		VALUES (me, org, tbl::regclass::text, tbl, operation, pkey, before, after, read_permission,
				s.source, s.source_org_id, s.level, s.reason, s.expires_at);
	END LOOP;
END;
$$;
COMMENT ON FUNCTION access_policy_internal._record_support_activity(oid, text, jsonb, jsonb, name, text, text, boolean) IS
'internal: records a support agent''s write of a protected table''s row (called by the trigger _support_activity() only)';

-- the trigger without arguments (protect_table() before 0.7.0): the
-- protection as protected_tables holds it
CREATE FUNCTION access_policy_internal._record_support_activity(tbl oid, operation text, before jsonb, after jsonb)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	pt @extschema@.protected_tables%ROWTYPE;
BEGIN
	SELECT * INTO pt FROM @extschema@.protected_tables p WHERE p.relid = tbl;
	IF NOT FOUND THEN
		RETURN;		-- a table no longer protected
	END IF;
	PERFORM access_policy_internal._record_support_activity(tbl, operation, before, after, pt.org_column,
															 pt.read_permission, pt.write_permission, pt.by_key);
END;
$$;
COMMENT ON FUNCTION access_policy_internal._record_support_activity(oid, text, jsonb, jsonb) IS
'internal: records a support agent''s write of a protected table''s row (called by the trigger _support_activity() only)';

CREATE FUNCTION @extschema@.acting_as_support()
RETURNS boolean
AS 'MODULE_PATHNAME', 'acting_as_support' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.acting_as_support() IS
'is the acting user support staff (acting through support access wherever they hold no role)?  The condition of the support activity trigger';

CREATE FUNCTION access_policy_internal._support_activity()
RETURNS trigger
AS 'MODULE_PATHNAME', 'support_activity' LANGUAGE C;
COMMENT ON FUNCTION access_policy_internal._support_activity() IS
'internal: trigger of protected tables (AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW): records the rows support agents write';

-- tables protected before 0.6.0 get the trigger protect_table() now creates
DO $$
DECLARE
	t regclass;
BEGIN
	FOR t IN SELECT p.relid FROM @extschema@.protected_tables p ORDER BY p.relid
	LOOP
		EXECUTE pg_catalog.format(
			'CREATE TRIGGER access_policy_support_activity AFTER INSERT OR UPDATE OR DELETE ON %s
			 FOR EACH ROW WHEN (@extschema@.acting_as_support())
			 EXECUTE FUNCTION access_policy_internal._support_activity()', t);
	END LOOP;
END;
$$;

CREATE VIEW @extschema@.support_activity WITH (security_barrier = true) AS
SELECT l.id, l.at, l.org_id, o.name AS org_name, o.key AS org_key, l.agent, u.display_name AS agent_name,
	   l.table_name, l.operation, l.row_key, l.before, l.after,
	   l.access_source, l.access_org_id, l.access_level, l.access_reason, l.access_until
  FROM @extschema@.support_activity_log l
  LEFT JOIN @extschema@.orgs o ON o.id = l.org_id
  LEFT JOIN @extschema@.users u ON u.id = l.agent
 WHERE l.org_id = ANY (@extschema@.orgs_with('support.manage'))
   AND @extschema@.can(l.org_id, l.read_permission);
COMMENT ON VIEW @extschema@.support_activity IS
'what support agents wrote in the protected tables of the orgs where the acting user holds support.manage (and the table''s read permission), newest last';
COMMENT ON COLUMN @extschema@.support_activity.id IS 'the entry id, in insertion order';
COMMENT ON COLUMN @extschema@.support_activity.at IS 'when the row was written';
COMMENT ON COLUMN @extschema@.support_activity.org_id IS 'the org of the row';
COMMENT ON COLUMN @extschema@.support_activity.org_name IS 'the org''s name (NULL once deleted)';
COMMENT ON COLUMN @extschema@.support_activity.org_key IS 'the org''s key';
COMMENT ON COLUMN @extschema@.support_activity.agent IS 'the support agent';
COMMENT ON COLUMN @extschema@.support_activity.agent_name IS 'the agent''s display name';
COMMENT ON COLUMN @extschema@.support_activity.table_name IS 'the table, schema-qualified';
COMMENT ON COLUMN @extschema@.support_activity.operation IS 'insert, update or delete';
COMMENT ON COLUMN @extschema@.support_activity.row_key IS 'the row''s primary key';
COMMENT ON COLUMN @extschema@.support_activity.before IS 'the row before (update, delete)';
COMMENT ON COLUMN @extschema@.support_activity.after IS 'the row after (insert, update)';
COMMENT ON COLUMN @extschema@.support_activity.access_source IS 'what gave support access: own, inherited, default or override';
COMMENT ON COLUMN @extschema@.support_activity.access_org_id IS 'the org whose setting or override gave it';
COMMENT ON COLUMN @extschema@.support_activity.access_level IS 'the support access level then';
COMMENT ON COLUMN @extschema@.support_activity.access_reason IS 'its reason (an approved request''s names the request and ticket)';
COMMENT ON COLUMN @extschema@.support_activity.access_until IS 'the end of that setting or override';

------------------------------------------------------------------------------
-- Privileges of this part
------------------------------------------------------------------------------

REVOKE ALL ON @extschema@.support_activity_log FROM PUBLIC;
REVOKE ALL ON FUNCTION
	@extschema@.acting_as_support(),
	access_policy_internal._activity_append_only(),
	access_policy_internal._record_support_activity(oid, text, jsonb, jsonb),
	access_policy_internal._record_support_activity(oid, text, jsonb, jsonb, name, text, text, boolean),
	access_policy_internal._support_activity()
FROM PUBLIC;
-- evaluated by every write of a protected table, as the writer (a check)
GRANT EXECUTE ON FUNCTION @extschema@.acting_as_support() TO PUBLIC;
REVOKE ALL ON @extschema@.support_activity FROM PUBLIC;
-- rows filtered by the acting user's permissions
GRANT SELECT ON @extschema@.support_activity TO PUBLIC;
