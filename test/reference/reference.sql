/* test/reference/reference.sql -- the permission semantics once more, in plain SQL (the oracle) */

/*
 * Schema ap_ref: the checks of access_policy written a second time, from the
 * definition alone, as ordinary SQL over the access_policy tables (recursive
 * CTEs, no C, no access_policy function).  Every function takes the user and
 * the time explicitly, so that a caller can evaluate it at the same instant
 * as the C engine: pass statement_timestamp().
 *
 * Used as the oracle of the randomized differential test (test/fuzz/) and as
 * the "per-row SQL helper" baseline of the benchmark (test/bench/).  It is
 * written the way one would write such a helper by hand: an EXISTS over an
 * indexed recursive walk up the tree, plans cached by PL/pgSQL.  It is not
 * tuned beyond that, and it is not meant for production use.
 *
 * Load it as a superuser after CREATE EXTENSION access_policy:
 *     psql -X -v ON_ERROR_STOP=1 -f test/reference/reference.sql
 * Loading again replaces the schema.
 *
 * The definition (t is the instant passed in):
 *   - an assignment is valid at t: enabled AND valid_from <= t < expires_at;
 *   - U holds P at org X: a valid assignment (U, R, A) with A = X or an
 *     ancestor of X, and (R, P) in role_permissions;
 *   - U holds P on resource X of org O: U holds P at O, or a grant g on X or
 *     an ancestor resource of X with g.valid_from <= t < g.expires_at,
 *     (g.role, P) in role_permissions, and a valid assignment (U, g.role, A)
 *     with A = g.authorized_org or an ancestor of it;
 *   - action A on resource X: the kind_actions rows (X.kind, A) exist and U
 *     holds every permission they list on X;
 *   - support access: the level in force at org X is the nearest setting of
 *     X or an ancestor that has not expired (expires_at > t), else the
 *     deployment default (access_policy.support_default_level); a vendor
 *     override, the nearest unexpired one of X or an ancestor, lifts it to at
 *     least its own level.  A support staff user (users.is_support_staff)
 *     holds at X, on top of the assignments, at level read every permission
 *     that is read_only or support_read, at level write every permission,
 *     except those marked support_never.  Support access gives permissions
 *     at orgs (and so on their resources), never roles: it does not count
 *     for the authorized org of a resource grant;
 *   - NULL arguments, an unknown org, resource or user: false (lists: '{}');
 *     an unregistered permission, or an action no kind defines: ERROR 42704.
 *     The order matters only for the errors: a NULL argument answers false
 *     before the name is looked at; an unknown name is an error even when the
 *     user or the id is unknown.
 */

\set ON_ERROR_STOP on

BEGIN;
SET LOCAL client_min_messages = warning;

DROP SCHEMA IF EXISTS ap_ref CASCADE;
CREATE SCHEMA ap_ref;
COMMENT ON SCHEMA ap_ref IS 'reference model of the access_policy checks in plain SQL (test oracle and benchmark baseline)';

------------------------------------------------------------------------------
-- Internal helpers: no argument checks, NULLs simply match nothing
------------------------------------------------------------------------------

-- _roles_at: the roles uid validly holds at org at time at, through an
-- assignment at org itself or at any org above it.  The walk up the tree
-- follows parent_id one primary key lookup at a time (the last row is NULL).
CREATE FUNCTION ap_ref._roles_at(uid text, org bigint, at timestamptz)
RETURNS SETOF bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	WITH RECURSIVE up (id) AS (
		SELECT org
		UNION ALL
		SELECT (SELECT o.parent_id FROM access_policy.orgs o WHERE o.id = up.id)
		  FROM up
		 WHERE up.id IS NOT NULL
	)
	SELECT a.role_id
	  FROM up
	  JOIN access_policy.assignments a ON a.user_id = uid AND a.org_id = up.id
	 WHERE a.enabled AND a.valid_from <= at AND at < a.expires_at
