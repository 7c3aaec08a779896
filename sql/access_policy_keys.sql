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

CREATE FUNCTION access_policy_internal._canonical_key(kind text, key text)
RETURNS text
AS 'MODULE_PATHNAME', 'canonical_key' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION access_policy_internal._canonical_key(text, text) IS
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

CREATE FUNCTION access_policy_internal._can_key_support(internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'can_support' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION access_policy_internal._can_key_support(internal) IS
'internal: planner support for can_key(): selectivity and an index condition on the org key column';

CREATE FUNCTION @extschema@.can_key(org_key anycompatible, permission text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'can_key' LANGUAGE C STABLE PARALLEL SAFE
SUPPORT access_policy_internal._can_key_support;
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
CREATE FUNCTION access_policy_internal._tenant_rows_by_key(tbl regclass, org_column name, org_keys text[], do_delete boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'tenant_rows_by_key' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION access_policy_internal._tenant_rows_by_key(regclass, name, text[], boolean) IS
'internal: _tenant_rows() of a table protected by org keys: the rows whose org column holds one of the keys (canonical text); superuser only';

------------------------------------------------------------------------------
-- Writing keys
------------------------------------------------------------------------------

-- every key written is checked against the configured type and stored in
-- its canonical form; a changed key signals the org's channel (the
-- invalidate_move trigger of sql/access_policy_channels.sql is replaced by
-- one that also fires for it)
CREATE FUNCTION access_policy_internal._key_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NEW.key IS NOT NULL THEN
		NEW.key := access_policy_internal._canonical_key(TG_ARGV[0], NEW.key);
		IF (TG_OP = 'INSERT' OR OLD.key IS DISTINCT FROM NEW.key) AND NOT access_policy_internal._is_system()
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
COMMENT ON FUNCTION access_policy_internal._key_guard() IS
'internal: a key written to orgs or resources must be a value of the configured key type, never used before (retired_keys); stored in canonical text';

-- a removed, replaced or deleted key is retired
CREATE FUNCTION access_policy_internal._retire_key()
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
COMMENT ON FUNCTION access_policy_internal._retire_key() IS
'internal: the key of a deleted org or resource, or the key it had before a change, goes to retired_keys';

CREATE TRIGGER key_guard BEFORE INSERT OR UPDATE OF key ON @extschema@.orgs
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._key_guard('org');
CREATE TRIGGER key_guard BEFORE INSERT OR UPDATE OF key ON @extschema@.resources
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._key_guard('resource');
CREATE TRIGGER retire_key AFTER UPDATE OF key OR DELETE ON @extschema@.orgs
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._retire_key('org');
CREATE TRIGGER retire_key AFTER UPDATE OF key OR DELETE ON @extschema@.resources
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._retire_key('resource');

-- the channel of an org's key too (a backend that looked the key up and
-- found nothing touched it): a new org with a key, a move, a changed id or a
-- changed key; not a rename
DROP TRIGGER invalidate_row ON @extschema@.orgs;
CREATE TRIGGER invalidate_row AFTER INSERT OR DELETE ON @extschema@.orgs
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._invalidate('id', 'parent_id', 'key');
DROP TRIGGER invalidate_move ON @extschema@.orgs;
CREATE TRIGGER invalidate_move AFTER UPDATE ON @extschema@.orgs
	FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.parent_id IS DISTINCT FROM NEW.parent_id
					   OR OLD.key IS DISTINCT FROM NEW.key)
	EXECUTE FUNCTION access_policy_internal._invalidate('id', 'parent_id', 'key');

CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON @extschema@.key_types
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._audit();
CREATE TRIGGER invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.key_types
	FOR EACH STATEMENT EXECUTE FUNCTION access_policy_internal._invalidate();

CREATE FUNCTION @extschema@.set_key_type(kind text, type regtype)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	current regtype;
BEGIN
	PERFORM access_policy_internal._require_system('set a key type');
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
	PERFORM access_policy_internal._require(org_id, 'org.manage');
	PERFORM access_policy_internal._org_exists(org_id);
	UPDATE @extschema@.orgs o SET key = set_org_key.key WHERE o.id = org_id;
EXCEPTION
	WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
								hint = PG_EXCEPTION_HINT;
		IF violated = 'retired_keys_pkey' THEN
			RAISE EXCEPTION USING ERRCODE = 'unique_violation', MESSAGE = msg, DETAIL = detail, HINT = hint;
		END IF;
		RAISE EXCEPTION 'org key "%" is already taken', access_policy_internal._canonical_key('org', key)
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
	PERFORM access_policy_internal._require(org, 'resources.manage');
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
		RAISE EXCEPTION 'resource key "%" is already taken', access_policy_internal._canonical_key('resource', key)
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
CREATE FUNCTION access_policy_internal._org_label(org bigint)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE(org::text || COALESCE(' (key ' || (SELECT o.key FROM @extschema@.orgs o WHERE o.id = org) || ')', ''), 'NULL')
$$;
COMMENT ON FUNCTION access_policy_internal._org_label(bigint) IS 'internal: "id (key k)" of an org, for introspection';

CREATE FUNCTION access_policy_internal._resource_label(resource bigint)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE(resource::text || COALESCE(' (key ' || (SELECT r.key FROM @extschema@.resources r WHERE r.id = resource) || ')', ''), 'NULL')
$$;
COMMENT ON FUNCTION access_policy_internal._resource_label(bigint) IS 'internal: "id (key k)" of a resource, for introspection';

REVOKE ALL ON FUNCTION
	access_policy_internal._canonical_key(text, text),
	@extschema@.org_id(anycompatible),
	@extschema@.resource_id(anycompatible),
	@extschema@.org_keys_with(text, anycompatible),
	access_policy_internal._can_key_support(internal),
	@extschema@.can_key(anycompatible, text),
	@extschema@.can_resource_key(anycompatible, text),
	@extschema@.can_action_key(anycompatible, text),
	@extschema@.can_row_key(anycompatible, anyelement, text),
	@extschema@.resource_keys_with(anycompatible, text),
	@extschema@.resource_keys_allowing(anycompatible, text),
	access_policy_internal._tenant_rows_by_key(regclass, name, text[], boolean),
	access_policy_internal._key_guard(),
	access_policy_internal._retire_key(),
	@extschema@.set_key_type(text, regtype),
	@extschema@.set_org_key(bigint, text),
	@extschema@.set_resource_key(bigint, text),
	access_policy_internal._org_label(bigint),
	access_policy_internal._resource_label(bigint)
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
