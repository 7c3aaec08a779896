/* sql/upgrade--0.4.0.sql -- first part of the upgrade script from 0.4.0: drops what the newest version defines again */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION access_policy UPDATE" to load this file. \quit

-- Functions whose argument lists or bodies changed are dropped and created
-- again below.  The privileges granted on them (EXECUTE on create_org() to
-- the application's role, say) are noted here, by the signature each
-- function has afterwards, and granted again by the post part.
SELECT pg_catalog.set_config('access_policy_upgrade.acl',
	pg_catalog.jsonb_object_agg(m.new_signature, p.proacl::text)::text, true)
  FROM (VALUES
		('@extschema@.create_org(text,bigint,bigint)', '@extschema@.create_org(text,bigint,bigint,text)'),
		('@extschema@.create_resource(bigint,text,text,bigint)', '@extschema@.create_resource(bigint,text,text,bigint,text)'),
		('@extschema@.protect_table(regclass,name,text,text,name,boolean)', '@extschema@.protect_table(regclass,name,text,text,name,boolean,boolean)'),
		('@extschema@.explain(text,bigint,text)', '@extschema@.explain(text,bigint,text)'),
		('@extschema@.explain_resource(text,bigint,text)', '@extschema@.explain_resource(text,bigint,text)'),
		('@extschema@.who_can(text,bigint)', '@extschema@.who_can(text,bigint)'),
		('@extschema@.who_can_resource(text,bigint)', '@extschema@.who_can_resource(text,bigint)'),
		('@extschema@.support_status(bigint)', '@extschema@.support_status(bigint)'),
		('@extschema@.support_statuses()', '@extschema@.support_statuses()'),
		('@extschema@.my_support_orgs()', '@extschema@.my_support_orgs()'),
		('@extschema@.access_graph(bigint,integer)', '@extschema@.access_graph(bigint,integer)'),
		('@extschema@.delete_org(bigint,boolean)', '@extschema@.delete_org(bigint,boolean)'),
		('@extschema@.accept_invitation(text)', '@extschema@.accept_invitation(text)'),
		('@extschema@.register_permission(text,boolean,text)', '@extschema@.register_permission(text,boolean,text,boolean)'),
		('@extschema@.set_role_permissions(bigint,text[])', '@extschema@.set_role_permissions(bigint,text[])')
	   ) AS m (old_signature, new_signature)
  JOIN pg_catalog.pg_proc p ON p.oid = m.old_signature::pg_catalog.regprocedure
 WHERE p.proacl IS NOT NULL;
-- the same for the views created again (SELECT on members to a reporting
-- role, say)
SELECT pg_catalog.set_config('access_policy_upgrade.view_acl',
	pg_catalog.jsonb_object_agg(c.oid::pg_catalog.regclass::text, c.relacl::text)::text, true)
  FROM pg_catalog.pg_class c
 WHERE c.oid IN ('@extschema@.members'::pg_catalog.regclass, '@extschema@.sent_invitations'::pg_catalog.regclass,
				 '@extschema@.pending_invitations'::pg_catalog.regclass,
				 '@extschema@.support_access_status'::pg_catalog.regclass)
   AND c.relacl IS NOT NULL;

-- create_org() and create_resource() take the application's key
DROP FUNCTION @extschema@.create_org(text, bigint, bigint);
DROP FUNCTION @extschema@.create_resource(bigint, text, text, bigint);
-- protect_table() protects columns of org keys too (by_key)
DROP FUNCTION @extschema@.protect_table(regclass, name, text, text, name, boolean);
-- introspection shows the application's keys: explain() and
-- explain_resource() name orgs and resources with them; who_can(),
-- who_can_resource(), the support status functions and view, the members
-- and invitation views and access_graph() show them (the views and the
-- support functions get a column org_key, the last one)
DROP FUNCTION @extschema@.explain(text, bigint, text);
DROP FUNCTION @extschema@.explain_resource(text, bigint, text);
DROP FUNCTION @extschema@.who_can(text, bigint);
DROP FUNCTION @extschema@.who_can_resource(text, bigint);
DROP VIEW @extschema@.support_access_status;
DROP FUNCTION @extschema@.support_statuses();
DROP FUNCTION @extschema@.support_status(bigint);
DROP FUNCTION @extschema@.my_support_orgs();
DROP FUNCTION @extschema@._support_row(bigint);
DROP FUNCTION @extschema@._support_rows(bigint[]);
DROP VIEW @extschema@.pending_invitations;
DROP VIEW @extschema@.sent_invitations;
DROP VIEW @extschema@.members;
DROP FUNCTION @extschema@.access_graph(bigint, integer);
-- delete_org() deletes the rows of tables protected by org keys too
DROP FUNCTION @extschema@.delete_org(bigint, boolean);

-- support_default_level fails closed: the support functions read it through
-- _support_default_level() (new), which says none for an invalid value
DROP FUNCTION @extschema@._support_customer_level(bigint);
DROP FUNCTION @extschema@._support_effective(bigint);

-- an identity that names no user is said as such (_refuse_no_user(), new)
DROP FUNCTION @extschema@.accept_invitation(text);

-- register_permission() gives a new permission to the built-in Admin (admin
-- => false: not); set_role_permissions() warns when Admin loses members.manage
DROP FUNCTION @extschema@.register_permission(text, boolean, text);
DROP FUNCTION @extschema@.set_role_permissions(bigint, text[]);
/* sql/access_policy_keys_schema.sql -- tenant keys: the key columns of orgs and resources and the table of key types (new in 0.5.0; second part of the install script, first of the upgrade from 0.4.0 after its drops) */

-- See sql/access_policy_keys.sql for what keys are and the functions that
-- read and write them.

CREATE TABLE @extschema@.key_types (
	kind		text PRIMARY KEY CHECK (kind IN ('org', 'resource')),
	type		regtype NOT NULL
				CHECK (type IN ('uuid'::regtype, 'text'::regtype, 'integer'::regtype, 'bigint'::regtype))
);
COMMENT ON TABLE @extschema@.key_types IS 'the type of the application''s keys of orgs and of resources (set_key_type())';
COMMENT ON COLUMN @extschema@.key_types.kind IS 'org or resource';
COMMENT ON COLUMN @extschema@.key_types.type IS 'uuid, text, integer or bigint';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.key_types', '');

ALTER TABLE @extschema@.orgs
	ADD COLUMN key text COLLATE "C" CHECK (key <> '' AND pg_catalog.octet_length(key) <= 256);
CREATE UNIQUE INDEX orgs_key_idx ON @extschema@.orgs (key);
COMMENT ON COLUMN @extschema@.orgs.key IS 'the application''s key of the org (canonical text of a value of the configured type), NULL if none';

ALTER TABLE @extschema@.resources
	ADD COLUMN key text COLLATE "C" CHECK (key <> '' AND pg_catalog.octet_length(key) <= 256);
CREATE UNIQUE INDEX resources_key_idx ON @extschema@.resources (key);
COMMENT ON COLUMN @extschema@.resources.key IS 'the application''s key of the resource (canonical text of a value of the configured type), NULL if none';


-- Keys are never given out twice: the rows of the application that still
-- carry the key of a deleted org (or the old key of an org) would open to
-- the org that got it next.  A key leaves orgs or resources into this table.
CREATE TABLE @extschema@.retired_keys (
	kind		text NOT NULL CHECK (kind IN ('org', 'resource')),
	key			text COLLATE "C" NOT NULL,
	retired_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (kind, key)
);
COMMENT ON TABLE @extschema@.retired_keys IS 'keys of deleted orgs and resources and keys replaced by others: not given out again (but by a superuser acting as no user)';
COMMENT ON COLUMN @extschema@.retired_keys.kind IS 'org or resource';
COMMENT ON COLUMN @extschema@.retired_keys.key IS 'the key, in canonical text';
COMMENT ON COLUMN @extschema@.retired_keys.retired_at IS 'when it was removed or replaced';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.retired_keys', '');

-- a table protected by the application's org keys (its org column holds
-- keys; delete_org() finds the rows of an org by its key)
ALTER TABLE @extschema@.protected_tables ADD COLUMN by_key boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN @extschema@.protected_tables.by_key IS 'the org column (and resource column) holds the application''s keys, not ids';
CREATE FUNCTION @extschema@._identity()
RETURNS text
AS 'MODULE_PATHNAME', 'identity_text' LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._identity() IS
'internal: the identity set_user() set, whether or not it names a user; NULL if none';
CREATE FUNCTION @extschema@._refuse_no_user()
RETURNS void
AS 'MODULE_PATHNAME', 'refuse_no_user' LANGUAGE C STABLE;