$$;
COMMENT ON FUNCTION ap_ref._roles_at(text, bigint, timestamptz) IS
'internal: roles held validly at the org or above it';

-- _support_level: the support access level in force at org at time at:
-- 0 none, 1 read, 2 write.  NULL for an org that does not exist.
CREATE FUNCTION ap_ref._support_level(org bigint, at timestamptz)
RETURNS int
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	-- up the tree one primary key lookup at a time (the last row is NULL)
	WITH RECURSIVE up (id, depth) AS (
		SELECT o.id, 0 FROM access_policy.orgs o WHERE o.id = org
		UNION ALL
		SELECT (SELECT o.parent_id FROM access_policy.orgs o WHERE o.id = up.id), up.depth + 1
		  FROM up
		 WHERE up.id IS NOT NULL
	)
	SELECT greatest(
			COALESCE((SELECT CASE s.level WHEN 'write' THEN 2 WHEN 'read' THEN 1 ELSE 0 END
						FROM up JOIN access_policy.support_settings s ON s.org_id = up.id
					   WHERE s.expires_at > at
					   ORDER BY up.depth LIMIT 1),
					 CASE pg_catalog.current_setting('access_policy.support_default_level', true)
						 WHEN 'none' THEN 0 ELSE 1 END),
			COALESCE((SELECT CASE v.level WHEN 'write' THEN 2 WHEN 'read' THEN 1 ELSE 0 END
						FROM up JOIN access_policy.support_overrides v ON v.org_id = up.id
					   WHERE v.expires_at > at
					   ORDER BY up.depth LIMIT 1), 0))
	 WHERE EXISTS (SELECT 1 FROM up)
$$;
COMMENT ON FUNCTION ap_ref._support_level(bigint, timestamptz) IS
'internal: support access level in force at the org (0 none, 1 read, 2 write)';

-- _own_support_level: the level of the org's own unexpired setting (or,
-- with override, of its unexpired vendor override); NULL if none
CREATE FUNCTION ap_ref._own_support_level(org bigint, at timestamptz, override boolean)
RETURNS int
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT CASE x.level WHEN 'write' THEN 2 WHEN 'read' THEN 1 ELSE 0 END
	  FROM (SELECT s.level FROM access_policy.support_settings s
			 WHERE NOT override AND s.org_id = org AND s.expires_at > at
			UNION ALL
			SELECT v.level FROM access_policy.support_overrides v
			 WHERE override AND v.org_id = org AND v.expires_at > at) x
$$;
COMMENT ON FUNCTION ap_ref._own_support_level(bigint, timestamptz, boolean) IS
'internal: level of the org''s own unexpired support setting or override (NULL: none)';

-- _support_perms: the permissions support access gives uid at org ('{}' for
-- anybody who is not support staff).
CREATE FUNCTION ap_ref._support_perms(uid text, org bigint, at timestamptz)
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT COALESCE(pg_catalog.array_agg(p.name ORDER BY p.name), '{}')
	  FROM (SELECT ap_ref._support_level(org, at) AS level
			 WHERE EXISTS (SELECT 1 FROM access_policy.users u WHERE u.id = uid AND u.is_support_staff)) l,
		   access_policy.permissions p
	 WHERE NOT p.support_never
	   AND CASE l.level
			   WHEN 2 THEN true
			   WHEN 1 THEN p.read_only OR p.support_read
			   ELSE false END
$$;
COMMENT ON FUNCTION ap_ref._support_perms(text, bigint, timestamptz) IS
'internal: permissions support access gives the user at the org';

-- _support_gives: does support access give uid perm at org?  The support
-- staff test comes first: for everybody else it is one index lookup.
CREATE FUNCTION ap_ref._support_gives(uid text, org bigint, perm text, at timestamptz)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT EXISTS (SELECT 1 FROM access_policy.users u WHERE u.id = uid AND u.is_support_staff)
		   AND perm = ANY (ap_ref._support_perms(uid, org, at))
