/* sql/upgrade--0.2.0.sql -- first part of the upgrade script from 0.2.0: drops what 0.3.0 defines again */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION access_policy UPDATE" to load this file. \quit

/*
 * Functions that 0.3.0 changes are dropped here and created again from their
 * parts (REDEFINED_0_2_0 in the Makefile); sql/upgrade--0.2.0-post.sql
 * restores their grants and whatever depended on them.
 */

-- a trigger and a view depend on two of them: sql/upgrade--0.2.0-post.sql creates them again
DROP TRIGGER notify ON @extschema@.support_settings;
DROP TRIGGER notify ON @extschema@.support_overrides;
DROP VIEW @extschema@.support_access_status;

DROP FUNCTION @extschema@._require(bigint, text);
DROP FUNCTION @extschema@._require_role_perms(bigint, bigint);
DROP FUNCTION @extschema@.create_org(text, bigint, bigint);
DROP FUNCTION @extschema@.move_org(bigint, bigint);
DROP FUNCTION @extschema@.delete_org(bigint, boolean);
DROP FUNCTION @extschema@.create_role(bigint, text, text[], text);
DROP FUNCTION @extschema@.set_role_permissions(bigint, text[]);
DROP FUNCTION @extschema@.delete_role(bigint, boolean);
DROP FUNCTION @extschema@.assign_role(text, bigint, text, timestamptz, timestamptz);
DROP FUNCTION @extschema@.set_assignment(bigint, boolean, timestamptz, timestamptz);
DROP FUNCTION @extschema@.effective_resource_permissions(bigint, text);
DROP FUNCTION @extschema@.explain_resource(text, bigint, text);
DROP FUNCTION @extschema@.who_can_resource(text, bigint);
DROP FUNCTION @extschema@.protect_table(regclass, name, text, text, name, boolean);
DROP FUNCTION @extschema@._support_notify();
DROP FUNCTION @extschema@._require_support_manager(bigint);
DROP FUNCTION @extschema@.set_support_access(bigint, text, text, text, timestamptz, boolean);
DROP FUNCTION @extschema@.override_support_access(bigint, text, text, interval);
DROP FUNCTION @extschema@._support_row(bigint);
DROP FUNCTION @extschema@.my_support_orgs();
DROP FUNCTION @extschema@.support_statuses();
DROP FUNCTION @extschema@._require_member_perms(bigint, text);
DROP FUNCTION @extschema@._guard_last_admin(bigint, text, text);
DROP FUNCTION @extschema@.access_graph(bigint, integer);

-- temporary tables can no longer be protected: forget those (and rows of
-- tables dropped since, which a temporary table leaves behind at session end)
DELETE FROM @extschema@.protected_tables p
 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = p.relid AND c.relpersistence <> 't');

