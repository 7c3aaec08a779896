
/*
 * 0.7.0: set_support_access() and override_support_access() take the time a
 * setting changed from the proposed row (the column default) instead of
 * calling now() in ON CONFLICT DO UPDATE, and set_support_access() finds the
 * descendants' settings it removes before its DELETE: Citus refuses both
 * on reference tables.  Same OIDs, grants and dependants: only the source
 * changes.  delete_org() empties protected tables that reference others by
 * foreign key first (it failed on a child table co-located with its parent).
 * protect_table() gives the support activity trigger the table's protection
 * as arguments, which reach every shard of a distributed table.
 */
DO $$
DECLARE
	fn pg_catalog.regprocedure;
	old_text text;
	new_text text;
BEGIN
	FOR fn, old_text, new_text IN VALUES
		('@extschema@.set_support_access(bigint,text,text,text,timestamptz,boolean)'::pg_catalog.regprocedure,
		 'set_by = EXCLUDED.set_by, set_at = pg_catalog.now();',
		 'set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at;'),
		('@extschema@.set_support_access(bigint,text,text,text,timestamptz,boolean)'::pg_catalog.regprocedure,
		 E'\tends timestamptz;\n',
		 E'\tends timestamptz;\n\tbelow bigint[];\n'),
		('@extschema@.set_support_access(bigint,text,text,text,timestamptz,boolean)'::pg_catalog.regprocedure,
		 E'\t\tDELETE FROM @extschema@.support_settings s\n\t\t WHERE s.org_id <> set_support_access.org_id\n\t\t   AND access_policy_internal._org_is_descendant(s.org_id, set_support_access.org_id);\n',
		 E'\t\t-- (found first: Citus refuses volatile functions in a DELETE''s WHERE)\n\t\tbelow := ARRAY(SELECT s.org_id FROM @extschema@.support_settings s\n\t\t\t\t\t\tWHERE s.org_id <> set_support_access.org_id\n\t\t\t\t\t\t  AND access_policy_internal._org_is_descendant(s.org_id, set_support_access.org_id));\n\t\tDELETE FROM @extschema@.support_settings s WHERE s.org_id = ANY (below);\n'),
		('@extschema@.protect_table(regclass,name,text,text,name,boolean,boolean)'::pg_catalog.regprocedure,
		 E'\tEXECUTE format(''CREATE TRIGGER access_policy_support_activity AFTER INSERT OR UPDATE OR DELETE ON %s\n\t\t\t\t\tFOR EACH ROW WHEN (@extschema@.acting_as_support())\n\t\t\t\t\tEXECUTE FUNCTION access_policy_internal._support_activity()'', tbl);',
		 E'\tEXECUTE format(''CREATE TRIGGER access_policy_support_activity AFTER INSERT OR UPDATE OR DELETE ON %s\n\t\t\t\t\tFOR EACH ROW WHEN (@extschema@.acting_as_support())\n\t\t\t\t\tEXECUTE FUNCTION access_policy_internal._support_activity(%L, %L, %L, %L)'',\n\t\t\t\t   tbl, org_column, read_permission, write_permission, by_key);'),
		('@extschema@.protect_table(regclass,name,text,text,name,boolean,boolean)'::pg_catalog.regprocedure,
		 E'\t-- the rows support agents write are recorded (support_activity)\n',
		 E'\t-- the rows support agents write are recorded (support_activity); the\n\t-- arguments say how the table is protected (also on a Citus shard)\n'),
		('@extschema@.delete_org(bigint,boolean)'::pg_catalog.regprocedure,
		 E'\n\tFOR t IN SELECT p.relid, p.org_column, p.by_key FROM @extschema@.protected_tables p ORDER BY p.relid LOOP\n',
		 E'\n\tFOR t IN SELECT p.relid, p.org_column, p.by_key FROM @extschema@.protected_tables p\n\t\t\t  ORDER BY access_policy_internal._fk_depth(p.relid) DESC, p.relid LOOP\n'),
		('@extschema@.delete_org(bigint,boolean)'::pg_catalog.regprocedure,
		 E'\t * and skips (with a warning) a table that is no longer a protected table.\n\t */',
		 E'\t * and skips (with a warning) a table that is no longer a protected table.\n\t * Tables that reference others by foreign key go before those they\n\t * reference (a co-located child table before its parent).\n\t */'),
		('@extschema@.override_support_access(bigint,text,text,interval)'::pg_catalog.regprocedure,
		 'set_by_role = EXCLUDED.set_by_role, set_at = pg_catalog.now();',
		 'set_by_role = EXCLUDED.set_by_role, set_at = EXCLUDED.set_at;')
	LOOP
		-- a function the update took from its part (from 0.5.0: protect_table) is new already
		CONTINUE WHEN (SELECT pg_catalog.strpos(p.prosrc, new_text) FROM pg_catalog.pg_proc p WHERE p.oid = fn) > 0;
		IF (SELECT pg_catalog.strpos(p.prosrc, old_text) FROM pg_catalog.pg_proc p WHERE p.oid = fn) = 0 THEN
			RAISE EXCEPTION 'access_policy update: % does not have the expected source', fn
				USING DETAIL = pg_catalog.format('It lacks: %s', old_text);
		END IF;
		UPDATE pg_catalog.pg_proc p SET prosrc = pg_catalog.replace(p.prosrc, old_text, new_text) WHERE p.oid = fn;
	END LOOP;
END;
$$;