$$;
COMMENT ON FUNCTION ap_ref._support_gives(text, bigint, text, timestamptz) IS
'internal: permission given at the org through support access';

-- _holds: does uid hold perm at org (the org rule alone)?
CREATE FUNCTION ap_ref._holds(uid text, org bigint, perm text, at timestamptz)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT EXISTS (
		SELECT 1
		  FROM ap_ref._roles_at(uid, org, at) AS r (role_id)
		  JOIN access_policy.role_permissions rp ON rp.role_id = r.role_id
		 WHERE rp.permission = perm)
		OR ap_ref._support_gives(uid, org, perm, at)
$$;
COMMENT ON FUNCTION ap_ref._holds(text, bigint, text, timestamptz) IS
'internal: permission held at the org through an assignment at it or above it, or support access';

-- _granted: does a grant on res or on a resource above it give uid perm?
-- The candidate grants (on the chain, valid, carrying perm) come first; the
-- walk up from the authorized org is made for those only.
CREATE FUNCTION ap_ref._granted(uid text, res bigint, perm text, at timestamptz)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	WITH RECURSIVE chain (id) AS (
		SELECT res
		UNION ALL
		SELECT (SELECT r.parent_id FROM access_policy.resources r WHERE r.id = c.id)
		  FROM chain c
		 WHERE c.id IS NOT NULL
	),
	candidate AS MATERIALIZED (
		SELECT g.role_id, g.authorized_org_id
		  FROM chain c
		  JOIN access_policy.resource_grants g ON g.resource_id = c.id
		  JOIN access_policy.role_permissions rp ON rp.role_id = g.role_id
		 WHERE rp.permission = perm
		   AND g.valid_from <= at AND at < g.expires_at
	)
	SELECT EXISTS (
		SELECT 1
		  FROM candidate g
		 WHERE g.role_id IN (SELECT h.role_id
							   FROM ap_ref._roles_at(uid, g.authorized_org_id, at) AS h (role_id)))
$$;
COMMENT ON FUNCTION ap_ref._granted(text, bigint, text, timestamptz) IS
'internal: permission given on the resource by a valid grant on it or on a resource above it';

-- _grant_perms: the permissions the valid grants on res itself (not above it)
-- give uid.
CREATE FUNCTION ap_ref._grant_perms(uid text, res bigint, at timestamptz)
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	WITH candidate AS MATERIALIZED (
		SELECT g.role_id, g.authorized_org_id
		  FROM access_policy.resource_grants g
		 WHERE g.resource_id = res
		   AND g.valid_from <= at AND at < g.expires_at
	)
	SELECT COALESCE(pg_catalog.array_agg(DISTINCT rp.permission), '{}')
	  FROM candidate g
	  JOIN access_policy.role_permissions rp ON rp.role_id = g.role_id
	 WHERE g.role_id IN (SELECT h.role_id
						   FROM ap_ref._roles_at(uid, g.authorized_org_id, at) AS h (role_id))
$$;
COMMENT ON FUNCTION ap_ref._grant_perms(text, bigint, timestamptz) IS
'internal: permissions given by the valid grants on this very resource';

-- _resource_perms: every permission uid holds on res (org rule and grants on
-- res and above it).
CREATE FUNCTION ap_ref._resource_perms(uid text, res bigint, at timestamptz)
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	WITH RECURSIVE chain (id) AS (
		SELECT res
		UNION ALL
		SELECT (SELECT r.parent_id FROM access_policy.resources r WHERE r.id = c.id)
		  FROM chain c
		 WHERE c.id IS NOT NULL
	)
	SELECT COALESCE(pg_catalog.array_agg(DISTINCT p.permission), '{}')
	  FROM (SELECT rp.permission
			  FROM access_policy.resources r
			 CROSS JOIN ap_ref._roles_at(uid, r.org_id, at) AS h (role_id)
			  JOIN access_policy.role_permissions rp ON rp.role_id = h.role_id
			 WHERE r.id = res
			UNION ALL
			SELECT pg_catalog.unnest(ap_ref._support_perms(uid, r.org_id, at))
			  FROM access_policy.resources r
			 WHERE r.id = res
			UNION ALL
			SELECT pg_catalog.unnest(ap_ref._grant_perms(uid, c.id, at))
			  FROM chain c) AS p (permission)
