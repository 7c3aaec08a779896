/* sql/access_policy_app.sql -- what an application asks for itself: leaving an org, its own orgs, a structured explain, its own profile; single role permissions (new in 0.5.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Self-service: leaving an org, the orgs you belong to, your profile
------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.leave_org(org_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	me text := @extschema@.current_user_id();
BEGIN
	IF me IS NULL THEN
		PERFORM access_policy_internal._refuse_no_user();
	END IF;
	-- refuses (42704) an org you hold no role at, and one that does not exist, alike
	PERFORM access_policy_internal._lock_member(leave_org.org_id, me);
	PERFORM access_policy_internal._guard_last_admin(leave_org.org_id, me, 'leave as');
	DELETE FROM @extschema@.assignments a WHERE a.org_id = leave_org.org_id AND a.user_id = me;
END;
$$;
COMMENT ON FUNCTION @extschema@.leave_org(bigint) IS
'the acting user leaves an org: every role they hold directly there ends (no permission needed; never the last enabled Admin)';

CREATE FUNCTION @extschema@.my_orgs()
RETURNS TABLE (org_id bigint, org_key text, org_name text, role text, status text, expires_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT a.org_id, o.key, o.name, r.name,
		   CASE WHEN NOT a.enabled THEN 'disabled'
				WHEN a.expires_at <= pg_catalog.statement_timestamp() THEN 'expired'
				WHEN a.valid_from > pg_catalog.statement_timestamp() THEN 'not yet valid'
				ELSE 'enabled' END,
		   a.expires_at
	  FROM @extschema@.assignments a
	  JOIN @extschema@.orgs o ON o.id = a.org_id
	  JOIN @extschema@.roles r ON r.id = a.role_id
	 WHERE a.user_id = @extschema@.current_user_id()
	 ORDER BY o.name, a.org_id, r.name;
$$;
COMMENT ON FUNCTION @extschema@.my_orgs() IS
'the orgs the acting user holds roles at directly, with the org''s key and name, the role, its status and end';

CREATE FUNCTION @extschema@.update_user(user_id text, email text DEFAULT NULL, display_name text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	me text := @extschema@.current_user_id();
BEGIN
	-- your own profile; anybody's for the system
	IF NOT access_policy_internal._is_system() AND me IS DISTINCT FROM user_id THEN
		IF me IS NULL THEN
			PERFORM access_policy_internal._refuse_no_user();
		END IF;
		RAISE EXCEPTION 'permission denied: users update their own profile only'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	-- NULL keeps a value, '' removes it
	UPDATE @extschema@.users u
	   SET email = CASE WHEN update_user.email IS NULL THEN u.email ELSE NULLIF(update_user.email, '') END,
		   display_name = CASE WHEN update_user.display_name IS NULL THEN u.display_name
							   ELSE NULLIF(update_user.display_name, '') END
	 WHERE u.id = update_user.user_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'access_policy user "%" does not exist', user_id USING ERRCODE = 'undefined_object';
	END IF;
EXCEPTION
	WHEN unique_violation THEN
		RAISE EXCEPTION 'email address "%" is already used by another user', email USING ERRCODE = 'unique_violation';
	WHEN check_violation THEN
		RAISE EXCEPTION 'invalid email address "%"', email USING ERRCODE = 'invalid_parameter_value';
END;
$$;
COMMENT ON FUNCTION @extschema@.update_user(text, text, text) IS
'change a user''s email and display name (NULL keeps a value, '''' removes it): your own, or anybody''s for the system';

------------------------------------------------------------------------------
-- Navigation: the resources the acting user may open, with their names
------------------------------------------------------------------------------

-- resources_allowing() answers with ids; an application role has no
-- privilege on access_policy.resources to read their names (nor should it:
-- it would read every tenant's), so this returns the rows themselves
CREATE FUNCTION @extschema@.navigation(root_id bigint, action text)
RETURNS TABLE (resource_id bigint, resource_key text, name text, kind text, parent_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT r.id, r.key, r.name, r.kind, r.parent_id
	  FROM @extschema@.resources r
	 WHERE r.id = ANY (@extschema@.resources_allowing(root_id, action))
	 ORDER BY r.parent_id NULLS FIRST, r.name, r.id;
$$;
COMMENT ON FUNCTION @extschema@.navigation(bigint, text) IS
'the resources at or below root_id on which the acting user may do the action, with key, name, kind and parent (a navigation menu)';

------------------------------------------------------------------------------
-- One argument order: the org (or resource) first, then the permission, as
-- in can().  The introspection functions of 0.4.0 took the permission first;
-- that order keeps working (the overloads differ in the first argument's
-- type: a swapped call still finds one of them).
------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.explain(org_id bigint, permission text, user_id text DEFAULT NULL)
RETURNS TABLE (allowed boolean, path text, expires_at timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM @extschema@.explain(permission, org_id, user_id);
$$;
COMMENT ON FUNCTION @extschema@.explain(bigint, text, text) IS
'explain(permission, org_id, user_id) with the org first, as in can()';

CREATE FUNCTION @extschema@.explain_resource(resource_id bigint, permission text, user_id text DEFAULT NULL)
RETURNS TABLE (allowed boolean, path text, expires_at timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM @extschema@.explain_resource(permission, resource_id, user_id);
$$;
COMMENT ON FUNCTION @extschema@.explain_resource(bigint, text, text) IS
'explain_resource(permission, resource_id, user_id) with the resource first, as in can_resource()';

CREATE FUNCTION @extschema@.who_can(org_id bigint, permission text)
RETURNS TABLE (user_id text, role_name text, held_at_org bigint, expires_at timestamptz, held_at_key text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM @extschema@.who_can(permission, org_id);
$$;
COMMENT ON FUNCTION @extschema@.who_can(bigint, text) IS
'who_can(permission, org_id) with the org first, as in can()';

CREATE FUNCTION @extschema@.who_can_resource(resource_id bigint, permission text)
RETURNS TABLE (user_id text, source text, role_name text, held_at_org bigint, expires_at timestamptz,
			   held_at_key text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM @extschema@.who_can_resource(permission, resource_id);
$$;
COMMENT ON FUNCTION @extschema@.who_can_resource(bigint, text) IS
'who_can_resource(permission, resource_id) with the resource first, as in can_resource()';

-- explain() for user interfaces: one jsonb value
CREATE FUNCTION @extschema@.explain_json(org_id bigint, permission text, user_id text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT pg_catalog.jsonb_build_object(
			   'permission', permission, 'org_id', org_id,
			   'user_id', COALESCE(user_id, @extschema@.current_user_id()),
			   'allowed', COALESCE(bool_or(e.allowed), false),
			   'paths', COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
						   'allowed', e.allowed, 'path', e.path, 'expires_at', e.expires_at)), '[]'::jsonb))
	  FROM @extschema@.explain(permission, org_id, user_id) e;
$$;
COMMENT ON FUNCTION @extschema@.explain_json(bigint, text, text) IS
'explain() as one jsonb value for a user interface: {permission, org_id, user_id, allowed, paths: [{allowed, path, expires_at}]}';

------------------------------------------------------------------------------
-- One permission of a role at a time
------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.add_role_permission(role_id bigint, permission text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM access_policy_internal._check_permissions_exist(ARRAY[permission]);
	-- the rules of set_role_permissions(), with the set it would be given
	PERFORM @extschema@.set_role_permissions(add_role_permission.role_id,
		ARRAY(SELECT rp.permission FROM @extschema@.role_permissions rp WHERE rp.role_id = add_role_permission.role_id
			  UNION SELECT add_role_permission.permission));
END;
$$;
COMMENT ON FUNCTION @extschema@.add_role_permission(bigint, text) IS
'give a role one more permission (the rules of set_role_permissions())';

CREATE FUNCTION @extschema@.remove_role_permission(role_id bigint, permission text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM access_policy_internal._check_permissions_exist(ARRAY[permission]);
	PERFORM @extschema@.set_role_permissions(remove_role_permission.role_id,
		ARRAY(SELECT rp.permission FROM @extschema@.role_permissions rp
			   WHERE rp.role_id = remove_role_permission.role_id AND rp.permission <> remove_role_permission.permission));
END;
$$;
COMMENT ON FUNCTION @extschema@.remove_role_permission(bigint, text) IS
'take one permission from a role (the rules of set_role_permissions())';

------------------------------------------------------------------------------
-- Granting the API by what a role does, instead of GRANT ... ON ALL FUNCTIONS
------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.grant_api(role regrole, kind text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	-- for the system only, whoever holds EXECUTE: configuration, users and
	-- logins, the vendor's overrides, tenant tables (their owners), grants
	system_only constant text[] := ARRAY['set_key_type', 'register_permission', 'set_permission_support',
		'create_resource_kind', 'set_kind_action', 'map_login', 'unmap_login', 'delete_user',
		'override_support_access', 'end_support_override', 'protect_table', 'unprotect_table',
		'grant_api', 'housekeeping', 'set_user', 'clear_user'];
	f regprocedure;
	n integer := 0;
BEGIN
	PERFORM access_policy_internal._require_system('grant the API');
	IF kind IS NULL OR kind NOT IN ('application', 'administrator', 'maintenance') THEN
		RAISE EXCEPTION 'invalid API kind "%"', kind
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'application (says who acts with set_user() and administers as that user), administrator (a login mapped with map_login()), or maintenance (housekeeping()).';
	END IF;
	FOR f IN
		SELECT p.oid::regprocedure
		  FROM pg_catalog.pg_depend d
		  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'access_policy'
		  JOIN pg_catalog.pg_proc p ON p.oid = d.objid
		 WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.deptype = 'e'
		   AND pg_catalog.left(p.proname, 1) <> '_'
		   AND p.prorettype <> 'pg_catalog.trigger'::pg_catalog.regtype
		   AND CASE kind
				WHEN 'maintenance' THEN p.proname = 'housekeeping'
				WHEN 'application' THEN p.proname IN ('set_user', 'clear_user') OR p.proname <> ALL (system_only)
				ELSE p.proname <> ALL (system_only) END
		 ORDER BY 1
	LOOP
		EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %I', f, role::text);
		n := n + 1;
	END LOOP;
	RETURN n;
END;
$$;
COMMENT ON FUNCTION @extschema@.grant_api(regrole, text) IS
'grant a role EXECUTE on what it needs: application (set_user, clear_user and the administration and self-service functions), administrator (the same without set_user, for a login mapped with map_login), maintenance (housekeeping); system only; returns the number of functions';

------------------------------------------------------------------------------
-- Privileges of this part
------------------------------------------------------------------------------

REVOKE ALL ON FUNCTION
	@extschema@.leave_org(bigint),
	@extschema@.my_orgs(),
	@extschema@.update_user(text, text, text),
	@extschema@.explain(bigint, text, text),
	@extschema@.explain_resource(bigint, text, text),
	@extschema@.who_can(bigint, text),
	@extschema@.who_can_resource(bigint, text),
	@extschema@.explain_json(bigint, text, text),
	@extschema@.navigation(bigint, text),
	@extschema@.add_role_permission(bigint, text),
	@extschema@.remove_role_permission(bigint, text),
	@extschema@.grant_api(regrole, text)
FROM PUBLIC;

-- self-service, checked inside (like accept_invitation() and explain())
GRANT EXECUTE ON FUNCTION
	@extschema@.leave_org(bigint),
	@extschema@.my_orgs(),
	@extschema@.explain(bigint, text, text),
	@extschema@.explain_resource(bigint, text, text),
	@extschema@.who_can(bigint, text),
	@extschema@.who_can_resource(bigint, text),
	@extschema@.explain_json(bigint, text, text),
	@extschema@.navigation(bigint, text)
TO PUBLIC;