COMMENT ON FUNCTION @extschema@._refuse_no_user() IS
'internal: the error of an administration call with nobody acting, or with an identity that names no user';
CREATE FUNCTION @extschema@.register_permission(name text, read_only boolean, description text DEFAULT NULL,
												admin boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM @extschema@._require_system('register permissions');
	INSERT INTO @extschema@.permissions (name, read_only, description)
	VALUES (register_permission.name, register_permission.read_only, register_permission.description);
	-- the built-in Admin can do everything: a new permission too, unless told not to
	IF admin THEN
		INSERT INTO @extschema@.role_permissions (role_id, permission) VALUES (1, register_permission.name);
	END IF;
EXCEPTION
	WHEN unique_violation THEN
		RAISE EXCEPTION 'permission "%" already exists', name USING ERRCODE = 'duplicate_object';
	WHEN check_violation OR not_null_violation THEN
		RAISE EXCEPTION 'invalid permission name "%"', name
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use dotted lower-case words of at most 63 characters, such as "form.view".';
END;
$$;

COMMENT ON FUNCTION @extschema@.register_permission(text, boolean, text, boolean) IS
'register a permission name (superuser); read_only marks "view" permissions; the built-in Admin gets it unless admin => false';
CREATE FUNCTION @extschema@.create_org(name text, parent_id bigint DEFAULT NULL, id bigint DEFAULT NULL,
									   key text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	new_id bigint;
	me text := @extschema@.current_user_id();
	violated text;
	msg text;
	detail text;
	hint text;
BEGIN
	IF parent_id IS NOT NULL THEN
		PERFORM @extschema@._require(parent_id, 'org.manage');
		PERFORM @extschema@._org_exists(parent_id);
	ELSIF me IS NULL AND NOT @extschema@._is_system() THEN
		PERFORM @extschema@._refuse_no_user();
	END IF;
	-- an id of the caller's choosing could be one a deleted org had, whose
	-- tenant rows (in tables nobody protected) would come back to the caller
	IF id IS NOT NULL AND NOT @extschema@._is_system() THEN
		RAISE EXCEPTION 'only a superuser acting as no user may choose an org id'
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'Leave id NULL: the id comes from the sequence.  Explicit ids are for migrations and restores.';
	END IF;
	IF id IS NULL THEN
		INSERT INTO @extschema@.orgs (name, parent_id, created_by, key)
		VALUES (create_org.name, create_org.parent_id, me, create_org.key) RETURNING orgs.id INTO new_id;
	ELSE
		INSERT INTO @extschema@.orgs (id, name, parent_id, created_by, key)
		VALUES (create_org.id, create_org.name, create_org.parent_id, me, create_org.key) RETURNING orgs.id INTO new_id;
	END IF;
	-- whoever creates a top-level org administers it
	IF parent_id IS NULL AND me IS NOT NULL THEN
		INSERT INTO @extschema@.assignments (user_id, org_id, role_id, added_by)
		VALUES (me, new_id, 1, me);
	END IF;
	RETURN new_id;
EXCEPTION
	WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
								hint = PG_EXCEPTION_HINT;
		IF violated = 'retired_keys_pkey' THEN
			RAISE EXCEPTION USING ERRCODE = 'unique_violation', MESSAGE = msg, DETAIL = detail, HINT = hint;
		END IF;
		IF violated = 'orgs_key_idx' THEN
			RAISE EXCEPTION 'org key "%" is already taken', @extschema@._canonical_key('org', key)
				USING ERRCODE = 'unique_violation';
		END IF;
		RAISE EXCEPTION 'org id % already exists', COALESCE(id::text, '(from the sequence)')
			USING ERRCODE = 'unique_violation',
				  HINT = 'Explicit org ids can collide with the id sequence; choose unused ids or move the sequence past them with setval().';
	WHEN check_violation OR not_null_violation THEN
		GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME;
		IF violated = 'orgs_key_check' THEN
			RAISE EXCEPTION 'invalid org key "%"', key
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'A key is 1 to 256 bytes as text.';
		END IF;
		RAISE EXCEPTION 'invalid org name "%"', name
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'An org name is 1 to 200 characters.';
END;
$$;

COMMENT ON FUNCTION @extschema@.create_org(text, bigint, bigint, text) IS
'create an org, with the application''s key if given (text of the configured org key type); a child needs org.manage at the parent; the creator of a top-level org becomes its Admin; an explicit id only for a superuser acting as no user';
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
			FOR t IN SELECT p.relid, p.org_column, p.by_key FROM @extschema@.protected_tables p ORDER BY p.relid LOOP
				IF t.by_key THEN
					n := @extschema@._tenant_rows_by_key(t.relid, t.org_column,
						ARRAY(SELECT o.key FROM @extschema@.orgs o WHERE o.id = delete_org.org_id AND o.key IS NOT NULL), false);
				ELSE
					n := @extschema@._tenant_rows(t.relid, t.org_column, ARRAY[org_id], false);
				END IF;
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
	FOR t IN SELECT p.relid, p.org_column, p.by_key FROM @extschema@.protected_tables p ORDER BY p.relid LOOP
		IF t.by_key THEN
			-- a table protected by org keys: the rows of the keys of the subtree
			PERFORM @extschema@._tenant_rows_by_key(t.relid, t.org_column,
				ARRAY(SELECT o.key FROM @extschema@.orgs o WHERE o.id = ANY (subtree) AND o.key IS NOT NULL), true);
		ELSE
			PERFORM @extschema@._tenant_rows(t.relid, t.org_column, subtree, true);
		END IF;
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
	IF role_id = 1 AND 'members.manage' <> ALL (permissions)
	   AND EXISTS (SELECT 1 FROM @extschema@.role_permissions rp WHERE rp.role_id = 1 AND rp.permission = 'members.manage') THEN
		RAISE WARNING 'the built-in Admin no longer carries members.manage'
			USING DETAIL = 'Admins can then no longer add, change or remove members.',
				  HINT = 'To change one permission, use access_policy.add_role_permission() or remove_role_permission().';
	END IF;
	DELETE FROM @extschema@.role_permissions rp
	 WHERE rp.role_id = set_role_permissions.role_id AND rp.permission <> ALL (permissions);
	INSERT INTO @extschema@.role_permissions (role_id, permission)
	SELECT DISTINCT set_role_permissions.role_id, x FROM unnest(permissions) AS x
	ON CONFLICT DO NOTHING;
END;
$$;

COMMENT ON FUNCTION @extschema@.set_role_permissions(bigint, text[]) IS
'replace the permission set of a role (roles.manage at its org; built-in roles: superuser)';
CREATE FUNCTION @extschema@.create_resource(org_id bigint, kind text, name text, parent_id bigint DEFAULT NULL,
										    key text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	rid bigint;
	violated text;
	msg text;
	detail text;
	hint text;
BEGIN
	PERFORM @extschema@._require(org_id, 'resources.manage');
	PERFORM @extschema@._org_exists(org_id);
	PERFORM 1 FROM @extschema@.resource_kinds k WHERE k.name = kind;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'resource kind "%" does not exist', kind
			USING ERRCODE = 'undefined_object',
				  HINT = 'Declare it with access_policy.create_resource_kind().';
	END IF;
	INSERT INTO @extschema@.resources (org_id, kind, name, parent_id, key)
	VALUES (create_resource.org_id, create_resource.kind, create_resource.name, create_resource.parent_id,
			create_resource.key)
	RETURNING id INTO rid;
	RETURN rid;
EXCEPTION
	WHEN foreign_key_violation THEN
		RAISE EXCEPTION 'parent resource % does not exist', parent_id
			USING ERRCODE = 'undefined_object';
	WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
								hint = PG_EXCEPTION_HINT;
		IF violated = 'retired_keys_pkey' THEN
			RAISE EXCEPTION USING ERRCODE = 'unique_violation', MESSAGE = msg, DETAIL = detail, HINT = hint;
		END IF;
		RAISE EXCEPTION 'resource key "%" is already taken', @extschema@._canonical_key('resource', key)
			USING ERRCODE = 'unique_violation';
	WHEN check_violation OR not_null_violation THEN
		GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME;
		IF violated = 'resources_key_check' THEN
			RAISE EXCEPTION 'invalid resource key "%"', key
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'A key is 1 to 256 bytes as text.';
		END IF;
		RAISE EXCEPTION 'invalid resource name "%"', name
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A resource name is 1 to 200 characters.';
END;
$$;

COMMENT ON FUNCTION @extschema@.create_resource(bigint, text, text, bigint, text) IS
'create a resource in an org, with the application''s key if given, optionally below a parent resource of the same org (resources.manage there)';
CREATE FUNCTION @extschema@.explain(permission text, org_id bigint, user_id text DEFAULT NULL)
RETURNS TABLE (allowed boolean, path text, expires_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	subject text := @extschema@._subject(org_id, user_id);
	found_any boolean := false;
BEGIN
	PERFORM @extschema@._check_permissions_exist(ARRAY[permission]);
	FOR allowed, path, expires_at IN
		SELECT p.active,
			   format('%s holds %s at org %s%s (assignment %s)%s', subject, p.role_name, @extschema@._org_label(p.held_at),
					  CASE WHEN p.distance = 0 THEN '' ELSE format(', %s level(s) above org %s', p.distance, @extschema@._org_label(org_id)) END,
					  p.assignment_id, COALESCE(': ' || p.inactive_reason, '')),
			   p.expires_at
		  FROM @extschema@._org_paths(subject, org_id) p
		 WHERE p.permission = explain.permission
		 ORDER BY p.active DESC, p.distance, p.role_name, p.assignment_id
	LOOP
		found_any := found_any OR allowed;
		RETURN NEXT;
	END LOOP;
	FOR allowed, path, expires_at IN
		SELECT true,
			   format('%s is support staff and org %s has %s support access (%s%s)', subject, @extschema@._org_label(org_id), s.level,
					  s.source, COALESCE(', set on org ' || @extschema@._org_label(s.source_org_id), '')),
			   s.expires_at
		  FROM @extschema@._support_paths(subject, org_id) s
		 WHERE s.permission = explain.permission
	LOOP
		found_any := true;
		RETURN NEXT;
	END LOOP;
	IF NOT found_any THEN
		allowed := false;
		expires_at := NULL;
		path := CASE
			WHEN subject IS NULL AND @extschema@._identity() IS NOT NULL
			THEN format('user %s does not exist (set by set_user()): nobody is acting', @extschema@._identity())
			WHEN subject IS NULL THEN 'no user is acting'
			WHEN NOT EXISTS (SELECT 1 FROM @extschema@.users u WHERE u.id = subject) THEN format('user %s does not exist', subject)
			WHEN NOT EXISTS (SELECT 1 FROM @extschema@.orgs o WHERE o.id = org_id) THEN format('org %s does not exist', COALESCE(org_id::text, 'NULL'))
			ELSE format('%s holds no valid role carrying %s at org %s or above it', subject, permission, @extschema@._org_label(org_id)) END;
		RETURN NEXT;
	END IF;
END;
$$;

COMMENT ON FUNCTION @extschema@.explain(text, bigint, text) IS
'why a user has or lacks a permission at an org: one row per path (assignment and org chain) with its expiry; inactive paths say why';
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
								subject, p.role_name, @extschema@._org_label(p.held_at), @extschema@._resource_label(resource_id), p.assignment_id,
								COALESCE(': ' || p.inactive_reason, ''))
					ELSE format('grant %s gives %s held at org %s on resource %s%s; %s holds %s at org %s (assignment %s)%s',
								p.grant_id, p.role_name, @extschema@._org_label(p.authorized_org), @extschema@._resource_label(p.granted_on),
								CASE WHEN p.granted_on = resource_id THEN '' ELSE format(', above %s', @extschema@._resource_label(resource_id)) END,
								subject, p.role_name, @extschema@._org_label(p.held_at), p.assignment_id,
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
					  subject, @extschema@._org_label(r.org_id), @extschema@._resource_label(resource_id), s.level, s.source, COALESCE(', set on org ' || @extschema@._org_label(s.source_org_id), '')),
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
			WHEN subject IS NULL AND @extschema@._identity() IS NOT NULL
			THEN format('user %s does not exist (set by set_user()): nobody is acting', @extschema@._identity())
			WHEN subject IS NULL THEN 'no user is acting'
			WHEN NOT EXISTS (SELECT 1 FROM @extschema@.users u WHERE u.id = subject) THEN format('user %s does not exist', subject)
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
CREATE FUNCTION @extschema@.who_can(permission text, org_id bigint)
RETURNS TABLE (user_id text, role_name text, held_at_org bigint, expires_at timestamptz, held_at_key text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM @extschema@._require(org_id, 'members.manage');
	PERFORM @extschema@._org_exists(org_id);
	PERFORM @extschema@._check_permissions_exist(ARRAY[permission]);
	RETURN QUERY
	SELECT a.user_id, r.name, a.org_id, a.expires_at, o.key
	  FROM @extschema@._org_chain(org_id) c
	  JOIN @extschema@.assignments a ON a.org_id = c.org_id
	  JOIN @extschema@.orgs o ON o.id = a.org_id
	  JOIN @extschema@.roles r ON r.id = a.role_id
	  JOIN @extschema@.role_permissions rp ON rp.role_id = r.id AND rp.permission = who_can.permission
	 WHERE a.enabled AND a.valid_from <= statement_timestamp() AND statement_timestamp() < a.expires_at
	 ORDER BY a.user_id, c.depth, r.name;
END;
$$;

COMMENT ON FUNCTION @extschema@.who_can(text, bigint) IS
'every user who holds a permission at an org, with the role and org it comes from (and that org''s key) (members.manage there)';
CREATE FUNCTION @extschema@.who_can_resource(permission text, resource_id bigint)
RETURNS TABLE (user_id text, source text, role_name text, held_at_org bigint, expires_at timestamptz,
			   held_at_key text)
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
	SELECT DISTINCT ON (u.id, p.source, p.role_name, p.held_at) u.id, p.source, p.role_name, p.held_at, p.expires_at,
		   (SELECT o.key FROM @extschema@.orgs o WHERE o.id = p.held_at)
	  FROM @extschema@.users u, @extschema@._resource_paths(u.id, resource_id) p
	 WHERE p.active AND p.permission = who_can_resource.permission
	   AND (p.source = 'org' OR @extschema@._may_see(p.held_at, u.id))
	 ORDER BY u.id, p.source, p.role_name, p.held_at, p.expires_at DESC;
END;
$$;

COMMENT ON FUNCTION @extschema@.who_can_resource(text, bigint) IS
'every user who holds a permission on a resource, through the org or a grant, with the org''s key (members.manage in the resource''s org)';
CREATE FUNCTION @extschema@.protect_table(tbl regclass, org_column name,
										  read_permission text, write_permission text,
										  resource_column name DEFAULT NULL,
										  force boolean DEFAULT false,
										  by_key boolean DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	owner_oid oid;
	kind "char";
	persistence "char";
	coltype regtype;
	org_key_type regtype;
	res_key_type regtype;
	accepted text;
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
	SELECT t.type INTO org_key_type FROM @extschema@.key_types t WHERE t.kind = 'org';
	SELECT t.type INTO res_key_type FROM @extschema@.key_types t WHERE t.kind = 'resource';
	SELECT a.atttypid INTO coltype FROM pg_catalog.pg_attribute a
	 WHERE a.attrelid = tbl AND a.attname = org_column AND a.attnum > 0 AND NOT a.attisdropped;
	IF coltype IS NULL THEN
		RAISE EXCEPTION 'column "%" of table % does not exist', org_column, tbl USING ERRCODE = 'undefined_column';
	END IF;
	-- the org column holds org ids (bigint) or the application's org keys (a
	-- column of the configured org key type); by_key NULL decides by its type
	IF by_key IS NULL AND coltype = 'bigint'::regtype AND org_key_type = 'bigint'::regtype THEN
		RAISE EXCEPTION 'org column "%" of table % could hold org ids or org keys', org_column, tbl
			USING ERRCODE = 'ambiguous_parameter',
				  DETAIL = 'The org key type is bigint too.',
				  HINT = 'Pass by_key => true if it holds the application''s keys, by_key => false if it holds org ids.';
	ELSIF by_key IS NULL THEN
		by_key := coltype <> 'bigint'::regtype;
	END IF;
	accepted := CASE WHEN org_key_type IS NULL THEN 'bigint (org ids); no org key type is configured'
					 ELSE format('bigint (org ids) or %s (org keys)', org_key_type) END;
	IF by_key AND (org_key_type IS NULL OR coltype <> org_key_type) THEN
		RAISE EXCEPTION 'org column "%" of table % has type %, which is not the org key type', org_column, tbl, coltype
			USING ERRCODE = 'datatype_mismatch',
				  DETAIL = format('An org column is of type %s.', accepted),
				  HINT = CASE WHEN org_key_type IS NULL
							  THEN format('Configure the type of the application''s org keys: SELECT access_policy.set_key_type(''org'', %L).', coltype::text)
							  ELSE 'Protect a column of the org key type; an index on it lets the policy use index scans.' END;
	ELSIF NOT by_key AND coltype <> 'bigint'::regtype THEN
		RAISE EXCEPTION 'org column "%" of table % has type %, not bigint', org_column, tbl, coltype
			USING ERRCODE = 'datatype_mismatch',
				  DETAIL = format('An org column is of type %s.', accepted),
				  HINT = 'Org ids are bigint; an index on a bigint column lets the policy use index scans.';
	END IF;
	IF resource_column IS NOT NULL THEN
		coltype := NULL;
		SELECT a.atttypid INTO coltype FROM pg_catalog.pg_attribute a
		 WHERE a.attrelid = tbl AND a.attname = resource_column AND a.attnum > 0 AND NOT a.attisdropped;
		IF coltype IS NULL THEN
			RAISE EXCEPTION 'column "%" of table % does not exist', resource_column, tbl USING ERRCODE = 'undefined_column';
		ELSIF by_key AND (res_key_type IS NULL OR coltype <> res_key_type) THEN
			RAISE EXCEPTION 'resource column "%" of table % has type %, which is not the resource key type', resource_column, tbl, coltype
				USING ERRCODE = 'datatype_mismatch',
					  DETAIL = CASE WHEN res_key_type IS NULL THEN 'No resource key type is configured.'
									ELSE format('The resource column of a table protected by org keys is of type %s (resource keys).', res_key_type) END,
					  HINT = 'Protected by keys, both columns hold keys; configure them with access_policy.set_key_type(''resource'', ...).';
		ELSIF NOT by_key AND coltype <> 'bigint'::regtype THEN
			RAISE EXCEPTION 'resource column "%" of table % has type %, not bigint', resource_column, tbl, coltype
				USING ERRCODE = 'datatype_mismatch',
					  DETAIL = 'The resource column of a table protected by org ids is of type bigint (resource ids).';
		END IF;
		read_expr := format('@extschema@.%I(%I, %I, %L)', CASE WHEN by_key THEN 'can_row_key' ELSE 'can_row' END,
							org_column, resource_column, read_permission);
		write_expr := format('@extschema@.%I(%I, %I, %L)', CASE WHEN by_key THEN 'can_row_key' ELSE 'can_row' END,
							 org_column, resource_column, write_permission);
	ELSE
		read_expr := format('@extschema@.%I(%I, %L)', CASE WHEN by_key THEN 'can_key' ELSE 'can' END,
							org_column, read_permission);
		write_expr := format('@extschema@.%I(%I, %L)', CASE WHEN by_key THEN 'can_key' ELSE 'can' END,
							 org_column, write_permission);
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

	-- mistakes that leave rows unfiltered or scans slow are said here, not
	-- found in production: an owner that can log in (the application's
	-- role?) is not filtered unless forced; nor is a role with BYPASSRLS
	IF NOT force AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.oid = owner_oid AND r.rolcanlogin AND NOT r.rolsuper) THEN
		RAISE WARNING 'table % is owned by %, a role that can log in: its queries of the table are not filtered', tbl,
			  pg_catalog.pg_get_userbyid(owner_oid)
			USING DETAIL = 'Row level security does not apply to a table''s owner unless it is forced.',
				  HINT = 'If the application connects as that role, call protect_table() again with force => true, or let it connect as a role that does not own the table.';
	END IF;
	FOR pol IN SELECT r.rolname FROM pg_catalog.pg_roles r
				WHERE r.rolbypassrls AND NOT r.rolsuper AND r.rolcanlogin
				  AND pg_catalog.has_table_privilege(r.oid, tbl, 'SELECT, INSERT, UPDATE, DELETE')
				ORDER BY 1
	LOOP
		RAISE WARNING 'role % has BYPASSRLS and privileges on table %: its queries are not filtered', pol, tbl
			USING HINT = format('ALTER ROLE %I NOBYPASSRLS, unless it is meant to see every row.', pol);
	END LOOP;
	PERFORM 1 FROM pg_catalog.pg_index i
	 WHERE i.indrelid = tbl AND i.indkey[0] = (SELECT a.attnum FROM pg_catalog.pg_attribute a
												WHERE a.attrelid = tbl AND a.attname = org_column);
	IF NOT FOUND THEN
		RAISE NOTICE 'org column "%" of table % has no index', org_column, tbl
			USING HINT = format('CREATE INDEX ON %s (%I): a query of a user who sees few orgs can then use an index scan.', tbl, org_column);
	END IF;

	INSERT INTO @extschema@.protected_tables AS p (relid, org_column, resource_column, read_permission, write_permission, forced, by_key)
	VALUES (tbl, org_column, resource_column, read_permission, write_permission, force, by_key)
	ON CONFLICT ON CONSTRAINT protected_tables_pkey DO UPDATE
	   SET org_column = EXCLUDED.org_column, resource_column = EXCLUDED.resource_column,
		   read_permission = EXCLUDED.read_permission, write_permission = EXCLUDED.write_permission,
		   forced = EXCLUDED.forced, by_key = EXCLUDED.by_key;
END;
$$;

COMMENT ON FUNCTION @extschema@.protect_table(regclass, name, text, text, name, boolean, boolean) IS
'protect a tenant table: RLS policies for SELECT (read permission) and INSERT/UPDATE/DELETE (write permission) on its org column (org ids, or with by_key the application''s org keys; NULL: keys unless the column is bigint); call again to change them';
CREATE FUNCTION @extschema@._support_default_level()
RETURNS text
AS 'MODULE_PATHNAME', 'support_default_level' LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._support_default_level() IS
'internal: access_policy.support_default_level as the checks apply it, read or none (an invalid value is none)';
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
		@extschema@._support_default_level());
$$;

COMMENT ON FUNCTION @extschema@._support_customer_level(bigint) IS
'internal: the support access level the customer''s settings give at an org (overrides not counted)';
CREATE FUNCTION @extschema@._support_effective(org bigint)
RETURNS TABLE (level text, source text, source_org_id bigint, expires_at timestamptz, reason text, set_by text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH chain AS (SELECT c.org_id, c.depth FROM @extschema@._org_chain(org) c),
	own AS (
		SELECT s.level, CASE WHEN c.depth = 0 THEN 'own' ELSE 'inherited' END AS source, s.org_id,
			   s.expires_at, s.reason, s.set_by
		  FROM chain c JOIN @extschema@.support_settings s ON s.org_id = c.org_id
		 WHERE s.expires_at > statement_timestamp()
		 ORDER BY c.depth LIMIT 1),
	ov AS (
		SELECT o.level, 'override'::text AS source, o.org_id, o.expires_at, o.reason, o.set_by_role::text AS set_by
		  FROM chain c JOIN @extschema@.support_overrides o ON o.org_id = c.org_id
		 WHERE o.expires_at > statement_timestamp()
		 ORDER BY c.depth LIMIT 1),
	customer AS (
		SELECT * FROM own
		UNION ALL
		SELECT @extschema@._support_default_level(), 'default', NULL::bigint, NULL::timestamptz, NULL, NULL
		 WHERE NOT EXISTS (SELECT 1 FROM own) AND EXISTS (SELECT 1 FROM chain))
	-- an override wins when it gives more than the customer's setting
	SELECT * FROM (SELECT * FROM ov UNION ALL SELECT * FROM customer) x
	 ORDER BY CASE x.level WHEN 'write' THEN 2 WHEN 'read' THEN 1 ELSE 0 END DESC,
			  (x.source = 'override') ASC
	 LIMIT 1;
$$;

COMMENT ON FUNCTION @extschema@._support_effective(bigint) IS
'internal: the support access level in force at an org and where it comes from (same rules as the C engine)';
CREATE FUNCTION @extschema@._support_rows(ids bigint[])
RETURNS TABLE (org_id bigint, org_name text, level text, source text, source_org_id bigint,
			   expires_at timestamptz, remaining interval, summary text, reason text, set_by text,
			   org_key text)
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
		   e.reason, e.set_by, o.key
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
			SELECT @extschema@._support_default_level(), 'default',
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
			   expires_at timestamptz, remaining interval, summary text, reason text, set_by text,
			   org_key text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM @extschema@._support_rows(ARRAY[org]);
$$;

COMMENT ON FUNCTION @extschema@._support_row(bigint) IS
'internal: the support access status row of one org (no permission check)';
CREATE FUNCTION @extschema@.support_status(org bigint)
RETURNS TABLE (org_id bigint, org_name text, level text, source text, source_org_id bigint,
			   expires_at timestamptz, remaining interval, summary text, reason text, set_by text,
			   org_key text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	me_support boolean := EXISTS (SELECT 1 FROM @extschema@.users u
								   WHERE u.id = @extschema@.current_user_id() AND u.is_support_staff);
BEGIN
	IF NOT (@extschema@._is_system() OR me_support OR @extschema@.can(org, 'settings.view')) THEN
		RAISE EXCEPTION 'permission denied: settings.view at org %', org
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN QUERY SELECT * FROM @extschema@._support_row(org);
END;
$$;

COMMENT ON FUNCTION @extschema@.support_status(bigint) IS
'support access in force at an org: level, whether own/inherited/default/override and from which org, end time, time left, reason (settings.view there, or support staff)';
CREATE FUNCTION @extschema@.my_support_orgs()
RETURNS TABLE (org_id bigint, org_name text, level text, source text, expires_at timestamptz,
			   remaining interval, summary text, org_key text)
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
	SELECT s.org_id, s.org_name, s.level, s.source, s.expires_at, s.remaining, s.summary, s.org_key
	  FROM @extschema@._support_rows(ARRAY(SELECT o.id FROM @extschema@.orgs o)) s
	 WHERE s.level <> 'none'
	 ORDER BY s.org_id;
END;
$$;

COMMENT ON FUNCTION @extschema@.my_support_orgs() IS
'for support staff: the orgs open to them now, with level and time left';
CREATE FUNCTION @extschema@.support_statuses()
RETURNS TABLE (org_id bigint, org_name text, level text, source text, source_org_id bigint,
			   expires_at timestamptz, remaining interval, summary text, reason text, set_by text,
			   org_key text)
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
CREATE VIEW @extschema@.support_access_status AS
SELECT * FROM @extschema@.support_statuses();

COMMENT ON VIEW @extschema@.support_access_status IS
'support access in force per org, for the orgs the acting user may see: level, own/inherited/default/override and from which org, end time, time left, reason';
CREATE VIEW @extschema@.members WITH (security_barrier = true) AS
SELECT a.org_id, a.user_id, u.display_name, u.email, r.name AS role,
	   CASE WHEN NOT a.enabled THEN 'disabled'
			WHEN a.expires_at <= pg_catalog.statement_timestamp() THEN 'expired'
			WHEN a.valid_from > pg_catalog.statement_timestamp() THEN 'not yet valid'
			ELSE 'enabled' END AS status,
	   a.added_by, b.display_name AS added_by_name, a.added_at, a.expires_at, a.id AS assignment_id,
	   o.key AS org_key
  FROM @extschema@.assignments a
  JOIN @extschema@.orgs o ON o.id = a.org_id
  JOIN @extschema@.users u ON u.id = a.user_id
  JOIN @extschema@.roles r ON r.id = a.role_id
  LEFT JOIN @extschema@.users b ON b.id = a.added_by
 WHERE @extschema@.can(a.org_id, 'settings.view');

COMMENT ON VIEW @extschema@.members IS
'members of the orgs where the acting user holds settings.view: one row per role a user holds directly at the org (security barrier: rows of other orgs never reach user-supplied functions)';
COMMENT ON COLUMN @extschema@.members.org_id IS 'the org (project)';
COMMENT ON COLUMN @extschema@.members.user_id IS 'the member''s user id';
COMMENT ON COLUMN @extschema@.members.display_name IS 'the member''s display name';
COMMENT ON COLUMN @extschema@.members.email IS 'the member''s email address';
COMMENT ON COLUMN @extschema@.members.role IS 'role name (a user holding several roles at the org has one row each)';
COMMENT ON COLUMN @extschema@.members.status IS 'enabled, disabled, expired or not yet valid';
COMMENT ON COLUMN @extschema@.members.added_by IS 'user who added them (for an accepted invitation: who sent it)';
COMMENT ON COLUMN @extschema@.members.added_by_name IS 'display name of added_by';
COMMENT ON COLUMN @extschema@.members.added_at IS 'when they got this role';
COMMENT ON COLUMN @extschema@.members.expires_at IS 'end of the role''s validity (''infinity'': permanent)';
COMMENT ON COLUMN @extschema@.members.assignment_id IS 'the assignment behind this row';
COMMENT ON COLUMN @extschema@.members.org_key IS 'the application''s key of the org, NULL if none';
CREATE VIEW @extschema@.sent_invitations WITH (security_barrier = true) AS
SELECT i.id, i.org_id, i.email, r.name AS role,
	   -- the same classification as _invitation_status(), written out: functions
	   -- called in a view need EXECUTE by whoever queries it, and that helper is internal
	   CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted'
			WHEN i.revoked_at IS NOT NULL THEN 'revoked'
			WHEN i.expires_at <= pg_catalog.statement_timestamp() THEN 'expired'
			ELSE 'pending' END AS status,
	   i.invited_by, b.display_name AS invited_by_name, i.invited_at, i.expires_at,
	   i.accepted_by, i.accepted_at, i.revoked_by, i.revoked_at, i.replaced_by, o.key AS org_key
  FROM @extschema@.invitations i
  JOIN @extschema@.orgs o ON o.id = i.org_id
  JOIN @extschema@.roles r ON r.id = i.role_id
  LEFT JOIN @extschema@.users b ON b.id = i.invited_by
 WHERE @extschema@.can(i.org_id, 'members.manage');

COMMENT ON VIEW @extschema@.sent_invitations IS
'every invitation of the orgs where the acting user holds members.manage, with its status (never the token or its hash)';
COMMENT ON COLUMN @extschema@.sent_invitations.id IS 'invitation id (revoke_invitation() takes it)';
COMMENT ON COLUMN @extschema@.sent_invitations.org_id IS 'org the invitee joins';
COMMENT ON COLUMN @extschema@.sent_invitations.email IS 'invited address';
COMMENT ON COLUMN @extschema@.sent_invitations.role IS 'role the invitee gets';
COMMENT ON COLUMN @extschema@.sent_invitations.status IS 'pending, accepted, revoked (also when replaced while pending) or expired';
COMMENT ON COLUMN @extschema@.sent_invitations.invited_by IS 'user who sent it (NULL: a superuser acting as no user)';
COMMENT ON COLUMN @extschema@.sent_invitations.invited_by_name IS 'display name of the user who sent it';
COMMENT ON COLUMN @extschema@.sent_invitations.invited_at IS 'when it was sent';
COMMENT ON COLUMN @extschema@.sent_invitations.expires_at IS 'it cannot be accepted from then on';
COMMENT ON COLUMN @extschema@.sent_invitations.accepted_by IS 'user who accepted it';
COMMENT ON COLUMN @extschema@.sent_invitations.accepted_at IS 'when it was accepted';
COMMENT ON COLUMN @extschema@.sent_invitations.revoked_by IS 'user who revoked or replaced it';
COMMENT ON COLUMN @extschema@.sent_invitations.revoked_at IS 'when it was revoked or replaced';
COMMENT ON COLUMN @extschema@.sent_invitations.replaced_by IS 'later invitation to the same address that replaced this one';
COMMENT ON COLUMN @extschema@.sent_invitations.org_key IS 'the application''s key of the org, NULL if none';
CREATE VIEW @extschema@.pending_invitations WITH (security_barrier = true) AS
SELECT s.id, s.org_id, s.email, s.role, s.invited_by, s.invited_by_name, s.invited_at, s.expires_at,
	   s.expires_at - pg_catalog.statement_timestamp() AS time_left, s.org_key
  FROM @extschema@.sent_invitations s
 WHERE s.status = 'pending';

COMMENT ON VIEW @extschema@.pending_invitations IS
'outstanding invitations (they can still be accepted) of the orgs where the acting user holds members.manage';
COMMENT ON COLUMN @extschema@.pending_invitations.id IS 'invitation id (revoke_invitation() takes it)';
COMMENT ON COLUMN @extschema@.pending_invitations.org_id IS 'org the invitee joins';
COMMENT ON COLUMN @extschema@.pending_invitations.email IS 'invited address';
COMMENT ON COLUMN @extschema@.pending_invitations.role IS 'role the invitee gets';
COMMENT ON COLUMN @extschema@.pending_invitations.invited_by IS 'user who sent it (NULL: a superuser acting as no user)';
COMMENT ON COLUMN @extschema@.pending_invitations.invited_by_name IS 'display name of the user who sent it';
COMMENT ON COLUMN @extschema@.pending_invitations.invited_at IS 'when it was sent';
COMMENT ON COLUMN @extschema@.pending_invitations.expires_at IS 'it cannot be accepted from then on';
COMMENT ON COLUMN @extschema@.pending_invitations.time_left IS 'how long it can still be accepted';
COMMENT ON COLUMN @extschema@.pending_invitations.org_key IS 'the application''s key of the org, NULL if none';
CREATE FUNCTION @extschema@.accept_invitation(token text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET log_min_error_statement = panic
AS $$
DECLARE
	me text := @extschema@.current_user_id();
	inv @extschema@.invitations%ROWTYPE;
	my_email text;
	lacking text;
BEGIN
	/*
	 * Never put the token, or any part of it but the id, into a message: a
	 * failed call is logged with its error.
	 */
	IF me IS NULL THEN
		PERFORM @extschema@._refuse_no_user();
	END IF;
	-- nested, not AND: a cast must never see (and quote) a malformed token
	IF token ~ '^[0-9]{1,19}\.[A-Za-z0-9_-]{43}$' THEN
		IF split_part(token, '.', 1)::numeric <= 9223372036854775807 THEN
			-- the row lock makes concurrent acceptances and revocations of it take turns
			SELECT * INTO inv FROM @extschema@.invitations i
			 WHERE i.id = split_part(token, '.', 1)::bigint
			   FOR UPDATE;
		END IF;
	END IF;
	IF inv.id IS NULL
	   OR NOT @extschema@._hashes_equal(sha256(convert_to(split_part(token, '.', 2), 'UTF8')), inv.token_hash) THEN
		RAISE EXCEPTION 'invalid invitation token'
			USING ERRCODE = 'invalid_authorization_specification',
				  HINT = 'Use the complete link from the invitation, or ask for a new invitation.';
	END IF;

	SELECT u.email INTO my_email FROM @extschema@.users u WHERE u.id = me;
	IF my_email IS NULL OR lower(my_email) <> lower(inv.email) THEN
		RAISE EXCEPTION 'invitation % was sent to another email address', inv.id
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = pg_catalog.format('The email address of user %s does not match the invitation.', me),
				  HINT = 'Accept it as the invited person, or ask for an invitation to your own address.';
	END IF;

	CASE @extschema@._invitation_status(inv.accepted_at, inv.revoked_at, inv.expires_at)
		WHEN 'accepted' THEN
			RAISE EXCEPTION 'invitation % has already been used', inv.id
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'An invitation can be accepted only once.';
		WHEN 'revoked' THEN
			IF inv.replaced_by IS NOT NULL THEN
				RAISE EXCEPTION 'invitation % has been revoked', inv.id
					USING ERRCODE = 'object_not_in_prerequisite_state',
						  DETAIL = pg_catalog.format('It was replaced by invitation %s.', inv.replaced_by),
						  HINT = 'Use the newest invitation sent to you.';
			END IF;
			RAISE EXCEPTION 'invitation % has been revoked', inv.id
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Ask a member who manages the team for a new invitation.';
		WHEN 'expired' THEN
			RAISE EXCEPTION 'invitation % has expired', inv.id
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Ask a member who manages the team to send a new invitation.';
		ELSE
			NULL;
	END CASE;

	-- the invitation carries its sender's authority: it lapses when the sender loses it
	IF inv.invited_by IS NOT NULL THEN
		lacking := @extschema@._lacking_permission(inv.invited_by, inv.org_id,
			ARRAY['members.manage'] || ARRAY(SELECT rp.permission FROM @extschema@.role_permissions rp
											 WHERE rp.role_id = inv.role_id));
		IF lacking IS NOT NULL THEN
			RAISE EXCEPTION 'invitation % is no longer valid', inv.id
				USING ERRCODE = 'insufficient_privilege',
					  DETAIL = pg_catalog.format('User %s, who sent it, no longer holds %s at org %s.',
												 inv.invited_by, lacking, inv.org_id),
					  HINT = 'Ask a member who manages the team for a new invitation.';
		END IF;
	END IF;

	IF EXISTS (SELECT 1 FROM @extschema@.assignments a WHERE a.org_id = inv.org_id AND a.user_id = me) THEN
		RAISE EXCEPTION 'user "%" is already a member of org %', me, inv.org_id
			USING ERRCODE = 'duplicate_object',
				  HINT = 'A member who manages the team can change your role with access_policy.change_role(); the invitation stays pending until it is revoked or expires.';
	END IF;

	INSERT INTO @extschema@.assignments (user_id, org_id, role_id, added_by)
	VALUES (me, inv.org_id, inv.role_id, inv.invited_by);
	UPDATE @extschema@.invitations i
	   SET accepted_at = statement_timestamp(), accepted_by = me
	 WHERE i.id = inv.id;
	RETURN inv.org_id;
END;
$$;

COMMENT ON FUNCTION @extschema@.accept_invitation(text) IS
'accept an invitation as the acting user, whose email must match it: they become a member of the org with the invited role; returns the org id.  Wrong token, wrong user, expired, revoked or used invitations, and invitations whose sender has since lost the right to send them, are refused and nothing changes.  Pass the token as a bind parameter: a failed statement is logged with its text';
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

	WITH RECURSIVE sub(id, parent_id, name, key, depth) AS (
		SELECT o.id, o.parent_id, o.name, o.key, 0 FROM @extschema@.orgs o WHERE o.id = access_graph.org_id
		UNION ALL
		SELECT c.id, c.parent_id, c.name, c.key, s.depth + 1
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
				@extschema@._dot_str(s.name || E'\norg ' || s.id || COALESCE(E'\nkey ' || s.key, '') || E'\nsupport: ' || sr.level
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
/* sql/upgrade--0.4.0-post.sql -- upgrade from 0.4.0: privileges of the functions defined again */

-- as in a fresh install: nothing for PUBLIC but what is granted on purpose
REVOKE ALL ON FUNCTION
	@extschema@.create_org(text, bigint, bigint, text),
	@extschema@.create_resource(bigint, text, text, bigint, text),
	@extschema@.protect_table(regclass, name, text, text, name, boolean, boolean),
	@extschema@.explain(text, bigint, text),
	@extschema@.explain_resource(text, bigint, text),
	@extschema@.who_can(text, bigint),
	@extschema@.who_can_resource(text, bigint),
	@extschema@._support_rows(bigint[]),
	@extschema@._support_row(bigint),
	@extschema@.support_status(bigint),
	@extschema@.support_statuses(),
	@extschema@.my_support_orgs(),
	@extschema@.access_graph(bigint, integer),
	@extschema@.delete_org(bigint, boolean),
	@extschema@._support_default_level(),
	@extschema@._support_customer_level(bigint),
	@extschema@._support_effective(bigint),
	@extschema@._identity(),
	@extschema@._refuse_no_user(),
	@extschema@.accept_invitation(text),
	@extschema@.register_permission(text, boolean, text, boolean),
	@extschema@.set_role_permissions(bigint, text[])
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.accept_invitation(text) TO PUBLIC;
REVOKE ALL ON @extschema@.support_access_status, @extschema@.members, @extschema@.sent_invitations,
	@extschema@.pending_invitations FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	@extschema@.explain(text, bigint, text),
	@extschema@.explain_resource(text, bigint, text),
	@extschema@.who_can(text, bigint),
	@extschema@.who_can_resource(text, bigint),
	@extschema@.support_status(bigint),
	@extschema@.support_statuses(),
	@extschema@.my_support_orgs(),
	@extschema@.access_graph(bigint, integer)
TO PUBLIC;
GRANT SELECT ON @extschema@.support_access_status, @extschema@.members, @extschema@.sent_invitations,
	@extschema@.pending_invitations TO PUBLIC;

-- and whatever was granted on them before the upgrade, again
DO $$
DECLARE
	g record;
BEGIN
	FOR g IN
		SELECT e.key AS signature, a.grantee, a.is_grantable
		  FROM pg_catalog.jsonb_each_text(COALESCE(NULLIF(
				   pg_catalog.current_setting('access_policy_upgrade.acl', true), ''), '{}')::pg_catalog.jsonb) e
		 CROSS JOIN LATERAL pg_catalog.aclexplode(e.value::pg_catalog.aclitem[]) a
		 WHERE a.privilege_type = 'EXECUTE'
		   AND a.grantee <> (SELECT p.proowner FROM pg_catalog.pg_proc p
							  WHERE p.oid = e.key::pg_catalog.regprocedure)
	LOOP
		EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %s%s',
								  g.signature::pg_catalog.regprocedure,
								  CASE WHEN g.grantee = 0 THEN 'PUBLIC'
									   ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END,
								  CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
	END LOOP;
	FOR g IN
		SELECT e.key AS view_name, a.grantee, a.privilege_type, a.is_grantable
		  FROM pg_catalog.jsonb_each_text(COALESCE(NULLIF(
				   pg_catalog.current_setting('access_policy_upgrade.view_acl', true), ''), '{}')::pg_catalog.jsonb) e
		 CROSS JOIN LATERAL pg_catalog.aclexplode(e.value::pg_catalog.aclitem[]) a
		 WHERE a.grantee <> (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = e.key::pg_catalog.regclass)
	LOOP
		EXECUTE pg_catalog.format('GRANT %s ON TABLE %s TO %s%s', g.privilege_type,
								  g.view_name::pg_catalog.regclass,
								  CASE WHEN g.grantee = 0 THEN 'PUBLIC'
									   ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END,
								  CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
	END LOOP;
END;
$$;
/* sql/access_policy_keys.sql -- tenant keys: the application's own uuid, text or integer keys of orgs and resources (new in 0.5.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- An org and a resource may carry the application's own key (its tenant id:
-- a uuid, a slug, an integer), unique, of the one type configured for orgs
-- and the one configured for resources.  The key is stored in its canonical
-- text form (the type's output of the value: a uuid in lower case with
-- hyphens, an integer without leading zeros), so that every spelling of a
-- value is the same key.  The checks, lists and the RLS helper take keys of
-- the configured type directly (can_key(), org_keys_with(), ...); the
-- generated bigint ids keep working as before.  The key columns and the
-- table of key types are in sql/access_policy_keys_schema.sql, which comes
-- before the views that show keys.
------------------------------------------------------------------------------

------------------------------------------------------------------------------
-- C functions: keys
------------------------------------------------------------------------------

CREATE FUNCTION @extschema@._canonical_key(kind text, key text)
RETURNS text
AS 'MODULE_PATHNAME', 'canonical_key' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._canonical_key(text, text) IS
'internal: the canonical text of a key of kind (org or resource) given as text; an error if no key type is configured or the text is no value of it';

CREATE FUNCTION @extschema@.org_id(key anycompatible)
RETURNS bigint
AS 'MODULE_PATHNAME', 'org_id_by_key' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.org_id(anycompatible) IS
'the id of the org with this key (of the configured org key type, or its text); an error (42704) if there is none: use it to pass a key to an administration function';

CREATE FUNCTION @extschema@.resource_id(key anycompatible)
RETURNS bigint
AS 'MODULE_PATHNAME', 'resource_id_by_key' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.resource_id(anycompatible) IS
'the id of the resource with this key; an error (42704) if there is none';

CREATE FUNCTION @extschema@.org_keys_with(permission text, key_type anycompatible DEFAULT NULL::text)
RETURNS anycompatiblearray
AS 'MODULE_PATHNAME', 'org_keys_with' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.org_keys_with(text, anycompatible) IS
'keys of the orgs where the current user holds the permission (orgs without a key are left out), as an array of key_type''s type: org_keys_with(''p'', NULL::uuid) is a uuid[]';

CREATE FUNCTION @extschema@._can_key_support(internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'can_support' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._can_key_support(internal) IS
'internal: planner support for can_key(): selectivity and an index condition on the org key column';

CREATE FUNCTION @extschema@.can_key(org_key anycompatible, permission text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'can_key' LANGUAGE C STABLE PARALLEL SAFE
SUPPORT @extschema@._can_key_support;
COMMENT ON FUNCTION @extschema@.can_key(anycompatible, text) IS
'can() by the org''s key: may the current user do permission at the org with this key?  An unknown key answers false';

CREATE FUNCTION @extschema@.can_resource_key(resource_key anycompatible, permission text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'can_resource_key' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.can_resource_key(anycompatible, text) IS
'can_resource() by the resource''s key';

CREATE FUNCTION @extschema@.can_action_key(resource_key anycompatible, action text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'can_action_key' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.can_action_key(anycompatible, text) IS
'can_action() by the resource''s key';

CREATE FUNCTION @extschema@.can_row_key(org_key anycompatible, resource_key anyelement, permission text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'can_row_key' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.can_row_key(anycompatible, anyelement, text) IS
'can_row() by keys: can_key() when resource_key is NULL, else can_resource_key() on a resource of that org';

CREATE FUNCTION @extschema@.resource_keys_with(root_key anycompatible, permission text)
RETURNS anycompatiblearray
AS 'MODULE_PATHNAME', 'resource_keys_with' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.resource_keys_with(anycompatible, text) IS
'resources_with() by keys: keys of the resources at or below the resource root_key on which the current user holds the permission (resources without a key are left out)';

CREATE FUNCTION @extschema@.resource_keys_allowing(root_key anycompatible, action text)
RETURNS anycompatiblearray
AS 'MODULE_PATHNAME', 'resource_keys_allowing' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.resource_keys_allowing(anycompatible, text) IS
'resources_allowing() by keys: keys of the resources at or below root_key on which the current user may do the action';

-- VOLATILE: it deletes rows and runs the owner's triggers (as _tenant_rows())
CREATE FUNCTION @extschema@._tenant_rows_by_key(tbl regclass, org_column name, org_keys text[], do_delete boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'tenant_rows_by_key' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@._tenant_rows_by_key(regclass, name, text[], boolean) IS
'internal: _tenant_rows() of a table protected by org keys: the rows whose org column holds one of the keys (canonical text); superuser only';

------------------------------------------------------------------------------
-- Writing keys
------------------------------------------------------------------------------

-- every key written is checked against the configured type and stored in
-- its canonical form; a changed key signals the org's channel (the
-- invalidate_move trigger of sql/access_policy_channels.sql is replaced by
-- one that also fires for it)
CREATE FUNCTION @extschema@._key_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NEW.key IS NOT NULL THEN
		NEW.key := @extschema@._canonical_key(TG_ARGV[0], NEW.key);
		IF (TG_OP = 'INSERT' OR OLD.key IS DISTINCT FROM NEW.key) AND NOT @extschema@._is_system()
		   AND EXISTS (SELECT 1 FROM @extschema@.retired_keys r WHERE r.kind = TG_ARGV[0] AND r.key = NEW.key) THEN
			RAISE EXCEPTION '% key "%" was used before and is not given out again', TG_ARGV[0], NEW.key
				USING ERRCODE = 'unique_violation', CONSTRAINT = 'retired_keys_pkey',
					  DETAIL = 'Rows that still carry the key would open to the new holder.',
					  HINT = 'Use a new key.  A superuser acting as no user may reuse one (a restore or a migration).';
		END IF;
	END IF;
	RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@._key_guard() IS
'internal: a key written to orgs or resources must be a value of the configured key type, never used before (retired_keys); stored in canonical text';

-- a removed, replaced or deleted key is retired
CREATE FUNCTION @extschema@._retire_key()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF OLD.key IS NOT NULL AND (TG_OP = 'DELETE' OR OLD.key IS DISTINCT FROM NEW.key) THEN
		INSERT INTO @extschema@.retired_keys AS r (kind, key) VALUES (TG_ARGV[0], OLD.key)
		ON CONFLICT ON CONSTRAINT retired_keys_pkey DO NOTHING;
	END IF;
	RETURN NULL;
END;
$$;
COMMENT ON FUNCTION @extschema@._retire_key() IS
'internal: the key of a deleted org or resource, or the key it had before a change, goes to retired_keys';

CREATE TRIGGER key_guard BEFORE INSERT OR UPDATE OF key ON @extschema@.orgs
	FOR EACH ROW EXECUTE FUNCTION @extschema@._key_guard('org');
CREATE TRIGGER key_guard BEFORE INSERT OR UPDATE OF key ON @extschema@.resources
	FOR EACH ROW EXECUTE FUNCTION @extschema@._key_guard('resource');
CREATE TRIGGER retire_key AFTER UPDATE OF key OR DELETE ON @extschema@.orgs
	FOR EACH ROW EXECUTE FUNCTION @extschema@._retire_key('org');
CREATE TRIGGER retire_key AFTER UPDATE OF key OR DELETE ON @extschema@.resources
	FOR EACH ROW EXECUTE FUNCTION @extschema@._retire_key('resource');

-- the channel of an org's key too (a backend that looked the key up and
-- found nothing touched it): a new org with a key, a move, a changed id or a
-- changed key; not a rename
DROP TRIGGER invalidate_row ON @extschema@.orgs;
CREATE TRIGGER invalidate_row AFTER INSERT OR DELETE ON @extschema@.orgs
	FOR EACH ROW EXECUTE FUNCTION @extschema@._invalidate('id', 'parent_id', 'key');
DROP TRIGGER invalidate_move ON @extschema@.orgs;
CREATE TRIGGER invalidate_move AFTER UPDATE ON @extschema@.orgs
	FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.parent_id IS DISTINCT FROM NEW.parent_id
					   OR OLD.key IS DISTINCT FROM NEW.key)
	EXECUTE FUNCTION @extschema@._invalidate('id', 'parent_id', 'key');

CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON @extschema@.key_types
	FOR EACH ROW EXECUTE FUNCTION @extschema@._audit();
CREATE TRIGGER invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.key_types
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._invalidate();

CREATE FUNCTION @extschema@.set_key_type(kind text, type regtype)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	current regtype;
BEGIN
	PERFORM @extschema@._require_system('set a key type');
	IF kind IS NULL OR kind NOT IN ('org', 'resource') THEN
		RAISE EXCEPTION 'invalid key kind "%"', kind
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The kind is org or resource.';
	END IF;
	IF type IS NOT NULL AND type NOT IN ('uuid'::regtype, 'text'::regtype, 'integer'::regtype, 'bigint'::regtype) THEN
		RAISE EXCEPTION '% keys cannot be of type %', kind, type
			USING ERRCODE = 'datatype_mismatch',
				  HINT = 'Keys are of type uuid, text, integer or bigint.';
	END IF;
	SELECT t.type INTO current FROM @extschema@.key_types t WHERE t.kind = set_key_type.kind;
	IF current IS NOT DISTINCT FROM type THEN
		RETURN;
	END IF;
	IF (kind = 'org' AND EXISTS (SELECT 1 FROM @extschema@.orgs o WHERE o.key IS NOT NULL))
	   OR (kind = 'resource' AND EXISTS (SELECT 1 FROM @extschema@.resources r WHERE r.key IS NOT NULL)) THEN
		RAISE EXCEPTION 'cannot change the type of % keys while % keys exist', kind, kind
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = format('Remove them first (access_policy.set_%s_key(id, NULL)).', kind);
	END IF;
	IF type IS NULL THEN
		DELETE FROM @extschema@.key_types t WHERE t.kind = set_key_type.kind;
	ELSIF current IS NULL THEN
		INSERT INTO @extschema@.key_types (kind, type) VALUES (set_key_type.kind, set_key_type.type);
	ELSE
		UPDATE @extschema@.key_types t SET type = set_key_type.type WHERE t.kind = set_key_type.kind;
	END IF;
END;
$$;
COMMENT ON FUNCTION @extschema@.set_key_type(text, regtype) IS
'configure the type of the application''s keys of orgs or resources (uuid, text, integer, bigint; NULL: none), while no key of that kind exists; superuser acting as no user';

CREATE FUNCTION @extschema@.set_org_key(org_id bigint, key text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	violated text;
	msg text;
	detail text;
	hint text;
BEGIN
	PERFORM @extschema@._require(org_id, 'org.manage');
	PERFORM @extschema@._org_exists(org_id);
	UPDATE @extschema@.orgs o SET key = set_org_key.key WHERE o.id = org_id;
EXCEPTION
	WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
								hint = PG_EXCEPTION_HINT;
		IF violated = 'retired_keys_pkey' THEN
			RAISE EXCEPTION USING ERRCODE = 'unique_violation', MESSAGE = msg, DETAIL = detail, HINT = hint;
		END IF;
		RAISE EXCEPTION 'org key "%" is already taken', @extschema@._canonical_key('org', key)
			USING ERRCODE = 'unique_violation';
	WHEN check_violation THEN
		RAISE EXCEPTION 'invalid org key "%"', key
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A key is 1 to 256 bytes as text.';
END;
$$;
COMMENT ON FUNCTION @extschema@.set_org_key(bigint, text) IS
'set or change (NULL: remove) the application''s key of an org (org.manage there), given as text of the configured org key type';

CREATE FUNCTION @extschema@.set_resource_key(resource_id bigint, key text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	org bigint;
	violated text;
	msg text;
	detail text;
	hint text;
BEGIN
	SELECT r.org_id INTO org FROM @extschema@.resources r WHERE r.id = resource_id;
	-- permission first: an unknown id is denied like a foreign one, so ids do not leak
	PERFORM @extschema@._require(org, 'resources.manage');
	IF org IS NULL THEN
		RAISE EXCEPTION 'resource % does not exist', COALESCE(resource_id::text, 'NULL')
			USING ERRCODE = 'undefined_object';
	END IF;
	UPDATE @extschema@.resources r SET key = set_resource_key.key WHERE r.id = resource_id;
EXCEPTION
	WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
								hint = PG_EXCEPTION_HINT;
		IF violated = 'retired_keys_pkey' THEN
			RAISE EXCEPTION USING ERRCODE = 'unique_violation', MESSAGE = msg, DETAIL = detail, HINT = hint;
		END IF;
		RAISE EXCEPTION 'resource key "%" is already taken', @extschema@._canonical_key('resource', key)
			USING ERRCODE = 'unique_violation';
	WHEN check_violation THEN
		RAISE EXCEPTION 'invalid resource key "%"', key
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A key is 1 to 256 bytes as text.';
END;
$$;
COMMENT ON FUNCTION @extschema@.set_resource_key(bigint, text) IS
'set or change (NULL: remove) the application''s key of a resource (resources.manage in its org), given as text of the configured resource key type';

-- how introspection names an org or a resource: its id, and its key if it
-- has one
CREATE FUNCTION @extschema@._org_label(org bigint)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE(org::text || COALESCE(' (key ' || (SELECT o.key FROM @extschema@.orgs o WHERE o.id = org) || ')', ''), 'NULL')
$$;
COMMENT ON FUNCTION @extschema@._org_label(bigint) IS 'internal: "id (key k)" of an org, for introspection';

CREATE FUNCTION @extschema@._resource_label(resource bigint)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE(resource::text || COALESCE(' (key ' || (SELECT r.key FROM @extschema@.resources r WHERE r.id = resource) || ')', ''), 'NULL')
$$;
COMMENT ON FUNCTION @extschema@._resource_label(bigint) IS 'internal: "id (key k)" of a resource, for introspection';

REVOKE ALL ON FUNCTION
	@extschema@._canonical_key(text, text),
	@extschema@.org_id(anycompatible),
	@extschema@.resource_id(anycompatible),
	@extschema@.org_keys_with(text, anycompatible),
	@extschema@._can_key_support(internal),
	@extschema@.can_key(anycompatible, text),
	@extschema@.can_resource_key(anycompatible, text),
	@extschema@.can_action_key(anycompatible, text),
	@extschema@.can_row_key(anycompatible, anyelement, text),
	@extschema@.resource_keys_with(anycompatible, text),
	@extschema@.resource_keys_allowing(anycompatible, text),
	@extschema@._tenant_rows_by_key(regclass, name, text[], boolean),
	@extschema@._key_guard(),
	@extschema@._retire_key(),
	@extschema@.set_key_type(text, regtype),
	@extschema@.set_org_key(bigint, text),
	@extschema@.set_resource_key(bigint, text),
	@extschema@._org_label(bigint),
	@extschema@._resource_label(bigint)
FROM PUBLIC;
REVOKE ALL ON @extschema@.key_types, @extschema@.retired_keys FROM PUBLIC;

-- the checks and lists by key, like those by id, answer for the acting user
-- only and run inside RLS policies: granted to PUBLIC on purpose
GRANT EXECUTE ON FUNCTION
	@extschema@.can_key(anycompatible, text),
	@extschema@.can_resource_key(anycompatible, text),
	@extschema@.can_action_key(anycompatible, text),
	@extschema@.can_row_key(anycompatible, anyelement, text),
	@extschema@.org_keys_with(text, anycompatible),
	@extschema@.resource_keys_with(anycompatible, text),
	@extschema@.resource_keys_allowing(anycompatible, text)
TO PUBLIC;
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
		PERFORM @extschema@._refuse_no_user();
	END IF;
	-- refuses (42704) an org you hold no role at, and one that does not exist, alike
	PERFORM @extschema@._lock_member(leave_org.org_id, me);
	PERFORM @extschema@._guard_last_admin(leave_org.org_id, me, 'leave as');
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
	IF NOT @extschema@._is_system() AND me IS DISTINCT FROM user_id THEN
		IF me IS NULL THEN
			PERFORM @extschema@._refuse_no_user();
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
	PERFORM @extschema@._check_permissions_exist(ARRAY[permission]);
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
	PERFORM @extschema@._check_permissions_exist(ARRAY[permission]);
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
	PERFORM @extschema@._require_system('grant the API');
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
COMMENT ON COLUMN @extschema@.support_access_status.org_key IS 'the application''s key of the org, NULL if none';
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

COMMENT ON FUNCTION @extschema@._invalidate() IS
'internal: cache invalidation trigger of the policy tables: signals the part of the cache a write changes (a user bucket, the channels of the orgs written, or a whole part)';