$$;
COMMENT ON FUNCTION ap_ref._resource_perms(text, bigint, timestamptz) IS
'internal: every permission held on the resource (org rule with support access, and grants)';

-- _require_permission: an unregistered permission name is an error, as in
-- the engine.
CREATE FUNCTION ap_ref._require_permission(perm text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM access_policy.permissions p WHERE p.name = perm) THEN
		RAISE EXCEPTION 'permission "%" does not exist', perm
			USING ERRCODE = 'undefined_object',
				  HINT = 'Register it with access_policy.register_permission() or check the spelling.';
	END IF;
END;
$$;
COMMENT ON FUNCTION ap_ref._require_permission(text) IS
'internal: raises 42704 for an unregistered permission name';

-- _require_action: an action that no kind defines is an error, as in the engine.
CREATE FUNCTION ap_ref._require_action(act text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM access_policy.kind_actions ka WHERE ka.action = act) THEN
		RAISE EXCEPTION 'action "%" is not defined for any resource kind', act
			USING ERRCODE = 'undefined_object',
				  HINT = 'Define it with access_policy.set_kind_action() or check the spelling.';
	END IF;
END;
$$;
COMMENT ON FUNCTION ap_ref._require_action(text) IS
'internal: raises 42704 for an action name no resource kind defines';

------------------------------------------------------------------------------
-- The checks
------------------------------------------------------------------------------

-- can: does uid hold perm at org at time at?
CREATE FUNCTION ap_ref.can(uid text, org bigint, perm text, at timestamptz)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
	IF org IS NULL OR perm IS NULL THEN
		RETURN false;
	END IF;
	PERFORM ap_ref._require_permission(perm);
	IF uid IS NULL OR at IS NULL THEN
		RETURN false;
	END IF;
	RETURN ap_ref._holds(uid, org, perm, at);
END;
$$;
COMMENT ON FUNCTION ap_ref.can(text, bigint, text, timestamptz) IS
'reference of access_policy.can(): does the user hold the permission at the org at that time?';

-- can_resource: does uid hold perm on res, through its org or a grant?
CREATE FUNCTION ap_ref.can_resource(uid text, res bigint, perm text, at timestamptz)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
	res_org bigint;
BEGIN
	IF res IS NULL OR perm IS NULL THEN
		RETURN false;
	END IF;
	PERFORM ap_ref._require_permission(perm);
	IF uid IS NULL OR at IS NULL THEN
		RETURN false;
	END IF;
	SELECT r.org_id INTO res_org FROM access_policy.resources r WHERE r.id = res;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	RETURN ap_ref._holds(uid, res_org, perm, at) OR ap_ref._granted(uid, res, perm, at);
END;
$$;
COMMENT ON FUNCTION ap_ref.can_resource(text, bigint, text, timestamptz) IS
'reference of access_policy.can_resource(): the permission through the resource''s org or a grant on it or above it';

-- can_action: may uid do act on res (every permission the kind lists for it)?
CREATE FUNCTION ap_ref.can_action(uid text, res bigint, act text, at timestamptz)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
	res_kind text;
	needed text[];
