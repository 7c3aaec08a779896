/* sql/access_policy_citus.sql -- what distributed tables need (new in 0.7.0; part of the install and upgrade scripts) */

-- how long the chain of foreign keys from a table to others is: delete_org()
-- empties a table that references another before the one it references
-- (a child table co-located with its parent, on Citus or not)
CREATE FUNCTION access_policy_internal._fk_depth(tbl oid)
RETURNS integer
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH RECURSIVE up(relid, depth) AS (
		SELECT tbl, 0
		UNION ALL
		SELECT c.confrelid, u.depth + 1
		  FROM up u
		  JOIN pg_catalog.pg_constraint c
			ON c.conrelid = u.relid AND c.contype = 'f' AND c.confrelid <> c.conrelid
		 WHERE u.depth < 32)
	SELECT max(up.depth) FROM up
$$;
COMMENT ON FUNCTION access_policy_internal._fk_depth(oid) IS
'internal: the longest chain of foreign keys from a table (delete_org() empties referencing tables first)';
REVOKE ALL ON FUNCTION access_policy_internal._fk_depth(oid) FROM PUBLIC;

-- On Citus (examples/citus/distribute.sql) the invitations and the support
-- access requests stay local tables of the coordinator, which cannot keep
-- their foreign keys to the policy tables (reference tables there): this
-- trigger, on the reference tables, does what ON DELETE CASCADE did.  On a
-- worker the local tables are empty and it deletes nothing.
CREATE FUNCTION access_policy_internal._citus_cascade()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_ARGV[0] = 'org' THEN
		DELETE FROM @extschema@.invitations i WHERE i.org_id = OLD.id;
		DELETE FROM @extschema@.support_access_requests r WHERE r.org_id = OLD.id;
	ELSIF TG_ARGV[0] = 'role' THEN
		DELETE FROM @extschema@.invitations i WHERE i.role_id = OLD.id;
	ELSIF TG_ARGV[0] = 'user' THEN
		DELETE FROM @extschema@.support_access_requests r WHERE r.agent = OLD.id;
	ELSE
		RAISE EXCEPTION 'access_policy_internal._citus_cascade() needs the argument org, role or user'
			USING ERRCODE = '39P01';
	END IF;
	RETURN NULL;
END;
$$;
COMMENT ON FUNCTION access_policy_internal._citus_cascade() IS
'internal: on Citus, deletes the invitations and support access requests of a deleted org, role or user (their foreign keys cannot stay)';
REVOKE ALL ON FUNCTION access_policy_internal._citus_cascade() FROM PUBLIC;
