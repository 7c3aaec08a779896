/* sql/access_policy_support.sql -- vendor support access (part of the install script) */

------------------------------------------------------------------------------
-- Vendor support access.  Per org a level: none, read or write.  An org with
-- no valid setting of its own inherits its parent's; a root with none gets
-- access_policy.support_default_level (read unless the deployment says none).
-- An expired setting counts as absent.  Support staff (users.is_support_staff)
-- get, on top of their own assignments: at read, every read-only permission
-- and those marked support_read; at write, every permission not marked
-- support_never.  An override set by the vendor's dedicated role lifts the
-- level for a limited time whatever the customer chose.
------------------------------------------------------------------------------

CREATE TABLE @extschema@.support_settings (
	org_id		bigint PRIMARY KEY REFERENCES @extschema@.orgs (id) ON DELETE CASCADE,
	level		text NOT NULL CHECK (level IN ('none', 'read', 'write')),
	expires_at	timestamptz NOT NULL DEFAULT 'infinity',
	reason		text CHECK (pg_catalog.length(reason) <= 1000),
	set_by		text,
	set_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CHECK (level = 'none' OR pg_catalog.btrim(COALESCE(reason, '')) <> '')
);
COMMENT ON TABLE @extschema@.support_settings IS 'support access level an org chose for itself (and, unless overridden below, for its descendants)';
COMMENT ON COLUMN @extschema@.support_settings.level IS 'none, read or write';
COMMENT ON COLUMN @extschema@.support_settings.expires_at IS 'the setting counts until then (''infinity'': permanent); afterwards the org inherits again';
COMMENT ON COLUMN @extschema@.support_settings.reason IS 'why support access was opened (required unless the level is none)';

CREATE TABLE @extschema@.support_overrides (
	org_id		bigint PRIMARY KEY REFERENCES @extschema@.orgs (id) ON DELETE CASCADE,
	level		text NOT NULL CHECK (level IN ('read', 'write')),
	expires_at	timestamptz NOT NULL CHECK (expires_at < 'infinity'),
	reason		text NOT NULL CHECK (pg_catalog.btrim(reason) <> '' AND pg_catalog.length(reason) <= 1000),
	set_by_role	name NOT NULL,
	set_at		timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.support_overrides IS 'vendor "break glass" overrides: time-limited support access whatever the customer chose, for the org and its descendants';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.support_settings', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.support_overrides', '');

CREATE FUNCTION access_policy_internal._support_notify()
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
COMMENT ON FUNCTION access_policy_internal._support_notify() IS
'internal: NOTIFY access_policy_support with {"action", "org_id"} on every change of support access (details through support_status())';

DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['support_settings', 'support_overrides']
	LOOP
		EXECUTE pg_catalog.format(
			'CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON @extschema@.%I
			 FOR EACH ROW EXECUTE FUNCTION access_policy_internal._audit()', t);
		EXECUTE pg_catalog.format(
			'CREATE TRIGGER invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.%I
			 FOR EACH STATEMENT EXECUTE FUNCTION access_policy_internal._invalidate()', t);
		EXECUTE pg_catalog.format(
			'CREATE TRIGGER notify AFTER INSERT OR UPDATE OR DELETE ON @extschema@.%I
			 FOR EACH ROW EXECUTE FUNCTION access_policy_internal._support_notify()', t);
	END LOOP;
END;
$$;

CREATE FUNCTION access_policy_internal._is_override_role()
RETURNS boolean
AS 'MODULE_PATHNAME', 'is_override_role' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION access_policy_internal._is_override_role() IS
'internal: is the session role a member of access_policy.support_override_role?';

CREATE FUNCTION access_policy_internal._support_expiry(preset text, until timestamptz)
RETURNS timestamptz
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF until IS NOT NULL THEN
		IF preset IS NOT NULL THEN
			RAISE EXCEPTION 'give either a preset duration or an end time, not both'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF until <= statement_timestamp() THEN
			RAISE EXCEPTION 'end time % is not in the future', until
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		RETURN until;
	END IF;
	RETURN CASE COALESCE(preset, 'permanent')
		WHEN 'permanent' THEN 'infinity'::timestamptz
		WHEN '1 week' THEN statement_timestamp() + interval '1 week'
		WHEN '1 month' THEN statement_timestamp() + interval '1 month'
		WHEN '1 year' THEN statement_timestamp() + interval '1 year'
	END;
END;
$$;
COMMENT ON FUNCTION access_policy_internal._support_expiry(text, timestamptz) IS
'internal: end time of a support access setting from a preset or a custom time';

CREATE FUNCTION access_policy_internal._check_preset(preset text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- IMMUTABLE: depends on its argument only
	IF preset IS NOT NULL AND preset NOT IN ('permanent', '1 week', '1 month', '1 year') THEN
		RAISE EXCEPTION 'unknown duration "%"', preset
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use ''1 week'', ''1 month'', ''1 year'', ''permanent'', or give an end time in "until".';
	END IF;
END;
$$;
COMMENT ON FUNCTION access_policy_internal._check_preset(text) IS 'internal: validates a support access duration preset';

CREATE FUNCTION access_policy_internal._require_support_manager(org bigint)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- permission before existence: an unknown org is refused like a foreign one
	PERFORM access_policy_internal._require(org, 'support.manage');
	PERFORM access_policy_internal._org_exists(org);
END;
$$;
COMMENT ON FUNCTION access_policy_internal._require_support_manager(bigint) IS
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
	below bigint[];
	caller_reason text := current_setting('access_policy.audit_reason', true);
BEGIN
	PERFORM access_policy_internal._require_support_manager(org_id);
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
	PERFORM access_policy_internal._check_preset(duration);
	ends := CASE WHEN level = 'none' AND duration IS NULL AND until IS NULL THEN 'infinity'
				 ELSE access_policy_internal._support_expiry(duration, until) END;
	PERFORM access_policy_internal._set_reason(reason);
	INSERT INTO @extschema@.support_settings AS s (org_id, level, expires_at, reason, set_by)
	VALUES (set_support_access.org_id, set_support_access.level, ends, set_support_access.reason,
			@extschema@.current_user_id())
	ON CONFLICT ON CONSTRAINT support_settings_pkey DO UPDATE
	   SET level = EXCLUDED.level, expires_at = EXCLUDED.expires_at, reason = EXCLUDED.reason,
		   set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at;
	IF cascade THEN
		-- the whole subtree gets this level: descendants' own settings go
		-- (found first: Citus refuses volatile functions in a DELETE's WHERE)
		below := ARRAY(SELECT s.org_id FROM @extschema@.support_settings s
						WHERE s.org_id <> set_support_access.org_id
						  AND access_policy_internal._org_is_descendant(s.org_id, set_support_access.org_id));
		DELETE FROM @extschema@.support_settings s WHERE s.org_id = ANY (below);
	END IF;
	-- the caller's own audit reason (if any) applies again to what they do next
	PERFORM access_policy_internal._set_reason(caller_reason);
	RETURN ends;
END;
$$;
COMMENT ON FUNCTION @extschema@.set_support_access(bigint, text, text, text, timestamptz, boolean) IS
'set the support access level of an org (support.manage there or above): level none/read/write, reason required to open, duration ''1 week''/''1 month''/''1 year''/''permanent'' or an end time in until; cascade => true clears the descendants'' own settings; returns the end time';

CREATE FUNCTION @extschema@.set_support_expiry(org_id bigint, duration text DEFAULT NULL, until timestamptz DEFAULT NULL)
RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ends timestamptz;
	cur record;
BEGIN
	PERFORM access_policy_internal._require_support_manager(org_id);
	SELECT * INTO cur FROM @extschema@.support_settings s WHERE s.org_id = set_support_expiry.org_id FOR UPDATE;
	IF NOT FOUND OR cur.expires_at <= statement_timestamp() THEN
		RAISE EXCEPTION 'org % has no active support access setting of its own', org_id
			USING ERRCODE = 'undefined_object',
				  HINT = 'Use access_policy.set_support_access() to open support access.';
	END IF;
	IF duration IS NULL AND until IS NULL THEN
		RAISE EXCEPTION 'give a preset duration or an end time' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM access_policy_internal._check_preset(duration);
	ends := access_policy_internal._support_expiry(duration, until);
	UPDATE @extschema@.support_settings s SET expires_at = ends, set_by = @extschema@.current_user_id(), set_at = pg_catalog.now()
	 WHERE s.org_id = set_support_expiry.org_id;
	RETURN ends;
END;
$$;
COMMENT ON FUNCTION @extschema@.set_support_expiry(bigint, text, timestamptz) IS
'change how long an org''s active support access setting lasts (same presets as set_support_access)';

CREATE FUNCTION @extschema@.revoke_support_access(org_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM access_policy_internal._require_support_manager(org_id);
	DELETE FROM @extschema@.support_settings s WHERE s.org_id = revoke_support_access.org_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'org % has no support access setting of its own', org_id
			USING ERRCODE = 'undefined_object',
				  HINT = 'It inherits its level; set ''none'' on it to close it below an open parent.';
	END IF;
END;
$$;
COMMENT ON FUNCTION @extschema@.revoke_support_access(bigint) IS
'remove an org''s own support access setting: it inherits from its parent (or the default) from the next statement on';

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
	IF NOT access_policy_internal._is_override_role() THEN
		RAISE EXCEPTION 'permission denied to override support access'
			USING ERRCODE = 'insufficient_privilege',
				  HINT = pg_catalog.format('Only members of the role %s (access_policy.support_override_role) may.',
										   current_setting('access_policy.support_override_role'));
	END IF;
	-- the setting is shown with a unit ("1d", "36h"), which interval input reads
	max_len := current_setting('access_policy.support_override_max')::interval;
	PERFORM access_policy_internal._org_exists(org_id);
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
	PERFORM access_policy_internal._set_reason(reason);
	INSERT INTO @extschema@.support_overrides AS o (org_id, level, expires_at, reason, set_by_role)
	VALUES (override_support_access.org_id, override_support_access.level, ends,
			override_support_access.reason, access_policy_internal._outer_role())
	ON CONFLICT ON CONSTRAINT support_overrides_pkey DO UPDATE
	   SET level = EXCLUDED.level, expires_at = EXCLUDED.expires_at, reason = EXCLUDED.reason,
		   set_by_role = EXCLUDED.set_by_role, set_at = EXCLUDED.set_at;
	PERFORM access_policy_internal._set_reason(caller_reason);
	RETURN ends;
END;
$$;
COMMENT ON FUNCTION @extschema@.override_support_access(bigint, text, text, interval) IS
'vendor break glass: support gets at least this level at the org and below for a limited time (members of access_policy.support_override_role only; reason required; at most access_policy.support_override_max)';

CREATE FUNCTION @extschema@.end_support_override(org_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT access_policy_internal._is_override_role() THEN
		RAISE EXCEPTION 'permission denied to override support access' USING ERRCODE = 'insufficient_privilege';
	END IF;
	DELETE FROM @extschema@.support_overrides o WHERE o.org_id = end_support_override.org_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'org % has no support override', org_id USING ERRCODE = 'undefined_object';
	END IF;
END;
$$;
COMMENT ON FUNCTION @extschema@.end_support_override(bigint) IS 'end a vendor override before it expires';

CREATE FUNCTION @extschema@.set_permission_support(permission text, support_read boolean, support_never boolean)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM access_policy_internal._require_system('change what support access gives');
	PERFORM access_policy_internal._check_permissions_exist(ARRAY[permission]);
	UPDATE @extschema@.permissions p
	   SET support_read = set_permission_support.support_read,
		   support_never = set_permission_support.support_never
	 WHERE p.name = permission;
EXCEPTION
	WHEN check_violation OR not_null_violation THEN
		RAISE EXCEPTION 'a permission cannot be both given under read-only support access and never given'
			USING ERRCODE = 'invalid_parameter_value';
END;
$$;
COMMENT ON FUNCTION @extschema@.set_permission_support(text, boolean, boolean) IS
'vendor policy for one permission: support_read gives it to support staff under read access too; support_never keeps it from them even under write access (superuser)';

CREATE FUNCTION access_policy_internal._humanize(remaining interval)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	-- IMMUTABLE: formats its argument only
	SELECT CASE
		WHEN remaining IS NULL THEN 'permanent'
		WHEN remaining <= interval '0' THEN 'expired'
		ELSE concat_ws(' ',
			NULLIF(extract(day FROM justify_hours(remaining))::int, 0) || ' day'
				|| CASE WHEN extract(day FROM justify_hours(remaining))::int = 1 THEN '' ELSE 's' END,
			NULLIF(extract(hour FROM justify_hours(remaining))::int, 0) || ' hour'
				|| CASE WHEN extract(hour FROM justify_hours(remaining))::int = 1 THEN '' ELSE 's' END,
			CASE WHEN remaining < interval '1 day'
				 THEN NULLIF(extract(minute FROM remaining)::int, 0) || ' min' END,
			CASE WHEN remaining < interval '1 minute' THEN 'less than a minute' END) || ' left'
	END;
$$;
COMMENT ON FUNCTION access_policy_internal._humanize(interval) IS 'internal: "6 days 3 hours left"';

CREATE FUNCTION access_policy_internal._support_rank(level text)
RETURNS integer
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	-- IMMUTABLE: depends on its argument only
	SELECT CASE level WHEN 'write' THEN 2 WHEN 'read' THEN 1 ELSE 0 END;
$$;
COMMENT ON FUNCTION access_policy_internal._support_rank(text) IS 'internal: none < read < write, as 0, 1, 2';

-- the default level as the checks apply it: a value of the setting that is
-- neither read nor none means none (fail closed; src/access_policy.c)
CREATE FUNCTION access_policy_internal._support_default_level()
RETURNS text
AS 'MODULE_PATHNAME', 'support_default_level' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION access_policy_internal._support_default_level() IS
'internal: access_policy.support_default_level as the checks apply it, read or none (an invalid value is none)';

CREATE FUNCTION access_policy_internal._support_customer_level(org bigint)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	-- the customer's choice in force at org: its nearest active setting, else the deployment's default
	SELECT COALESCE(
		(SELECT s.level
		   FROM access_policy_internal._org_chain(org) c
		   JOIN @extschema@.support_settings s ON s.org_id = c.org_id
		  WHERE s.expires_at > statement_timestamp()
		  ORDER BY c.depth LIMIT 1),
		access_policy_internal._support_default_level());
$$;
COMMENT ON FUNCTION access_policy_internal._support_customer_level(bigint) IS
'internal: the support access level the customer''s settings give at an org (overrides not counted)';

CREATE FUNCTION access_policy_internal._support_effective(org bigint)
RETURNS TABLE (level text, source text, source_org_id bigint, expires_at timestamptz, reason text, set_by text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH chain AS (SELECT c.org_id, c.depth FROM access_policy_internal._org_chain(org) c),
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
		SELECT access_policy_internal._support_default_level(), 'default', NULL::bigint, NULL::timestamptz, NULL, NULL
		 WHERE NOT EXISTS (SELECT 1 FROM own) AND EXISTS (SELECT 1 FROM chain))
	-- an override wins when it gives more than the customer's setting
	SELECT * FROM (SELECT * FROM ov UNION ALL SELECT * FROM customer) x
	 ORDER BY CASE x.level WHEN 'write' THEN 2 WHEN 'read' THEN 1 ELSE 0 END DESC,
			  (x.source = 'override') ASC
	 LIMIT 1;
$$;
COMMENT ON FUNCTION access_policy_internal._support_effective(bigint) IS
'internal: the support access level in force at an org and where it comes from (same rules as the C engine)';

CREATE FUNCTION access_policy_internal._support_paths(subject text, org bigint)
RETURNS TABLE (permission text, level text, source text, source_org_id bigint, expires_at timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT p.name, e.level, e.source, e.source_org_id, e.expires_at
	  FROM @extschema@.users u, access_policy_internal._support_effective(org) e, @extschema@.permissions p
	 WHERE u.id = subject AND u.is_support_staff
	   AND NOT p.support_never
	   AND (e.level = 'write' OR (e.level = 'read' AND (p.read_only OR p.support_read)));
$$;
COMMENT ON FUNCTION access_policy_internal._support_paths(text, bigint) IS
'internal: the permissions support access gives a support staff user at an org, with where the level comes from';

CREATE FUNCTION access_policy_internal._support_rows(ids bigint[])
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
			   (SELECT c.org_id FROM access_policy_internal._org_chain(t.id) c
				  JOIN @extschema@.support_settings x ON x.org_id = c.org_id
				 WHERE x.expires_at > statement_timestamp() ORDER BY c.depth LIMIT 1),
			   (SELECT c.org_id FROM access_policy_internal._org_chain(t.id) c
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
										  ELSE access_policy_internal._humanize(r.remaining) END,
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
			SELECT access_policy_internal._support_default_level(), 'default',
				   NULL::bigint, NULL::timestamptz, NULL::text, NULL::text, 0
			 WHERE s.org_id IS NULL) x
		 ORDER BY access_policy_internal._support_rank(x.level) DESC, x.pri
		 LIMIT 1) e
	  CROSS JOIN LATERAL (SELECT CASE WHEN e.expires_at = 'infinity' OR e.expires_at IS NULL THEN NULL
									  ELSE e.expires_at - statement_timestamp() END AS remaining) r;
$$;
COMMENT ON FUNCTION access_policy_internal._support_rows(bigint[]) IS
'internal: the support access status rows of the given orgs (no permission check), in time linear in their number';

CREATE FUNCTION access_policy_internal._support_row(org bigint)
RETURNS TABLE (org_id bigint, org_name text, level text, source text, source_org_id bigint,
			   expires_at timestamptz, remaining interval, summary text, reason text, set_by text,
			   org_key text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM access_policy_internal._support_rows(ARRAY[org]);
$$;
COMMENT ON FUNCTION access_policy_internal._support_row(bigint) IS
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
	IF NOT (access_policy_internal._is_system() OR me_support OR @extschema@.can(org, 'settings.view')) THEN
		RAISE EXCEPTION 'permission denied: settings.view at org %', org
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN QUERY SELECT * FROM access_policy_internal._support_row(org);
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
	  FROM access_policy_internal._support_rows(ARRAY(SELECT o.id FROM @extschema@.orgs o)) s
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
	all_orgs boolean := access_policy_internal._is_system() OR me_support;
BEGIN
	RETURN QUERY
	SELECT s.*
	  FROM access_policy_internal._support_rows(CASE WHEN all_orgs THEN ARRAY(SELECT o.id FROM @extschema@.orgs o)
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

------------------------------------------------------------------------------
-- Privileges of this part
------------------------------------------------------------------------------

REVOKE ALL ON @extschema@.support_settings, @extschema@.support_overrides FROM PUBLIC;
REVOKE ALL ON FUNCTION
	access_policy_internal._support_notify(),
	access_policy_internal._is_override_role(),
	access_policy_internal._support_expiry(text, timestamptz),
	access_policy_internal._check_preset(text),
	access_policy_internal._require_support_manager(bigint),
	@extschema@.set_support_access(bigint, text, text, text, timestamptz, boolean),
	@extschema@.set_support_expiry(bigint, text, timestamptz),
	@extschema@.revoke_support_access(bigint),
	@extschema@.override_support_access(bigint, text, text, interval),
	@extschema@.end_support_override(bigint),
	@extschema@.set_permission_support(text, boolean, boolean),
	access_policy_internal._humanize(interval),
	access_policy_internal._support_effective(bigint),
	access_policy_internal._support_paths(text, bigint),
	access_policy_internal._support_rank(text),
	access_policy_internal._support_default_level(),
	access_policy_internal._support_customer_level(bigint),
	access_policy_internal._support_rows(bigint[]),
	access_policy_internal._support_row(bigint),
	@extschema@.support_status(bigint),
	@extschema@.support_statuses(),
	@extschema@.my_support_orgs()
FROM PUBLIC;
REVOKE ALL ON @extschema@.support_access_status FROM PUBLIC;

/*
 * Status is self-service: customers with settings.view at the org and
 * support staff may read it (checked inside).  Changing support access is an
 * administration function the DBA grants to the application's role; the
 * override functions check membership of the override role inside, so they
 * can be granted to that role alone.
 */
GRANT EXECUTE ON FUNCTION
	@extschema@.support_status(bigint),
	@extschema@.support_statuses(),
	@extschema@.my_support_orgs()
TO PUBLIC;
GRANT SELECT ON @extschema@.support_access_status TO PUBLIC;