BEGIN
	IF res IS NULL OR act IS NULL THEN
		RETURN false;
	END IF;
	PERFORM ap_ref._require_action(act);
	IF uid IS NULL OR at IS NULL THEN
		RETURN false;
	END IF;
	SELECT r.kind INTO res_kind FROM access_policy.resources r WHERE r.id = res;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	SELECT pg_catalog.array_agg(ka.permission) INTO needed
	  FROM access_policy.kind_actions ka
	 WHERE ka.kind = res_kind AND ka.action = act;
	IF needed IS NULL THEN
		RETURN false;			-- the kind does not define this action
	END IF;
	RETURN needed <@ ap_ref._resource_perms(uid, res, at);
END;
$$;
COMMENT ON FUNCTION ap_ref.can_action(text, bigint, text, timestamptz) IS
'reference of access_policy.can_action(): every permission the resource kind lists for the action';

-- can_row: the row check of a table with an org and an optional resource column.
CREATE FUNCTION ap_ref.can_row(uid text, org bigint, res bigint, perm text, at timestamptz)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
	IF org IS NULL OR perm IS NULL THEN
		RETURN false;
	END IF;
	IF res IS NULL THEN
		RETURN ap_ref.can(uid, org, perm, at);
	END IF;
	PERFORM ap_ref._require_permission(perm);
	IF NOT EXISTS (SELECT 1 FROM access_policy.resources r WHERE r.id = res AND r.org_id = org) THEN
		RETURN false;			-- a resource of another org, or none
	END IF;
	RETURN ap_ref.can_resource(uid, res, perm, at);
END;
$$;
COMMENT ON FUNCTION ap_ref.can_row(text, bigint, bigint, text, timestamptz) IS
'reference of access_policy.can_row(): can() without a resource, else can_resource() on a resource of that org';

------------------------------------------------------------------------------
-- The lists: sorted, without duplicates, '{}' when empty
------------------------------------------------------------------------------