CREATE FUNCTION @extschema@._require(org bigint, permission text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF @extschema@._is_system() THEN
		RETURN;
	END IF;
	IF @extschema@.current_user_id() IS NULL THEN
		RAISE EXCEPTION 'no access_policy user is acting'
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'Call access_policy.set_user() first, or map this login role with access_policy.map_login().';
	END IF;
	IF org IS NOT NULL AND @extschema@._holds(org, permission) THEN
		RETURN;
	END IF;
	-- an org the user cannot see is not named: a refusal says nothing about it
	IF org IS NULL OR NOT @extschema@.can(org, 'settings.view') THEN
		RAISE EXCEPTION 'permission denied: %', permission
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'The target does not exist or is not in an org you may act on.';
	END IF;
	IF @extschema@.can(org, permission) THEN
		RAISE EXCEPTION 'permission denied: % at org %', permission, org
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = pg_catalog.format('User %s has %s at org %s through support access only.',
											 @extschema@.current_user_id(), permission, org),
				  HINT = 'Support access works on tenant data; administration needs a role held at the org or above it.';
	END IF;
	RAISE EXCEPTION 'permission denied: % at org %', permission, org
		USING ERRCODE = 'insufficient_privilege',
			  DETAIL = pg_catalog.format('User %s does not hold %s at org %s or at any org above it.',
										 @extschema@.current_user_id(), permission, org);
END;
$$;

COMMENT ON FUNCTION @extschema@._require(bigint, text) IS 'internal: raises unless the acting user holds permission at org through a role';
CREATE FUNCTION @extschema@._holds(org bigint, permission text)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	/*
	 * What administration counts: permissions the acting user holds at the
	 * org through an active role assignment there or above it.  Support
	 * access and vendor overrides are left out on purpose: what they give
	 * works on tenant data and ends with them, so it may create nothing that
	 * outlives them (assignments, grants, orgs, moves, roles).
	 */
	RETURN EXISTS (SELECT 1 FROM @extschema@._org_paths(@extschema@.current_user_id(), org) p
					WHERE p.active AND p.permission = _holds.permission);
END;
$$;

COMMENT ON FUNCTION @extschema@._holds(bigint, text) IS 'internal: does the acting user hold permission at org through an active role assignment (support access not counted)?';
CREATE FUNCTION @extschema@._require_role_perms(org bigint, role bigint)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	lacking text;
BEGIN
	IF @extschema@._is_system() THEN
		RETURN;
	END IF;
	SELECT rp.permission INTO lacking
	  FROM @extschema@.role_permissions rp
	 WHERE rp.role_id = role AND NOT @extschema@._holds(org, rp.permission)
	 ORDER BY rp.permission LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'permission denied: cannot grant a role carrying % which you do not hold at org %', lacking, org
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'Nobody can hand out permissions they do not hold themselves.';
	END IF;
END;
$$;

COMMENT ON FUNCTION @extschema@._require_role_perms(bigint, bigint) IS 'internal: no one grants permissions they lack';
CREATE FUNCTION @extschema@.create_org(name text, parent_id bigint DEFAULT NULL, id bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	new_id bigint;
	me text := @extschema@.current_user_id();
BEGIN
	IF parent_id IS NOT NULL THEN
		PERFORM @extschema@._require(parent_id, 'org.manage');
		PERFORM @extschema@._org_exists(parent_id);
	ELSIF me IS NULL AND NOT @extschema@._is_system() THEN
		RAISE EXCEPTION 'no access_policy user is acting'
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'Call access_policy.set_user() first, or map this login role with access_policy.map_login().';
	END IF;
	-- an id of the caller's choosing could be one a deleted org had, whose
	-- tenant rows (in tables nobody protected) would come back to the caller
	IF id IS NOT NULL AND NOT @extschema@._is_system() THEN
		RAISE EXCEPTION 'only a superuser acting as no user may choose an org id'
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'Leave id NULL: the id comes from the sequence.  Explicit ids are for migrations and restores.';
	END IF;
	IF id IS NULL THEN
		INSERT INTO @extschema@.orgs (name, parent_id, created_by)
		VALUES (create_org.name, create_org.parent_id, me) RETURNING orgs.id INTO new_id;
	ELSE
		INSERT INTO @extschema@.orgs (id, name, parent_id, created_by)
		VALUES (create_org.id, create_org.name, create_org.parent_id, me) RETURNING orgs.id INTO new_id;
	END IF;
	-- whoever creates a top-level org administers it
	IF parent_id IS NULL AND me IS NOT NULL THEN
		INSERT INTO @extschema@.assignments (user_id, org_id, role_id, added_by)
		VALUES (me, new_id, 1, me);
	END IF;
	RETURN new_id;
EXCEPTION
	WHEN unique_violation THEN
		RAISE EXCEPTION 'org id % already exists', COALESCE(id::text, '(from the sequence)')
			USING ERRCODE = 'unique_violation',
				  HINT = 'Explicit org ids can collide with the id sequence; choose unused ids or move the sequence past them with setval().';
	WHEN check_violation OR not_null_violation THEN
		RAISE EXCEPTION 'invalid org name "%"', name
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'An org name is 1 to 200 characters.';
END;
$$;

COMMENT ON FUNCTION @extschema@.create_org(text, bigint, bigint) IS
'create an org; a child needs org.manage at the parent; the creator of a top-level org becomes its Admin; an explicit id only for a superuser acting as no user';
CREATE FUNCTION @extschema@.move_org(org_id bigint, new_parent_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	old_parent bigint;
	lacking text;
	level_before text;
	new_override boolean;
	may_open_support boolean;
	checked boolean;
BEGIN
	SELECT o.parent_id INTO old_parent FROM @extschema@.orgs o WHERE o.id = org_id;
	-- leaving a parent needs the parent's consent; joining one needs the new parent's
	PERFORM @extschema@._require(COALESCE(old_parent, org_id), 'org.manage');
	PERFORM @extschema@._org_exists(org_id);
	IF new_parent_id IS NOT NULL THEN
		PERFORM @extschema@._require(new_parent_id, 'org.manage');
		PERFORM @extschema@._org_exists(new_parent_id);
	END IF;
	-- a move under the org itself or below it fails as a cycle (org_guard), whoever asks
	checked := new_parent_id IS NOT NULL AND NOT @extschema@._is_system()
			   AND NOT @extschema@._org_is_descendant(new_parent_id, org_id);
	IF checked THEN
		/*
		 * A move hands the org's subtree to whoever holds roles above its
		 * new place.  Nobody may give what they do not hold: the mover must
		 * hold at the org every permission that a role assigned at a new
		 * ancestor carries (in any state: a disabled or future assignment
		 * can come back), so what they gain there comes through the mover.
		 */
		WITH new_above AS (
			SELECT c.org_id FROM @extschema@._org_chain(new_parent_id) c
			EXCEPT
			SELECT c.org_id FROM @extschema@._org_chain(move_org.org_id) c
		), carried AS (
			SELECT DISTINCT rp.permission
			  FROM new_above n
			  JOIN @extschema@.assignments a ON a.org_id = n.org_id
			  JOIN @extschema@.role_permissions rp ON rp.role_id = a.role_id
		)
		SELECT c.permission INTO lacking
		  FROM carried c
		 WHERE NOT @extschema@._holds(move_org.org_id, c.permission)
		 ORDER BY c.permission
		 LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'permission denied: moving org % under org % would give % there, which you do not hold', org_id, new_parent_id, lacking
				USING ERRCODE = 'insufficient_privilege',
					  DETAIL = 'Roles assigned above the new place apply to the moved org and everything below it.',
					  HINT = 'The move needs someone who holds at the org every permission those roles carry.';
		END IF;
		-- support access inherited from the new place, or a vendor override there, may open the subtree
		level_before := @extschema@._support_customer_level(move_org.org_id);
		SELECT EXISTS (SELECT 1 FROM @extschema@._org_chain(new_parent_id) c
						 JOIN @extschema@.support_overrides so ON so.org_id = c.org_id
						WHERE so.expires_at > pg_catalog.statement_timestamp()
						  AND c.org_id NOT IN (SELECT x.org_id FROM @extschema@._org_chain(move_org.org_id) x))
		  INTO new_override;
		may_open_support := @extschema@._holds(move_org.org_id, 'support.manage');
	END IF;
	UPDATE @extschema@.orgs o SET parent_id = new_parent_id WHERE o.id = org_id;
	IF checked AND NOT may_open_support
	   AND (new_override
			OR @extschema@._support_rank(@extschema@._support_customer_level(move_org.org_id))
			   > @extschema@._support_rank(level_before)) THEN
		RAISE EXCEPTION 'permission denied: moving org % under org % would open it wider to support', org_id, new_parent_id
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'The org would inherit a higher support access level (or a vendor override) from its new place.',
				  HINT = 'The move needs support.manage at the org, or set the org''s own support access level first.';
	END IF;
EXCEPTION
	WHEN check_violation THEN
		RAISE EXCEPTION 'moving org % under org % would create a cycle', org_id, new_parent_id
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'An org cannot be its own parent.';
END;
$$;

COMMENT ON FUNCTION @extschema@.move_org(bigint, bigint) IS
're-parent an org (NULL makes it a root); needs org.manage at the old and the new parent and, under a new parent, every permission that roles assigned above the new place carry (and support.manage if the org would inherit wider support access); cycles are refused';
CREATE FUNCTION @extschema@.delete_org(org_id bigint, cascade boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	subtree bigint[];
	what text;
	t record;
	n bigint;
BEGIN
	PERFORM @extschema@._require(org_id, 'org.delete');
	PERFORM @extschema@._org_exists(org_id);
	PERFORM 1 FROM @extschema@.orgs o WHERE o.id = org_id FOR UPDATE;
	WITH RECURSIVE down(id) AS (
		SELECT delete_org.org_id
		UNION ALL
		SELECT o.id FROM @extschema@.orgs o JOIN down ON o.parent_id = down.id
	)
	SELECT pg_catalog.array_agg(id) INTO subtree FROM down;

	IF NOT cascade THEN
		what := CASE
			WHEN pg_catalog.array_length(subtree, 1) > 1 THEN 'child orgs'
			WHEN EXISTS (SELECT 1 FROM @extschema@.assignments a WHERE a.org_id = delete_org.org_id) THEN 'role assignments'
			WHEN EXISTS (SELECT 1 FROM @extschema@.roles r WHERE r.org_id = delete_org.org_id) THEN 'custom roles'
			WHEN EXISTS (SELECT 1 FROM @extschema@.resources r WHERE r.org_id = delete_org.org_id) THEN 'resources'
			WHEN EXISTS (SELECT 1 FROM @extschema@.resource_grants g WHERE g.authorized_org_id = delete_org.org_id) THEN 'resource grants naming it'
		END;
		IF what IS NULL THEN
			FOR t IN SELECT p.relid, p.org_column FROM @extschema@.protected_tables p ORDER BY p.relid LOOP
				n := @extschema@._tenant_rows(t.relid, t.org_column, ARRAY[org_id], false);
				IF n > 0 THEN
					what := pg_catalog.format('%s row(s) in %s', n, t.relid);
					EXIT;
				END IF;
			END LOOP;
		END IF;
		IF what IS NOT NULL THEN
			RAISE EXCEPTION 'org % still has %', org_id, what
				USING ERRCODE = 'dependent_objects_still_exist',
					  HINT = 'Delete them first, or call access_policy.delete_org(org_id, cascade => true).';
		END IF;
	END IF;

	/*
	 * Tenant rows go first.  A tenant table belongs to its owner, who may have
	 * put triggers or rules on it: _tenant_rows() works on it as that owner
	 * under SECURITY_RESTRICTED_OPERATION, never with this function's rights,
	 * and skips (with a warning) a table that is no longer a protected table.
	 */
	FOR t IN SELECT p.relid, p.org_column FROM @extschema@.protected_tables p ORDER BY p.relid LOOP
		PERFORM @extschema@._tenant_rows(t.relid, t.org_column, subtree, true);
	END LOOP;
	DELETE FROM @extschema@.resource_grants g WHERE g.org_id = ANY (subtree) OR g.authorized_org_id = ANY (subtree);
	-- children before parents
	WITH RECURSIVE r(id, depth) AS (
		SELECT x.id, 0 FROM @extschema@.resources x WHERE x.org_id = ANY (subtree) AND x.parent_id IS NULL
		UNION ALL
		SELECT x.id, r.depth + 1 FROM @extschema@.resources x JOIN r ON x.parent_id = r.id
	)
	SELECT pg_catalog.array_agg(id ORDER BY depth DESC) INTO subtree FROM (SELECT id, depth FROM r) s;
	IF subtree IS NOT NULL THEN
		FOR n IN SELECT unnest(subtree) LOOP
			DELETE FROM @extschema@.resources x WHERE x.id = n;
		END LOOP;
	END IF;
	WITH RECURSIVE down(id, depth) AS (
		SELECT delete_org.org_id, 0
		UNION ALL
		SELECT o.id, down.depth + 1 FROM @extschema@.orgs o JOIN down ON o.parent_id = down.id
	)
	SELECT pg_catalog.array_agg(id ORDER BY depth DESC) INTO subtree FROM down;
	DELETE FROM @extschema@.assignments a WHERE a.org_id = ANY (subtree);
	DELETE FROM @extschema@.assignments a USING @extschema@.roles r WHERE a.role_id = r.id AND r.org_id = ANY (subtree);
	DELETE FROM @extschema@.roles r WHERE r.org_id = ANY (subtree);
	FOR n IN SELECT unnest(subtree) LOOP
		DELETE FROM @extschema@.orgs o WHERE o.id = n;
	END LOOP;
END;
$$;

COMMENT ON FUNCTION @extschema@.delete_org(bigint, boolean) IS
'delete an org (org.delete there); refused while it has children or data unless cascade => true, which deletes its whole subtree and the rows of protected tables in it';
CREATE FUNCTION @extschema@.create_role(org_id bigint, name text, permissions text[], description text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	rid bigint;
	p text;
BEGIN
	IF org_id IS NULL THEN
		PERFORM @extschema@._require_system('create built-in roles');
	ELSE
		PERFORM @extschema@._require(org_id, 'roles.manage');
		PERFORM @extschema@._org_exists(org_id);
	END IF;
	PERFORM @extschema@._check_permissions_exist(permissions);
	-- a custom role named like a built-in one would shadow it in every org below
	IF EXISTS (SELECT 1 FROM @extschema@.roles r
				WHERE r.org_id IS NULL AND pg_catalog.lower(r.name) = pg_catalog.lower(create_role.name)) THEN
		RAISE EXCEPTION 'role name "%" is reserved for a built-in role', name
			USING ERRCODE = 'reserved_name',
				  HINT = 'Choose another name; built-in roles are Admin, Editor and Viewer.';
	END IF;
	IF NOT @extschema@._is_system() THEN
		FOREACH p IN ARRAY permissions LOOP
			IF NOT @extschema@._holds(org_id, p) THEN
				RAISE EXCEPTION 'permission denied: cannot create a role carrying % which you do not hold at org %', p, org_id
					USING ERRCODE = 'insufficient_privilege',
						  HINT = 'Nobody can hand out permissions they do not hold themselves.';
			END IF;
		END LOOP;
	END IF;
	INSERT INTO @extschema@.roles (name, org_id, description)
	VALUES (create_role.name, create_role.org_id, create_role.description) RETURNING id INTO rid;
	INSERT INTO @extschema@.role_permissions (role_id, permission)
	SELECT DISTINCT rid, x FROM unnest(permissions) AS x;
	RETURN rid;
EXCEPTION
	WHEN unique_violation THEN
		RAISE EXCEPTION 'role "%" already exists in org %', name, org_id USING ERRCODE = 'duplicate_object';
	WHEN check_violation OR not_null_violation THEN
		RAISE EXCEPTION 'invalid role name "%"', name
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A role name is 1 to 100 characters.';
END;
$$;

COMMENT ON FUNCTION @extschema@.create_role(bigint, text, text[], text) IS
'define a custom role in an org (roles.manage there; only permissions you hold yourself)';
CREATE FUNCTION @extschema@.set_role_permissions(role_id bigint, permissions text[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	role_org bigint;
	p text;
BEGIN
	SELECT r.org_id INTO role_org FROM @extschema@.roles r WHERE r.id = role_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'role % does not exist', role_id USING ERRCODE = 'undefined_object';
	END IF;
	IF role_org IS NULL THEN
		PERFORM @extschema@._require_system('change built-in roles');
	ELSE
		PERFORM @extschema@._require(role_org, 'roles.manage');
		IF NOT @extschema@._is_system() THEN
			FOREACH p IN ARRAY permissions LOOP
				IF NOT @extschema@._holds(role_org, p) THEN
					RAISE EXCEPTION 'permission denied: cannot give a role % which you do not hold at org %', p, role_org
						USING ERRCODE = 'insufficient_privilege';
				END IF;
			END LOOP;
			-- taking a permission away is handing it out in reverse: same rule
			SELECT rp.permission INTO p
			  FROM @extschema@.role_permissions rp
			 WHERE rp.role_id = set_role_permissions.role_id AND rp.permission <> ALL (permissions)
			   AND NOT @extschema@._holds(role_org, rp.permission)
			 ORDER BY rp.permission LIMIT 1;
			IF FOUND THEN
				RAISE EXCEPTION 'permission denied: cannot take % from a role, which you do not hold at org %', p, role_org
					USING ERRCODE = 'insufficient_privilege',
						  HINT = 'Nobody can take away permissions they do not hold themselves.';
			END IF;
		END IF;
	END IF;
	PERFORM @extschema@._check_permissions_exist(permissions);
	DELETE FROM @extschema@.role_permissions rp
	 WHERE rp.role_id = set_role_permissions.role_id AND rp.permission <> ALL (permissions);
	INSERT INTO @extschema@.role_permissions (role_id, permission)
	SELECT DISTINCT set_role_permissions.role_id, x FROM unnest(permissions) AS x
	ON CONFLICT DO NOTHING;
END;
$$;

COMMENT ON FUNCTION @extschema@.set_role_permissions(bigint, text[]) IS
'replace the permission set of a role (roles.manage at its org; built-in roles: superuser)';
CREATE FUNCTION @extschema@.delete_role(role_id bigint, cascade boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	role_org bigint;
BEGIN
	SELECT r.org_id INTO role_org FROM @extschema@.roles r WHERE r.id = role_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'role % does not exist', role_id USING ERRCODE = 'undefined_object';
	END IF;
	IF role_org IS NULL THEN
		PERFORM @extschema@._require_system('delete built-in roles');
	ELSE
		PERFORM @extschema@._require(role_org, 'roles.manage');
		-- deleting a role takes all its permissions away from its holders
		PERFORM @extschema@._require_role_perms(role_org, role_id);
	END IF;
	IF NOT cascade AND (EXISTS (SELECT 1 FROM @extschema@.assignments a WHERE a.role_id = delete_role.role_id)
						OR EXISTS (SELECT 1 FROM @extschema@.resource_grants g WHERE g.role_id = delete_role.role_id)
						OR EXISTS (SELECT 1 FROM @extschema@.invitations i
									WHERE i.role_id = delete_role.role_id AND i.accepted_at IS NULL
									  AND i.revoked_at IS NULL AND i.expires_at > statement_timestamp())) THEN
		RAISE EXCEPTION 'role % is still assigned, granted or offered in a pending invitation', role_id
			USING ERRCODE = 'dependent_objects_still_exist',
				  HINT = 'Revoke it first, or call access_policy.delete_role(role_id, cascade => true).';
	END IF;
	DELETE FROM @extschema@.assignments a WHERE a.role_id = delete_role.role_id;
	DELETE FROM @extschema@.resource_grants g WHERE g.role_id = delete_role.role_id;
	DELETE FROM @extschema@.roles r WHERE r.id = role_id;
END;
$$;

COMMENT ON FUNCTION @extschema@.delete_role(bigint, boolean) IS
'delete a role; refused while assigned or granted unless cascade => true';
CREATE FUNCTION @extschema@.assign_role(user_id text, org_id bigint, role text,
										expires_at timestamptz DEFAULT NULL,
										valid_from timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	rid bigint;
	aid bigint;
BEGIN
	PERFORM @extschema@._require(org_id, 'members.manage');
	PERFORM @extschema@._org_exists(org_id);
	IF assign_role.user_id = @extschema@.current_user_id() THEN
		-- a time-limited manager could otherwise make what they hold permanent
		RAISE EXCEPTION 'you cannot assign a role to yourself'
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'Ask another member who manages the team.';
	END IF;
	rid := @extschema@._resolve_role(org_id, role);
	PERFORM @extschema@._require_role_perms(org_id, rid);
	IF expires_at IS NOT NULL AND expires_at <= pg_catalog.statement_timestamp() THEN
		RAISE EXCEPTION 'expiry % is not in the future', expires_at
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	INSERT INTO @extschema@.assignments (user_id, org_id, role_id, valid_from, expires_at, added_by)
	VALUES (assign_role.user_id, assign_role.org_id, rid,
			COALESCE(assign_role.valid_from, '-infinity'), COALESCE(assign_role.expires_at, 'infinity'),
			@extschema@.current_user_id())
	RETURNING id INTO aid;
	RETURN aid;
EXCEPTION
	WHEN unique_violation THEN
		RAISE EXCEPTION 'user "%" already holds role "%" at org %', user_id, role, org_id
			USING ERRCODE = 'unique_violation',
				  HINT = 'Use access_policy.set_assignment() to change it.';
	WHEN foreign_key_violation THEN
		RAISE EXCEPTION 'user "%" does not exist', user_id USING ERRCODE = 'undefined_object';
	WHEN check_violation THEN
		RAISE EXCEPTION 'valid_from % is not before expires_at %', valid_from, expires_at
			USING ERRCODE = 'invalid_parameter_value';
END;
$$;

COMMENT ON FUNCTION @extschema@.assign_role(text, bigint, text, timestamptz, timestamptz) IS
'give a user a role at an org and below (members.manage there; only roles whose permissions you hold); NULL expiry means permanent';
CREATE FUNCTION @extschema@.set_assignment(assignment_id bigint, enabled boolean DEFAULT NULL,
										   expires_at timestamptz DEFAULT NULL,
										   valid_from timestamptz DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	a record;
BEGIN
	SELECT * INTO a FROM @extschema@.assignments x WHERE x.id = assignment_id FOR UPDATE;
	PERFORM @extschema@._require(a.org_id, 'members.manage');
	IF a.id IS NULL THEN
		RAISE EXCEPTION 'assignment % does not exist', assignment_id USING ERRCODE = 'undefined_object';
	END IF;
	IF a.user_id = @extschema@.current_user_id() THEN
		RAISE EXCEPTION 'you cannot change your own assignment'
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'Ask another member who manages the team.';
	END IF;
	PERFORM @extschema@._require_role_perms(a.org_id, a.role_id);
	-- anything that shortens an Admin's tenure: disabling, an earlier end, a later start
	IF a.role_id = 1 AND ((a.enabled AND NOT COALESCE(set_assignment.enabled, a.enabled))
						  OR COALESCE(set_assignment.expires_at, a.expires_at) < a.expires_at
						  OR COALESCE(set_assignment.valid_from, a.valid_from) > GREATEST(a.valid_from, statement_timestamp())) THEN
		-- an org keeps at least one enabled Admin (team management)
		PERFORM @extschema@._lock_member(a.org_id, a.user_id);
		PERFORM @extschema@._guard_last_admin(a.org_id, a.user_id, 'disable, limit or expire');
	END IF;
	UPDATE @extschema@.assignments x
	   SET enabled = COALESCE(set_assignment.enabled, x.enabled),
		   expires_at = COALESCE(set_assignment.expires_at, x.expires_at),
		   valid_from = COALESCE(set_assignment.valid_from, x.valid_from)
	 WHERE x.id = assignment_id;
EXCEPTION
	WHEN check_violation THEN
		RAISE EXCEPTION 'valid_from is not before expires_at'
			USING ERRCODE = 'invalid_parameter_value';
END;
$$;

COMMENT ON FUNCTION @extschema@.set_assignment(bigint, boolean, timestamptz, timestamptz) IS
'enable or disable an assignment or change its validity window (NULL leaves a field as it is; ''infinity'' makes it permanent)';
CREATE FUNCTION @extschema@._may_see(org bigint, subject text)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	/*
	 * Whether introspection may show that subject holds a role at org: your
	 * own roles, or an org whose member list you may read (settings.view, as
	 * the members view).  A resource grant can name any org, so a path
	 * through it must not reveal the members of an org you cannot see.
	 */
	RETURN subject = @extschema@.current_user_id() OR @extschema@._is_system()
		   OR @extschema@.can(org, 'settings.view');
END;
$$;

COMMENT ON FUNCTION @extschema@._may_see(bigint, text) IS
'internal: may introspection show a role subject holds at org (their own, or an org whose members the acting user may see)?';
CREATE FUNCTION @extschema@.effective_resource_permissions(resource_id bigint, user_id text DEFAULT NULL)
RETURNS TABLE (permission text, source text, role_name text, held_at_org bigint, granted_on bigint,
			   authorized_org bigint, expires_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	subject text := @extschema@._subject((SELECT r.org_id FROM @extschema@.resources r WHERE r.id = resource_id), user_id);
BEGIN
	RETURN QUERY
	SELECT x.permission, x.source, x.role_name, x.held_at, x.granted_on, x.authorized_org, x.expires_at
	  FROM (SELECT p.permission, p.source, p.role_name, p.held_at, p.granted_on, p.authorized_org, p.expires_at
			  FROM @extschema@._resource_paths(subject, resource_id) p
			 WHERE p.active AND (p.source = 'org' OR @extschema@._may_see(p.held_at, subject))
			UNION ALL
			SELECT s.permission, 'support', format('support access (%s, %s)', s.level, s.source), s.source_org_id,
				   NULL::bigint, NULL::bigint, s.expires_at
			  FROM @extschema@.resources r, @extschema@._support_paths(subject, r.org_id) s
			 WHERE r.id = resource_id) x
	 ORDER BY x.permission, x.source DESC, x.granted_on, x.role_name;
END;
$$;

COMMENT ON FUNCTION @extschema@.effective_resource_permissions(bigint, text) IS
'permissions a user (default: the current one) holds on a resource, each with where it comes from and until when';
CREATE FUNCTION @extschema@.explain_resource(permission text, resource_id bigint, user_id text DEFAULT NULL)
RETURNS TABLE (allowed boolean, path text, expires_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	subject text := @extschema@._subject((SELECT r.org_id FROM @extschema@.resources r WHERE r.id = resource_id), user_id);
	found_any boolean := false;
BEGIN
	PERFORM @extschema@._check_permissions_exist(ARRAY[permission]);
	FOR allowed, path, expires_at IN
		SELECT p.active,
			   CASE WHEN p.source = 'org'
					THEN format('%s holds %s at org %s, whose resources include %s (assignment %s)%s',
								subject, p.role_name, p.held_at, resource_id, p.assignment_id,
								COALESCE(': ' || p.inactive_reason, ''))
					ELSE format('grant %s gives %s held at org %s on resource %s%s; %s holds %s at org %s (assignment %s)%s',
								p.grant_id, p.role_name, p.authorized_org, p.granted_on,
								CASE WHEN p.granted_on = resource_id THEN '' ELSE format(', above %s', resource_id) END,
								subject, p.role_name, p.held_at, p.assignment_id,
								COALESCE(': ' || p.inactive_reason, '')) END,
			   p.expires_at
		  FROM @extschema@._resource_paths(subject, resource_id) p
		 WHERE p.permission = explain_resource.permission
		   AND (p.source = 'org' OR @extschema@._may_see(p.held_at, subject))
		 ORDER BY p.active DESC, p.source DESC, p.granted_on, p.role_name, p.held_at, p.assignment_id
	LOOP
		found_any := found_any OR allowed;
		RETURN NEXT;
	END LOOP;
	FOR allowed, path, expires_at IN
		SELECT true,
			   format('%s is support staff and org %s, whose resources include %s, has %s support access (%s%s)',
					  subject, r.org_id, resource_id, s.level, s.source, COALESCE(', set on org ' || s.source_org_id, '')),
			   s.expires_at
		  FROM @extschema@.resources r, @extschema@._support_paths(subject, r.org_id) s
		 WHERE r.id = resource_id AND s.permission = explain_resource.permission
	LOOP
		found_any := true;
		RETURN NEXT;
	END LOOP;
	IF NOT found_any THEN
		allowed := false;
		expires_at := NULL;
		path := CASE
			WHEN subject IS NULL THEN 'no user is acting'
			WHEN NOT EXISTS (SELECT 1 FROM @extschema@.resources r WHERE r.id = resource_id) THEN format('resource %s does not exist', COALESCE(resource_id::text, 'NULL'))
			WHEN subject = @extschema@.current_user_id() OR @extschema@._is_system()
			THEN format('%s holds %s neither in the org of resource %s nor through a grant on it or above it', subject, permission, resource_id)
			-- grants can name any org: paths through orgs whose members the asker may not see are left out
			ELSE format('%s holds %s neither in the org of resource %s nor through a grant on it or above it that names an org whose members you may see', subject, permission, resource_id) END;
		RETURN NEXT;
	END IF;
END;
$$;

COMMENT ON FUNCTION @extschema@.explain_resource(text, bigint, text) IS
'why a user has or lacks a permission on a resource: org path or grant path, with expiry';
CREATE FUNCTION @extschema@.who_can_resource(permission text, resource_id bigint)
RETURNS TABLE (user_id text, source text, role_name text, held_at_org bigint, expires_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	res_org bigint;
BEGIN
	SELECT r.org_id INTO res_org FROM @extschema@.resources r WHERE r.id = resource_id;
	-- permission first: an unknown id is denied like a foreign one, so ids do not leak
	PERFORM @extschema@._require(res_org, 'members.manage');
	IF res_org IS NULL THEN
		RAISE EXCEPTION 'resource % does not exist', resource_id USING ERRCODE = 'undefined_object';
	END IF;
	PERFORM @extschema@._check_permissions_exist(ARRAY[permission]);
	RETURN QUERY
	SELECT DISTINCT ON (u.id, p.source, p.role_name, p.held_at) u.id, p.source, p.role_name, p.held_at, p.expires_at
	  FROM @extschema@.users u, @extschema@._resource_paths(u.id, resource_id) p
	 WHERE p.active AND p.permission = who_can_resource.permission
	   AND (p.source = 'org' OR @extschema@._may_see(p.held_at, u.id))
	 ORDER BY u.id, p.source, p.role_name, p.held_at, p.expires_at DESC;
END;
$$;

COMMENT ON FUNCTION @extschema@.who_can_resource(text, bigint) IS
'every user who holds a permission on a resource, through the org or a grant (members.manage in the resource''s org)';
CREATE FUNCTION @extschema@.protect_table(tbl regclass, org_column name,
										  read_permission text, write_permission text,
										  resource_column name DEFAULT NULL,
										  force boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	owner_oid oid;
	kind "char";
	persistence "char";
	coltype regtype;
	read_expr text;
	write_expr text;
	pol name;
BEGIN
	SELECT c.relowner, c.relkind, c.relpersistence INTO owner_oid, kind, persistence FROM pg_catalog.pg_class c WHERE c.oid = tbl;
	IF kind = 'p' THEN
		RAISE EXCEPTION 'cannot protect partitioned table %', tbl
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = 'Policies on a partitioned table do not apply when a partition is queried directly.',
				  HINT = 'Protect each partition with access_policy.protect_table().';
	END IF;
	IF kind IS NULL OR kind <> 'r' THEN
		RAISE EXCEPTION '"%" is not a table', tbl USING ERRCODE = 'wrong_object_type';
	END IF;
	IF persistence = 't' THEN
		-- a temporary table lives in one session: nothing another session could act on
		RAISE EXCEPTION 'cannot protect temporary table %', tbl
			USING ERRCODE = 'wrong_object_type',
				  HINT = 'Protect a permanent (or unlogged) table.';
	END IF;
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_class c
				WHERE c.oid = tbl AND c.relnamespace = '@extschema@'::regnamespace) THEN
		RAISE EXCEPTION 'cannot protect a table of the access_policy schema' USING ERRCODE = 'wrong_object_type';
	END IF;
	IF NOT pg_catalog.pg_has_role(@extschema@._outer_role(), owner_oid, 'USAGE') THEN
		RAISE EXCEPTION 'must be owner of table %', tbl USING ERRCODE = 'insufficient_privilege';
	END IF;
	PERFORM @extschema@._check_permissions_exist(ARRAY[read_permission, write_permission]);
	SELECT a.atttypid INTO coltype FROM pg_catalog.pg_attribute a
	 WHERE a.attrelid = tbl AND a.attname = org_column AND a.attnum > 0 AND NOT a.attisdropped;
	IF coltype IS NULL THEN
		RAISE EXCEPTION 'column "%" of table % does not exist', org_column, tbl USING ERRCODE = 'undefined_column';
	ELSIF coltype <> 'bigint'::regtype THEN
		RAISE EXCEPTION 'org column "%" of table % has type %, not bigint', org_column, tbl, coltype
			USING ERRCODE = 'datatype_mismatch',
				  HINT = 'Org ids are bigint; an index on a bigint column lets the policy use index scans.';
	END IF;
	IF resource_column IS NOT NULL THEN
		coltype := NULL;
		SELECT a.atttypid INTO coltype FROM pg_catalog.pg_attribute a
		 WHERE a.attrelid = tbl AND a.attname = resource_column AND a.attnum > 0 AND NOT a.attisdropped;
		IF coltype IS NULL THEN
			RAISE EXCEPTION 'column "%" of table % does not exist', resource_column, tbl USING ERRCODE = 'undefined_column';
		ELSIF coltype <> 'bigint'::regtype THEN
			RAISE EXCEPTION 'resource column "%" of table % has type %, not bigint', resource_column, tbl, coltype
				USING ERRCODE = 'datatype_mismatch';
		END IF;
		read_expr := format('@extschema@.can_row(%I, %I, %L)', org_column, resource_column, read_permission);
		write_expr := format('@extschema@.can_row(%I, %I, %L)', org_column, resource_column, write_permission);
	ELSE
		read_expr := format('@extschema@.can(%I, %L)', org_column, read_permission);
		write_expr := format('@extschema@.can(%I, %L)', org_column, write_permission);
	END IF;

	-- calling again replaces the policies this function created before
	FOR pol IN SELECT p.polname FROM pg_catalog.pg_policy p
				WHERE p.polrelid = tbl AND p.polname IN ('access_policy_select', 'access_policy_insert',
														 'access_policy_update', 'access_policy_delete')
	LOOP
		EXECUTE format('DROP POLICY %I ON %s', pol, tbl);
	END LOOP;
	EXECUTE format('CREATE POLICY access_policy_select ON %s FOR SELECT USING (%s)', tbl, read_expr);
	EXECUTE format('CREATE POLICY access_policy_insert ON %s FOR INSERT WITH CHECK (%s)', tbl, write_expr);
	EXECUTE format('CREATE POLICY access_policy_update ON %s FOR UPDATE USING (%s) WITH CHECK (%s)', tbl, write_expr, write_expr);
	EXECUTE format('CREATE POLICY access_policy_delete ON %s FOR DELETE USING (%s)', tbl, write_expr);
	EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
	-- permissive policies are OR-ed: another one can open what ours close
	FOR pol IN SELECT p.polname FROM pg_catalog.pg_policy p
				WHERE p.polrelid = tbl AND p.polpermissive AND p.polname NOT LIKE 'access\_policy\_%'
	LOOP
		RAISE WARNING 'table % has another permissive policy "%"', tbl, pol
			USING DETAIL = 'Permissive policies are combined with OR: rows it admits are visible whatever access_policy decides.',
				  HINT = 'Drop it, or make it AS RESTRICTIVE.';
	END LOOP;
	IF force THEN
		EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
	ELSE
		EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', tbl);
	END IF;

	INSERT INTO @extschema@.protected_tables AS p (relid, org_column, resource_column, read_permission, write_permission, forced)
	VALUES (tbl, org_column, resource_column, read_permission, write_permission, force)
	ON CONFLICT ON CONSTRAINT protected_tables_pkey DO UPDATE
	   SET org_column = EXCLUDED.org_column, resource_column = EXCLUDED.resource_column,
		   read_permission = EXCLUDED.read_permission, write_permission = EXCLUDED.write_permission,
		   forced = EXCLUDED.forced;
END;
$$;

COMMENT ON FUNCTION @extschema@.protect_table(regclass, name, text, text, name, boolean) IS
'protect a tenant table: RLS policies for SELECT (read permission) and INSERT/UPDATE/DELETE (write permission) on its org column; call again to change them';
CREATE FUNCTION @extschema@._support_notify()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r record;
	action text;
BEGIN
	IF TG_OP = 'DELETE' THEN
		r := OLD;
		action := CASE WHEN TG_TABLE_NAME = 'support_overrides' THEN 'override_ended' ELSE 'revoked' END;
	ELSE
		r := NEW;
		action := CASE WHEN TG_TABLE_NAME = 'support_overrides' THEN 'override'
					   WHEN TG_OP = 'INSERT' THEN 'granted' ELSE 'changed' END;
	END IF;
	/*
	 * Any role may LISTEN on any channel (and NOTIFY on it): the payload says
	 * only what changed and where.  Level, end time, reason and who did it
	 * are read through support_status(), which checks the reader.
	 */
	PERFORM pg_notify('access_policy_support',
		json_build_object('action', action, 'org_id', r.org_id)::text);
	RETURN NULL;
END;
$$;

COMMENT ON FUNCTION @extschema@._support_notify() IS
'internal: NOTIFY access_policy_support with {"action", "org_id"} on every change of support access (details through support_status())';
CREATE FUNCTION @extschema@._require_support_manager(org bigint)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- permission before existence: an unknown org is refused like a foreign one
	PERFORM @extschema@._require(org, 'support.manage');
	PERFORM @extschema@._org_exists(org);
END;
$$;

COMMENT ON FUNCTION @extschema@._require_support_manager(bigint) IS
'internal: support.manage at the org or above it, through a role';
CREATE FUNCTION @extschema@.set_support_access(org_id bigint, level text, reason text DEFAULT NULL,
											   duration text DEFAULT NULL, until timestamptz DEFAULT NULL,
											   cascade boolean DEFAULT false)
RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ends timestamptz;
	caller_reason text := current_setting('access_policy.audit_reason', true);
BEGIN
	PERFORM @extschema@._require_support_manager(org_id);
	IF level IS NULL OR level NOT IN ('none', 'read', 'write') THEN
		RAISE EXCEPTION 'unknown support access level "%"', level
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use ''none'', ''read'' or ''write''.';
	END IF;
	IF level <> 'none' AND btrim(COALESCE(reason, '')) = '' THEN
		RAISE EXCEPTION 'a reason is required to open support access'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Say why support needs access, e.g. the ticket you opened.';
	END IF;
	IF length(reason) > 1000 THEN
		RAISE EXCEPTION 'reason is too long' USING ERRCODE = 'invalid_parameter_value',
			DETAIL = 'A reason has at most 1000 characters.';
	END IF;
	PERFORM @extschema@._check_preset(duration);
	ends := CASE WHEN level = 'none' AND duration IS NULL AND until IS NULL THEN 'infinity'
				 ELSE @extschema@._support_expiry(duration, until) END;
	PERFORM @extschema@._set_reason(reason);
	INSERT INTO @extschema@.support_settings AS s (org_id, level, expires_at, reason, set_by)
	VALUES (set_support_access.org_id, set_support_access.level, ends, set_support_access.reason,
			@extschema@.current_user_id())
	ON CONFLICT ON CONSTRAINT support_settings_pkey DO UPDATE
	   SET level = EXCLUDED.level, expires_at = EXCLUDED.expires_at, reason = EXCLUDED.reason,
		   set_by = EXCLUDED.set_by, set_at = pg_catalog.now();
	IF cascade THEN
		-- the whole subtree gets this level: descendants' own settings go
		DELETE FROM @extschema@.support_settings s
		 WHERE s.org_id <> set_support_access.org_id
		   AND @extschema@._org_is_descendant(s.org_id, set_support_access.org_id);
	END IF;
	-- the caller's own audit reason (if any) applies again to what they do next
	PERFORM @extschema@._set_reason(caller_reason);
	RETURN ends;
END;
$$;

COMMENT ON FUNCTION @extschema@.set_support_access(bigint, text, text, text, timestamptz, boolean) IS
'set the support access level of an org (support.manage there or above): level none/read/write, reason required to open, duration ''1 week''/''1 month''/''1 year''/''permanent'' or an end time in until; cascade => true clears the descendants'' own settings; returns the end time';
CREATE FUNCTION @extschema@.override_support_access(org_id bigint, level text, reason text,
													duration interval DEFAULT '24 hours')
RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	max_len interval;
	ends timestamptz;
	caller_reason text := current_setting('access_policy.audit_reason', true);
BEGIN
	IF NOT @extschema@._is_override_role() THEN
		RAISE EXCEPTION 'permission denied to override support access'
			USING ERRCODE = 'insufficient_privilege',
				  HINT = pg_catalog.format('Only members of the role %s (access_policy.support_override_role) may.',
										   current_setting('access_policy.support_override_role'));
	END IF;
	-- the setting is shown with a unit ("1d", "36h"), which interval input reads
	max_len := current_setting('access_policy.support_override_max')::interval;
	PERFORM @extschema@._org_exists(org_id);
	IF level IS NULL OR level NOT IN ('read', 'write') THEN
		RAISE EXCEPTION 'unknown override level "%"', level
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use ''read'' or ''write''.';
	END IF;
	IF btrim(COALESCE(reason, '')) = '' THEN
		RAISE EXCEPTION 'a reason is required to override support access' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF duration IS NULL THEN
		RAISE EXCEPTION 'override duration must be positive and at most %', max_len
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	/*
	 * The limit holds for the end time applied, in elapsed seconds: an
	 * interval mixing units ('1 year -359 days') compares small but adds up
	 * by the calendar to much more.
	 */
	ends := statement_timestamp() + duration;
	IF ends <= statement_timestamp()
	   OR EXTRACT(epoch FROM ends) - EXTRACT(epoch FROM statement_timestamp())
		  > EXTRACT(epoch FROM max_len) THEN
		RAISE EXCEPTION 'override duration must be positive and at most %', max_len
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = pg_catalog.format('The override would end at %s.', ends);
	END IF;
	PERFORM @extschema@._set_reason(reason);
	INSERT INTO @extschema@.support_overrides AS o (org_id, level, expires_at, reason, set_by_role)
	VALUES (override_support_access.org_id, override_support_access.level, ends,
			override_support_access.reason, @extschema@._outer_role())
	ON CONFLICT ON CONSTRAINT support_overrides_pkey DO UPDATE
	   SET level = EXCLUDED.level, expires_at = EXCLUDED.expires_at, reason = EXCLUDED.reason,
		   set_by_role = EXCLUDED.set_by_role, set_at = pg_catalog.now();
	PERFORM @extschema@._set_reason(caller_reason);
	RETURN ends;
END;
$$;

COMMENT ON FUNCTION @extschema@.override_support_access(bigint, text, text, interval) IS
'vendor break glass: support gets at least this level at the org and below for a limited time (members of access_policy.support_override_role only; reason required; at most access_policy.support_override_max)';
CREATE FUNCTION @extschema@._support_rank(level text)
RETURNS integer
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	-- IMMUTABLE: depends on its argument only
	SELECT CASE level WHEN 'write' THEN 2 WHEN 'read' THEN 1 ELSE 0 END;
$$;

COMMENT ON FUNCTION @extschema@._support_rank(text) IS 'internal: none < read < write, as 0, 1, 2';
CREATE FUNCTION @extschema@._support_customer_level(org bigint)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	-- the customer's choice in force at org: its nearest active setting, else the deployment's default
	SELECT COALESCE(
		(SELECT s.level
		   FROM @extschema@._org_chain(org) c
		   JOIN @extschema@.support_settings s ON s.org_id = c.org_id
		  WHERE s.expires_at > statement_timestamp()
		  ORDER BY c.depth LIMIT 1),
		current_setting('access_policy.support_default_level', true), 'read');
$$;

COMMENT ON FUNCTION @extschema@._support_customer_level(bigint) IS
'internal: the support access level the customer''s settings give at an org (overrides not counted)';
CREATE FUNCTION @extschema@._support_rows(ids bigint[])
RETURNS TABLE (org_id bigint, org_name text, level text, source text, source_org_id bigint,
			   expires_at timestamptz, remaining interval, summary text, reason text, set_by text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	/*
	 * The support access status rows of many orgs at once, with the rules of
	 * _support_effective(), in time linear in the orgs asked for: the
	 * nearest setting and override are looked up the tree once for each org
	 * whose parent is not asked for, and carried down to the others.
	 */
	WITH RECURSIVE want AS (
		SELECT DISTINCT w.id FROM pg_catalog.unnest(ids) AS w(id)
	), tops AS (
		SELECT o.id FROM @extschema@.orgs o JOIN want w ON w.id = o.id
		 WHERE o.parent_id IS NULL OR o.parent_id NOT IN (SELECT want.id FROM want)
	), walk(id, s_org, o_org) AS (
		SELECT t.id,
			   (SELECT c.org_id FROM @extschema@._org_chain(t.id) c
				  JOIN @extschema@.support_settings x ON x.org_id = c.org_id
				 WHERE x.expires_at > statement_timestamp() ORDER BY c.depth LIMIT 1),
			   (SELECT c.org_id FROM @extschema@._org_chain(t.id) c
				  JOIN @extschema@.support_overrides x ON x.org_id = c.org_id
				 WHERE x.expires_at > statement_timestamp() ORDER BY c.depth LIMIT 1)
		  FROM tops t
		UNION ALL
		SELECT o.id,
			   COALESCE((SELECT x.org_id FROM @extschema@.support_settings x
						  WHERE x.org_id = o.id AND x.expires_at > statement_timestamp()), w.s_org),
			   COALESCE((SELECT x.org_id FROM @extschema@.support_overrides x
						  WHERE x.org_id = o.id AND x.expires_at > statement_timestamp()), w.o_org)
		  FROM walk w JOIN @extschema@.orgs o ON o.parent_id = w.id
		 WHERE o.id IN (SELECT want.id FROM want)
	)
	SELECT o.id, o.name, e.level, e.source, e.source_org_id, e.expires_at, r.remaining,
		   e.level || ' access, ' || CASE WHEN e.source = 'default' THEN 'by default'
										  ELSE @extschema@._humanize(r.remaining) END,
		   e.reason, e.set_by
	  FROM walk w
	  JOIN @extschema@.orgs o ON o.id = w.id
	  LEFT JOIN @extschema@.support_settings s ON s.org_id = w.s_org
	  LEFT JOIN @extschema@.support_overrides ov ON ov.org_id = w.o_org
	  CROSS JOIN LATERAL (
		-- an override wins when it gives more than the customer's setting
		SELECT x.* FROM (
			SELECT ov.level, 'override'::text AS source, ov.org_id AS source_org_id, ov.expires_at,
				   ov.reason, ov.set_by_role::text AS set_by, 1 AS pri
			 WHERE ov.org_id IS NOT NULL
			UNION ALL
			SELECT s.level, CASE WHEN s.org_id = w.id THEN 'own' ELSE 'inherited' END, s.org_id, s.expires_at,
				   s.reason, s.set_by, 0
			 WHERE s.org_id IS NOT NULL
			UNION ALL
			SELECT COALESCE(current_setting('access_policy.support_default_level', true), 'read'), 'default',
				   NULL::bigint, NULL::timestamptz, NULL::text, NULL::text, 0
			 WHERE s.org_id IS NULL) x
		 ORDER BY @extschema@._support_rank(x.level) DESC, x.pri
		 LIMIT 1) e
	  CROSS JOIN LATERAL (SELECT CASE WHEN e.expires_at = 'infinity' OR e.expires_at IS NULL THEN NULL
									  ELSE e.expires_at - statement_timestamp() END AS remaining) r;
$$;

COMMENT ON FUNCTION @extschema@._support_rows(bigint[]) IS
'internal: the support access status rows of the given orgs (no permission check), in time linear in their number';
CREATE FUNCTION @extschema@._support_row(org bigint)
RETURNS TABLE (org_id bigint, org_name text, level text, source text, source_org_id bigint,
			   expires_at timestamptz, remaining interval, summary text, reason text, set_by text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM @extschema@._support_rows(ARRAY[org]);
$$;

COMMENT ON FUNCTION @extschema@._support_row(bigint) IS
'internal: the support access status row of one org (no permission check)';
CREATE FUNCTION @extschema@.my_support_orgs()
RETURNS TABLE (org_id bigint, org_name text, level text, source text, expires_at timestamptz,
			   remaining interval, summary text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM 1 FROM @extschema@.users u
				   WHERE u.id = @extschema@.current_user_id() AND u.is_support_staff;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'only support staff have support access'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN QUERY
	SELECT s.org_id, s.org_name, s.level, s.source, s.expires_at, s.remaining, s.summary
	  FROM @extschema@._support_rows(ARRAY(SELECT o.id FROM @extschema@.orgs o)) s
	 WHERE s.level <> 'none'
	 ORDER BY s.org_id;
END;
$$;

COMMENT ON FUNCTION @extschema@.my_support_orgs() IS
'for support staff: the orgs open to them now, with level and time left';
CREATE FUNCTION @extschema@.support_statuses()
RETURNS TABLE (org_id bigint, org_name text, level text, source text, source_org_id bigint,
			   expires_at timestamptz, remaining interval, summary text, reason text, set_by text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	me_support boolean := EXISTS (SELECT 1 FROM @extschema@.users u
								   WHERE u.id = @extschema@.current_user_id() AND u.is_support_staff);
	all_orgs boolean := @extschema@._is_system() OR me_support;
BEGIN
	RETURN QUERY
	SELECT s.*
	  FROM @extschema@._support_rows(CASE WHEN all_orgs THEN ARRAY(SELECT o.id FROM @extschema@.orgs o)
										 ELSE @extschema@.orgs_with('settings.view') END) s
	 ORDER BY s.org_id;
END;
$$;

COMMENT ON FUNCTION @extschema@.support_statuses() IS
'support_status() of every org the acting user may see (settings.view; support staff and the system see all)';
CREATE FUNCTION @extschema@._require_member_perms(org bigint, member text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	lacking text;
BEGIN
	IF @extschema@._is_system() THEN
		RETURN;
	END IF;
	-- every role the member holds there, disabled ones too: enabling gives them back
	SELECT rp.permission INTO lacking
	  FROM @extschema@.assignments a
	  JOIN @extschema@.role_permissions rp ON rp.role_id = a.role_id
	 WHERE a.org_id = org AND a.user_id = member AND NOT @extschema@._holds(org, rp.permission)
	 ORDER BY rp.permission LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'permission denied: user "%" holds % at org %, which you do not hold', member, lacking, org
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'Only a member who holds every permission of someone''s roles may change, disable or remove them.';
	END IF;
END;
$$;

COMMENT ON FUNCTION @extschema@._require_member_perms(bigint, text) IS
'internal: raises unless the acting user holds every permission of the roles member holds at org';
CREATE FUNCTION @extschema@._guard_last_admin(org bigint, member text, what text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	/*
	 * Call after _lock_member(): these rows are locked, and this statement
	 * sees their latest version.  The org must keep an enabled Admin that is
	 * valid now and has no end: one that expires later would leave the org
	 * without an Admin then.
	 */
	IF EXISTS (SELECT 1 FROM @extschema@.assignments a
				WHERE a.org_id = org AND a.user_id = member AND a.role_id = 1 AND a.enabled
				  AND a.valid_from <= pg_catalog.statement_timestamp()
				  AND pg_catalog.statement_timestamp() < a.expires_at)
	   AND NOT EXISTS (SELECT 1 FROM @extschema@.assignments a
						WHERE a.org_id = org AND a.user_id <> member AND a.role_id = 1 AND a.enabled
						  AND a.valid_from <= pg_catalog.statement_timestamp()
						  AND a.expires_at = 'infinity') THEN
		RAISE EXCEPTION 'cannot % the last admin of org %', what, org
			USING ERRCODE = 'integrity_constraint_violation',
				  DETAIL = pg_catalog.format('User %s is the only enabled Admin at org %s (another Admin with an end date does not count).', member, org),
				  HINT = 'Make another member Admin of the org first, with no end date.';
	END IF;
END;
$$;

COMMENT ON FUNCTION @extschema@._guard_last_admin(bigint, text, text) IS
'internal: raises if member is an enabled, currently valid Admin directly at org and no other member is an enabled, currently valid Admin there with no end date';
CREATE FUNCTION @extschema@.access_graph(org_id bigint, max_orgs integer DEFAULT 200)
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	root_name text;
	body text;
BEGIN
	IF max_orgs IS NULL OR max_orgs < 1 OR max_orgs > 10000 THEN
		RAISE EXCEPTION 'max_orgs must be between 1 and 10000'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- permission before existence: an unknown org is refused like a foreign one
	PERFORM @extschema@._require(access_graph.org_id, 'members.manage');
	SELECT o.name INTO root_name FROM @extschema@.orgs o WHERE o.id = access_graph.org_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'org % does not exist', access_graph.org_id USING ERRCODE = 'undefined_object';
	END IF;

	WITH RECURSIVE sub(id, parent_id, name, depth) AS (
		SELECT o.id, o.parent_id, o.name, 0 FROM @extschema@.orgs o WHERE o.id = access_graph.org_id
		UNION ALL
		SELECT c.id, c.parent_id, c.name, s.depth + 1
		  FROM @extschema@.orgs c JOIN sub s ON c.parent_id = s.id
		 WHERE s.depth < 100000
	), shown AS (
		SELECT * FROM sub ORDER BY depth, id LIMIT max_orgs
	), sr AS (
		SELECT * FROM @extschema@._support_rows(ARRAY(SELECT shown.id FROM shown))
	), org_nodes AS (
		SELECT s.id, format('  %s [shape=box, style="rounded,filled", fillcolor=%s, label=%s];',
				@extschema@._dot_str('org ' || s.id),
				CASE sr.level WHEN 'write' THEN '"#f8c9b8"' WHEN 'read' THEN '"#fdf1c2"' ELSE '"#e8eef8"' END,
				@extschema@._dot_str(s.name || E'\norg ' || s.id || E'\nsupport: ' || sr.level
					|| ' (' || sr.source || COALESCE(', ' || @extschema@._dot_left(sr.expires_at), '') || ')')) AS line
		  FROM shown s JOIN sr ON sr.org_id = s.id
	), org_edges AS (
		SELECT s.id, format('  %s -> %s [arrowhead=none, penwidth=2];',
				@extschema@._dot_str('org ' || s.parent_id), @extschema@._dot_str('org ' || s.id)) AS line
		  FROM shown s WHERE s.depth > 0 AND s.parent_id IN (SELECT id FROM shown)
	), members AS (
		SELECT a.*, r.name AS role_name, u.display_name, u.is_support_staff,
			   CASE WHEN NOT a.enabled THEN 'disabled'
					WHEN a.expires_at <= statement_timestamp() THEN 'expired'
					WHEN a.valid_from > statement_timestamp() THEN 'not yet valid'
					ELSE 'active' END AS status
		  FROM @extschema@.assignments a
		  JOIN shown s ON s.id = a.org_id
		  JOIN @extschema@.roles r ON r.id = a.role_id
		  JOIN @extschema@.users u ON u.id = a.user_id
	), user_nodes AS (
		SELECT DISTINCT m.user_id, format('  %s [shape=ellipse, style=filled, fillcolor=%s, label=%s];',
				@extschema@._dot_str('user ' || m.user_id),
				CASE WHEN m.is_support_staff THEN '"#fde2e2"' ELSE '"#eef7ee"' END,
				@extschema@._dot_str(COALESCE(m.display_name || E'\n', '') || m.user_id
					|| CASE WHEN m.is_support_staff THEN E'\n(support staff)' ELSE '' END)) AS line
		  FROM members m
	), member_edges AS (
		SELECT m.id, format('  %s -> %s [label=%s, style=%s, color=%s];',
				@extschema@._dot_str('user ' || m.user_id), @extschema@._dot_str('org ' || m.org_id),
				@extschema@._dot_str(m.role_name
					|| CASE m.status
						WHEN 'active' THEN COALESCE(E'\n' || @extschema@._dot_left(m.expires_at), '')
						WHEN 'not yet valid' THEN E'\nfrom ' || to_char(m.valid_from AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC'
						ELSE E'\n' || m.status END),
				CASE m.status WHEN 'active' THEN 'solid' WHEN 'disabled' THEN 'dotted' ELSE 'dashed' END,
				CASE m.status WHEN 'active' THEN '"#2b6cb0"' ELSE 'gray50' END) AS line
		  FROM members m
	), res AS (
		SELECT r.* FROM @extschema@.resources r JOIN shown s ON s.id = r.org_id
	), res_nodes AS (
		SELECT r.id, format('  %s [shape=component, label=%s];',
				@extschema@._dot_str('resource ' || r.id), @extschema@._dot_str(r.name || E'\n(' || r.kind || ')')) AS line
		  FROM res r
	), res_edges AS (
		SELECT r.id, format('  %s -> %s [arrowhead=none, style=dotted];',
				@extschema@._dot_str(CASE WHEN r.parent_id IS NULL THEN 'org ' || r.org_id ELSE 'resource ' || r.parent_id END),
				@extschema@._dot_str('resource ' || r.id)) AS line
		  FROM res r
	), grants AS (
		SELECT g.*, ro.name AS role_name FROM @extschema@.resource_grants g
		  JOIN res r ON r.id = g.resource_id JOIN @extschema@.roles ro ON ro.id = g.role_id
	), outside_nodes AS (
		SELECT DISTINCT g.authorized_org_id, format('  %s [shape=box, style="rounded,dashed", label=%s];',
				@extschema@._dot_str('org ' || g.authorized_org_id),
				-- the name of an org outside the subtree only where the acting user may see it
				@extschema@._dot_str(CASE WHEN @extschema@._is_system() OR @extschema@.can(o.id, 'settings.view')
										  THEN o.name || E'\n' ELSE '' END
									 || 'org ' || g.authorized_org_id || E'\n(outside this subtree)')) AS line
		  FROM grants g JOIN @extschema@.orgs o ON o.id = g.authorized_org_id
		 WHERE g.authorized_org_id NOT IN (SELECT id FROM shown)
	), grant_edges AS (
		SELECT g.id, format('  %s -> %s [label=%s, style=%s, color="#2f855a", fontcolor="#2f855a"];',
				@extschema@._dot_str('org ' || g.authorized_org_id), @extschema@._dot_str('resource ' || g.resource_id),
				@extschema@._dot_str(g.role_name || ' grant'
					|| CASE WHEN g.expires_at <= statement_timestamp() THEN E'\nexpired'
							WHEN g.valid_from > statement_timestamp() THEN E'\nnot yet valid'
							ELSE COALESCE(E'\n' || @extschema@._dot_left(g.expires_at), '') END),
				CASE WHEN g.expires_at <= statement_timestamp() OR g.valid_from > statement_timestamp()
					 THEN 'dashed' ELSE 'bold' END) AS line
		  FROM grants g
	)
	SELECT string_agg(line, E'\n' ORDER BY grp, k, line) INTO body
	  FROM (
		SELECT 1 AS grp, id::text AS k, line FROM org_nodes
		UNION ALL SELECT 2, id::text, line FROM org_edges
		UNION ALL SELECT 3, '', format('  %s [shape=note, label=%s];', @extschema@._dot_str('more orgs'),
				@extschema@._dot_str((SELECT count(*) FROM sub) - max_orgs || ' more orgs below, not shown (max_orgs = ' || max_orgs || ')'))
		   WHERE (SELECT count(*) FROM sub) > max_orgs
		UNION ALL SELECT 4, user_id, line FROM user_nodes
		UNION ALL SELECT 5, id::text, line FROM member_edges
		UNION ALL SELECT 6, id::text, line FROM res_nodes
		UNION ALL SELECT 7, id::text, line FROM res_edges
		UNION ALL SELECT 8, authorized_org_id::text, line FROM outside_nodes
		UNION ALL SELECT 9, id::text, line FROM grant_edges
	  ) x;

	RETURN 'digraph access_policy {' || E'\n'
		|| '  graph [rankdir=LR, fontname="Helvetica", fontsize=12, labelloc=t, label='
		|| @extschema@._dot_str('access_policy: ' || root_name || ' (org ' || access_graph.org_id || ') at '
			|| to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC') || '];' || E'\n'
		|| '  node [fontname="Helvetica", fontsize=10];' || E'\n'
		|| '  edge [fontname="Helvetica", fontsize=9];' || E'\n'
		|| COALESCE(body || E'\n', '')
		|| '}' || E'\n';
END;
$$;

COMMENT ON FUNCTION @extschema@.access_graph(bigint, integer) IS
'the access picture of an org subtree as Graphviz DOT: orgs with their support access and its time left, members with role and status (time left, disabled, expired), resources and resource grants; members.manage at the org';
/* sql/upgrade--0.2.0-post.sql -- upgrade from 0.2.0: privileges and dependants of the functions defined again */

-- what depended on the functions defined again
CREATE TRIGGER notify AFTER INSERT OR UPDATE OR DELETE ON @extschema@.support_settings
	FOR EACH ROW EXECUTE FUNCTION @extschema@._support_notify();
CREATE TRIGGER notify AFTER INSERT OR UPDATE OR DELETE ON @extschema@.support_overrides
	FOR EACH ROW EXECUTE FUNCTION @extschema@._support_notify();
CREATE VIEW @extschema@.support_access_status AS
SELECT * FROM @extschema@.support_statuses();
COMMENT ON VIEW @extschema@.support_access_status IS
'support access in force per org, for the orgs the acting user may see: level, own/inherited/default/override and from which org, end time, time left, reason';

-- their privileges, as a fresh install has them
REVOKE ALL ON FUNCTION
	@extschema@._require(bigint, text),
	@extschema@._holds(bigint, text),
	@extschema@._require_role_perms(bigint, bigint),
	@extschema@.create_org(text, bigint, bigint),
	@extschema@.move_org(bigint, bigint),
	@extschema@.delete_org(bigint, boolean),
	@extschema@.create_role(bigint, text, text[], text),
	@extschema@.set_role_permissions(bigint, text[]),
	@extschema@.delete_role(bigint, boolean),
	@extschema@.assign_role(text, bigint, text, timestamptz, timestamptz),
	@extschema@.set_assignment(bigint, boolean, timestamptz, timestamptz),
	@extschema@._may_see(bigint, text),
	@extschema@.effective_resource_permissions(bigint, text),
	@extschema@.explain_resource(text, bigint, text),
	@extschema@.who_can_resource(text, bigint),
	@extschema@.protect_table(regclass, name, text, text, name, boolean),
	@extschema@._support_notify(),
	@extschema@._require_support_manager(bigint),
	@extschema@.set_support_access(bigint, text, text, text, timestamptz, boolean),
	@extschema@.override_support_access(bigint, text, text, interval),
	@extschema@._support_rank(text),
	@extschema@._support_customer_level(bigint),
	@extschema@._support_rows(bigint[]),
	@extschema@._support_row(bigint),
	@extschema@.my_support_orgs(),
	@extschema@.support_statuses(),
	@extschema@._require_member_perms(bigint, text),
	@extschema@._guard_last_admin(bigint, text, text),
	@extschema@.access_graph(bigint, integer)
FROM PUBLIC;
REVOKE ALL ON @extschema@.support_access_status FROM PUBLIC;
-- self-service introspection and status check the caller inside (as in a fresh install)
GRANT EXECUTE ON FUNCTION
	@extschema@.effective_resource_permissions(bigint, text),
	@extschema@.explain_resource(text, bigint, text),
	@extschema@.who_can_resource(text, bigint),
	@extschema@.my_support_orgs(),
	@extschema@.support_statuses(),
	@extschema@.access_graph(bigint, integer)
TO PUBLIC;
GRANT SELECT ON @extschema@.support_access_status TO PUBLIC;

/* sql/access_policy_tenant.sql -- work on tenant-owned tables as their owners (new in 0.2.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Counting and deleting an org's rows in a protected table.  The table
-- belongs to a tenant role, whose triggers and rules would run with the
-- rights of whoever deletes; the C function runs the statement as the
-- table's owner in a security-restricted operation (like VACUUM and REFRESH
-- MATERIALIZED VIEW), never as the superuser that owns delete_org().
------------------------------------------------------------------------------

-- VOLATILE: it deletes rows and runs the owner's triggers.
CREATE FUNCTION @extschema@._tenant_rows(tbl regclass, org_column name, org_ids bigint[], do_delete boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'tenant_rows' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@._tenant_rows(regclass, name, bigint[], boolean) IS
'internal: count (do_delete false) or delete (do_delete true) the rows of the orgs org_ids in a table protected with protect_table(), as the table''s owner in a security-restricted operation; NULL with a warning for a table that is gone or no longer protected; superuser only';

-- not for PUBLIC: it reads and deletes rows of any protected table as its
-- owner (the function also refuses callers that are not superusers)
REVOKE ALL ON FUNCTION @extschema@._tenant_rows(regclass, name, bigint[], boolean) FROM PUBLIC;
/* sql/access_policy_guard.sql -- internal functions stay internal (new in 0.3.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Internal functions (their names start with "_") are called by the
-- extension's own functions, triggers and planner support only.  Some read
-- policy data without the checks the API makes, so nobody else may execute
-- them -- not even after GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA
-- access_policy, which a DBA may run to grant the API in one statement.
-- After every GRANT, this event trigger takes EXECUTE on them back from
-- everybody but their owner and says so.
------------------------------------------------------------------------------

CREATE FUNCTION @extschema@._keep_internals_private()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f record;
	n integer := 0;
BEGIN
	FOR f IN
		SELECT p.oid::pg_catalog.regprocedure AS fn, a.grantee
		  FROM pg_catalog.pg_depend d
		  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'access_policy'
		  JOIN pg_catalog.pg_proc p ON p.oid = d.objid
		 CROSS JOIN LATERAL pg_catalog.aclexplode(p.proacl) a
		 WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
		   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
		   AND d.deptype = 'e'
		   AND pg_catalog.left(p.proname, 1) = '_'
		   AND a.grantee <> p.proowner
		 ORDER BY 1, 2
	LOOP
		IF f.grantee = 0 THEN
			EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC CASCADE', f.fn);
		ELSE
			EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM %I CASCADE', f.fn,
									  pg_catalog.pg_get_userbyid(f.grantee));
		END IF;
		n := n + 1;
	END LOOP;
	IF n > 0 THEN
		RAISE NOTICE 'EXECUTE on % internal function(s) of access_policy was not granted', n
			USING DETAIL = 'Functions whose names start with "_" are called by the extension only.',
				  HINT = 'Grant the API functions you need by name (see docs/security.md).';
	END IF;
END;
$$;
COMMENT ON FUNCTION @extschema@._keep_internals_private() IS
'internal: event trigger after GRANT: takes EXECUTE on internal functions back from everybody but their owner';

CREATE EVENT TRIGGER access_policy_keep_internals_private ON ddl_command_end
	WHEN TAG IN ('GRANT')
	EXECUTE FUNCTION @extschema@._keep_internals_private();
COMMENT ON EVENT TRIGGER access_policy_keep_internals_private IS
'after GRANT: EXECUTE on the internal functions of access_policy stays with their owner';

REVOKE ALL ON FUNCTION @extschema@._keep_internals_private() FROM PUBLIC;
/* sql/access_policy_comments.sql -- COMMENT ON every object of the extension (last part of the install and upgrade scripts) */

-- The objects every version has commented in its own part; here the columns
-- and the objects whose comments came later, so that \d+, \dx+ and \df+ read
-- like documentation.  A regression test (comments) lists anything left.

COMMENT ON EVENT TRIGGER access_policy_forget_dropped_tables IS
'removes a dropped table from access_policy.protected_tables';
COMMENT ON SEQUENCE @extschema@.assignments_id_seq IS 'ids of access_policy.assignments';
COMMENT ON SEQUENCE @extschema@.audit_log_id_seq IS 'ids of access_policy.audit_log, in commit-independent insertion order';
COMMENT ON SEQUENCE @extschema@.invitations_id_seq IS 'ids of access_policy.invitations';
COMMENT ON SEQUENCE @extschema@.orgs_id_seq IS 'ids of access_policy.orgs created without an explicit id';
COMMENT ON SEQUENCE @extschema@.resource_grants_id_seq IS 'ids of access_policy.resource_grants';
COMMENT ON SEQUENCE @extschema@.resources_id_seq IS 'ids of access_policy.resources';
COMMENT ON SEQUENCE @extschema@.roles_id_seq IS 'ids of custom roles (from 1000; 1-3 are the built-in roles)';

COMMENT ON COLUMN @extschema@.assignments.id IS 'assignment id (set_assignment() takes it)';
COMMENT ON COLUMN @extschema@.assignments.user_id IS 'the user who holds the role';
COMMENT ON COLUMN @extschema@.assignments.org_id IS 'the org where the role is held; it applies there and in every descendant';
COMMENT ON COLUMN @extschema@.assignments.role_id IS 'the role held';
COMMENT ON COLUMN @extschema@.assignments.enabled IS 'false: the assignment is kept but gives nothing (a disabled member)';
COMMENT ON COLUMN @extschema@.assignments.valid_from IS 'start of validity, included (-infinity: always)';
COMMENT ON COLUMN @extschema@.assignments.expires_at IS 'end of validity, excluded (infinity: permanent); compared with statement_timestamp()';
COMMENT ON COLUMN @extschema@.assignments.added_by IS 'the access_policy user who made the assignment (NULL: the system)';
COMMENT ON COLUMN @extschema@.assignments.added_at IS 'when the assignment was made';
COMMENT ON COLUMN @extschema@.audit_log.id IS 'audit row id';
COMMENT ON COLUMN @extschema@.audit_log.xact_id IS 'the transaction that made the change (all rows of one change share it)';
COMMENT ON COLUMN @extschema@.audit_log.action IS 'insert, update or delete';
COMMENT ON COLUMN @extschema@.audit_log.target_table IS 'the policy table changed';
COMMENT ON COLUMN @extschema@.audit_log.target_id IS 'the changed row''s key, as text';
COMMENT ON COLUMN @extschema@.audit_log.before IS 'the row before the change (NULL for insert)';
COMMENT ON COLUMN @extschema@.audit_log.after IS 'the row after the change (NULL for delete)';
COMMENT ON COLUMN @extschema@.kind_actions.kind IS 'the resource kind';
COMMENT ON COLUMN @extschema@.kind_actions.action IS 'the action name (can_action(), resources_allowing())';
COMMENT ON COLUMN @extschema@.kind_actions.permission IS 'one permission the action needs (an action needs all of its rows)';
COMMENT ON COLUMN @extschema@.login_roles.role_name IS 'a PostgreSQL login role';
COMMENT ON COLUMN @extschema@.login_roles.user_id IS 'the access_policy user that role acts as when no identity is set';
COMMENT ON COLUMN @extschema@.orgs.id IS 'org id: the value tenant tables store in their org column';
COMMENT ON COLUMN @extschema@.orgs.name IS 'display name (renaming signals nothing to the caches)';
COMMENT ON COLUMN @extschema@.orgs.created_by IS 'the access_policy user who created the org (NULL: the system)';
COMMENT ON COLUMN @extschema@.orgs.created_at IS 'when the org was created';
COMMENT ON COLUMN @extschema@.permissions.name IS 'permission name, e.g. form.view';
COMMENT ON COLUMN @extschema@.permissions.builtin IS 'registered by the extension itself (not dumped by pg_dump)';
COMMENT ON COLUMN @extschema@.permissions.description IS 'what the permission allows';
COMMENT ON COLUMN @extschema@.protected_tables.relid IS 'the table protected with protect_table()';
COMMENT ON COLUMN @extschema@.protected_tables.org_column IS 'its org column (bigint)';
COMMENT ON COLUMN @extschema@.protected_tables.resource_column IS 'its optional resource column (bigint), NULL if none';
COMMENT ON COLUMN @extschema@.protected_tables.read_permission IS 'the permission the SELECT policy checks';
COMMENT ON COLUMN @extschema@.protected_tables.write_permission IS 'the permission the INSERT, UPDATE and DELETE policies check';
COMMENT ON COLUMN @extschema@.protected_tables.forced IS 'FORCE ROW LEVEL SECURITY was set';
COMMENT ON COLUMN @extschema@.protected_tables.protected_at IS 'when protect_table() last ran on it';
COMMENT ON COLUMN @extschema@.resource_grants.id IS 'the resource grant''s id';
COMMENT ON COLUMN @extschema@.resource_grants.resource_id IS 'the resource (and everything below it) the grant opens';
COMMENT ON COLUMN @extschema@.resource_grants.role_id IS 'the role whose permissions the grant gives';
COMMENT ON COLUMN @extschema@.resource_grants.authorized_org_id IS 'users holding the role at this org (or above it) get the grant';
COMMENT ON COLUMN @extschema@.resource_grants.valid_from IS 'start of validity, included';
COMMENT ON COLUMN @extschema@.resource_grants.expires_at IS 'end of validity, excluded';
COMMENT ON COLUMN @extschema@.resource_grants.granted_by IS 'the access_policy user who granted it (NULL: the system)';
COMMENT ON COLUMN @extschema@.resource_grants.granted_at IS 'when it was granted';
COMMENT ON COLUMN @extschema@.resource_kinds.name IS 'resource kind, e.g. app or page';
COMMENT ON COLUMN @extschema@.resource_kinds.description IS 'what resources of this kind are';
COMMENT ON COLUMN @extschema@.resources.id IS 'resource id: the value tenant tables store in their resource column';
COMMENT ON COLUMN @extschema@.resources.org_id IS 'the org that owns the resource (its whole resource tree lives in that org)';
COMMENT ON COLUMN @extschema@.resources.parent_id IS 'parent resource, NULL for a top-level resource of the org';
COMMENT ON COLUMN @extschema@.resources.kind IS 'the resource kind (its actions)';
COMMENT ON COLUMN @extschema@.resources.name IS 'the resource''s display name';
COMMENT ON COLUMN @extschema@.resources.created_at IS 'when the resource was created';
COMMENT ON COLUMN @extschema@.role_permissions.role_id IS 'the role that carries the permission';
COMMENT ON COLUMN @extschema@.role_permissions.permission IS 'one permission the role carries';
COMMENT ON COLUMN @extschema@.roles.id IS 'role id (1 Admin, 2 Editor, 3 Viewer; custom roles from 1000)';
COMMENT ON COLUMN @extschema@.roles.name IS 'role name; the nearest definition (org, then ancestors, then built-in) wins';
COMMENT ON COLUMN @extschema@.roles.org_id IS 'the org that defines the role (usable there and below), NULL for a built-in role';
COMMENT ON COLUMN @extschema@.roles.description IS 'what the role is for';
COMMENT ON COLUMN @extschema@.support_access_status.org_id IS 'the org this row describes';
COMMENT ON COLUMN @extschema@.support_access_status.org_name IS 'the org''s name';
COMMENT ON COLUMN @extschema@.support_access_status.level IS 'support access in force: none, read or write';
COMMENT ON COLUMN @extschema@.support_access_status.source IS 'where the level comes from: own setting, inherited, override or default';
COMMENT ON COLUMN @extschema@.support_access_status.source_org_id IS 'the org whose setting or override applies';
COMMENT ON COLUMN @extschema@.support_access_status.expires_at IS 'when the level in force ends (infinity: no end)';
COMMENT ON COLUMN @extschema@.support_access_status.remaining IS 'time left until expires_at';
COMMENT ON COLUMN @extschema@.support_access_status.summary IS 'one line for a settings page';
COMMENT ON COLUMN @extschema@.support_access_status.reason IS 'the reason given when the level was set';
COMMENT ON COLUMN @extschema@.support_access_status.set_by IS 'who set it';
COMMENT ON COLUMN @extschema@.support_overrides.org_id IS 'the org the vendor override applies to (and below)';
COMMENT ON COLUMN @extschema@.support_overrides.level IS 'the override level: read or write';
COMMENT ON COLUMN @extschema@.support_overrides.expires_at IS 'when the override ends (at most access_policy.support_override_max ahead)';
COMMENT ON COLUMN @extschema@.support_overrides.reason IS 'why the vendor overrode the customer''s setting';
COMMENT ON COLUMN @extschema@.support_overrides.set_by_role IS 'the PostgreSQL role that set the override';
COMMENT ON COLUMN @extschema@.support_overrides.set_at IS 'when it was set';
COMMENT ON COLUMN @extschema@.support_settings.org_id IS 'the org whose customer set the level (inherited below it)';
COMMENT ON COLUMN @extschema@.support_settings.set_by IS 'the access_policy user who set it';
COMMENT ON COLUMN @extschema@.support_settings.set_at IS 'when it was set';
COMMENT ON COLUMN @extschema@.users.email IS 'contact address (invitations are matched to it)';
COMMENT ON COLUMN @extschema@.users.display_name IS 'the name to show for the user';
COMMENT ON COLUMN @extschema@.users.created_at IS 'when the user was created';
