/* sql/access_policy_roles.sql -- role names to ids (0.2.0: replaces the 0.1.0 definition; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Role resolution.  A role name means the nearest definition: a custom role
-- of the org itself, else of its nearest ancestor, else the built-in role.
-- Most calls name a built-in role that no org redefines: two index probes
-- answer them; only a name some org defines walks up the tree.
------------------------------------------------------------------------------

CREATE INDEX roles_name_idx ON @extschema@.roles (name);

CREATE FUNCTION access_policy_internal._resolve_role(org bigint, role_name text)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	rid bigint;
BEGIN
	PERFORM FROM @extschema@.roles r WHERE r.name = role_name AND r.org_id IS NOT NULL;
	IF NOT FOUND THEN
		SELECT r.id INTO rid FROM @extschema@.roles r WHERE r.org_id IS NULL AND r.name = role_name;
	ELSE
		WITH RECURSIVE up(id, parent_id, depth) AS (
			SELECT o.id, o.parent_id, 0 FROM @extschema@.orgs o WHERE o.id = org
			UNION ALL
			SELECT o.id, o.parent_id, up.depth + 1 FROM @extschema@.orgs o JOIN up ON o.id = up.parent_id
		)
		SELECT r.id INTO rid
		  FROM @extschema@.roles r LEFT JOIN up ON up.id = r.org_id
		 WHERE r.name = role_name AND (r.org_id IS NULL OR up.id IS NOT NULL)
		 ORDER BY up.depth NULLS LAST
		 LIMIT 1;
	END IF;
	IF rid IS NULL THEN
		RAISE EXCEPTION 'role "%" does not exist for org %', role_name, org
			USING ERRCODE = 'undefined_object',
				  HINT = 'Built-in roles are Admin, Editor and Viewer; custom roles are usable in the org that defines them and below.';
	END IF;
	RETURN rid;
END;
$$;
COMMENT ON FUNCTION access_policy_internal._resolve_role(bigint, text) IS 'internal: role name to id, nearest definition first';
REVOKE ALL ON FUNCTION access_policy_internal._resolve_role(bigint, text) FROM PUBLIC;