-- orgs_with: every org where uid holds perm: the orgs below (and at) the
-- orgs of the valid assignments whose role carries perm, and for support
-- staff the orgs where support access gives it.
CREATE FUNCTION ap_ref.orgs_with(uid text, perm text, at timestamptz)
RETURNS bigint[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
	IF perm IS NULL THEN
		RETURN '{}';
	END IF;
	PERFORM ap_ref._require_permission(perm);
	IF uid IS NULL OR at IS NULL THEN
		RETURN '{}';
	END IF;
	RETURN (
		WITH RECURSIVE down (id) AS (
			SELECT a.org_id
			  FROM access_policy.assignments a
			  JOIN access_policy.role_permissions rp ON rp.role_id = a.role_id
			 WHERE a.user_id = uid AND rp.permission = perm
			   AND a.enabled AND a.valid_from <= at AND at < a.expires_at
			UNION
			-- the children of each org found, by the parent_id index
			SELECT pg_catalog.unnest(ARRAY(SELECT o.id FROM access_policy.orgs o WHERE o.parent_id = d.id))
			  FROM down d
		),
		-- support staff: the levels in force, carried down from the roots
		-- (customer level and override level apart), and the orgs where the
		-- level gives perm
		levels (id, customer, override) AS (
			SELECT o.id,
				   COALESCE(ap_ref._own_support_level(o.id, at, false),
							CASE pg_catalog.current_setting('access_policy.support_default_level', true)
								WHEN 'none' THEN 0 ELSE 1 END),
				   COALESCE(ap_ref._own_support_level(o.id, at, true), 0)
			  FROM access_policy.orgs o
			 WHERE o.parent_id IS NULL
			   AND EXISTS (SELECT 1 FROM access_policy.users u WHERE u.id = uid AND u.is_support_staff)
			UNION ALL
			-- the children of each org, by the parent_id index
			SELECT c.id,
				   COALESCE(ap_ref._own_support_level(c.id, at, false), l.customer),
				   COALESCE(ap_ref._own_support_level(c.id, at, true), l.override)
			  FROM levels l,
				   LATERAL pg_catalog.unnest(ARRAY(SELECT o.id FROM access_policy.orgs o WHERE o.parent_id = l.id)) c (id)
		),
		support (id) AS (
			SELECT l.id
			  FROM levels l, access_policy.permissions p
			 WHERE p.name = perm AND NOT p.support_never
			   AND CASE greatest(l.customer, l.override)
					   WHEN 2 THEN true
					   WHEN 1 THEN p.read_only OR p.support_read
					   ELSE false END
		)
		SELECT COALESCE(pg_catalog.array_agg(x.id ORDER BY x.id), '{}')
		  FROM (SELECT d.id FROM down d UNION SELECT s.id FROM support s) x);
END;
$$;
COMMENT ON FUNCTION ap_ref.orgs_with(text, text, timestamptz) IS
'reference of access_policy.orgs_with(): sorted ids of the orgs where the user holds the permission';

-- resources_with: the resources at or below root on which uid holds perm.  A
-- resource has it when its parent has it or a grant on it gives it; root
-- itself is decided by can_resource (its org and the grants above it).
CREATE FUNCTION ap_ref.resources_with(uid text, root bigint, perm text, at timestamptz)
RETURNS bigint[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
	IF root IS NULL OR perm IS NULL THEN
		RETURN '{}';
	END IF;
	PERFORM ap_ref._require_permission(perm);
	IF uid IS NULL OR at IS NULL THEN
		RETURN '{}';
	END IF;
	RETURN (
		WITH RECURSIVE sub (id, ok) AS (
			SELECT r.id, ap_ref.can_resource(uid, r.id, perm, at)
			  FROM access_policy.resources r
			 WHERE r.id = root
			UNION ALL
			SELECT r.id, s.ok OR perm = ANY (ap_ref._grant_perms(uid, r.id, at))
			  FROM access_policy.resources r
			  JOIN sub s ON r.parent_id = s.id
		)
		SELECT COALESCE(pg_catalog.array_agg(s.id ORDER BY s.id) FILTER (WHERE s.ok), '{}')
		  FROM sub s);
END;
$$;
COMMENT ON FUNCTION ap_ref.resources_with(text, bigint, text, timestamptz) IS
'reference of access_policy.resources_with(): sorted ids of the resources at or below root with the permission';

-- resources_allowing: the resources at or below root on which uid may do act.
-- The permission set is carried down the tree: a child has its parent's
-- permissions plus what the grants on it give.
CREATE FUNCTION ap_ref.resources_allowing(uid text, root bigint, act text, at timestamptz)
RETURNS bigint[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
	IF root IS NULL OR act IS NULL THEN
		RETURN '{}';
	END IF;
	PERFORM ap_ref._require_action(act);
	IF uid IS NULL OR at IS NULL THEN
		RETURN '{}';
	END IF;
	RETURN (
		WITH RECURSIVE sub (id, kind, perms) AS (
			SELECT r.id, r.kind, ap_ref._resource_perms(uid, r.id, at)
			  FROM access_policy.resources r
			 WHERE r.id = root
			UNION ALL
			SELECT r.id, r.kind, s.perms || ap_ref._grant_perms(uid, r.id, at)
			  FROM access_policy.resources r
			  JOIN sub s ON r.parent_id = s.id
		)
		SELECT COALESCE(pg_catalog.array_agg(s.id ORDER BY s.id), '{}')
		  FROM sub s
		 WHERE EXISTS (SELECT 1 FROM access_policy.kind_actions ka
						WHERE ka.kind = s.kind AND ka.action = act)
		   AND NOT EXISTS (SELECT 1 FROM access_policy.kind_actions ka
							WHERE ka.kind = s.kind AND ka.action = act
							  AND ka.permission <> ALL (s.perms)));
END;
$$;
COMMENT ON FUNCTION ap_ref.resources_allowing(text, bigint, text, timestamptz) IS
'reference of access_policy.resources_allowing(): sorted ids of the resources at or below root allowing the action';

-- The reference reads the policy tables directly: it is for superusers and
-- test roles only.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ap_ref FROM PUBLIC;

COMMIT;
