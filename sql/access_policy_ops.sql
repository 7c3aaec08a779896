/* sql/access_policy_ops.sql -- operations: housekeeping, pictures, PostgREST identity (new in 0.2.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Housekeeping: purge long-ended invitations and apply the audit retention.
-- Meant to run from a scheduler (pg_cron: see README, "Housekeeping").
------------------------------------------------------------------------------

CREATE FUNCTION access_policy_internal._retention_seconds(which text)
RETURNS integer
AS 'MODULE_PATHNAME', 'retention_seconds' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION access_policy_internal._retention_seconds(text) IS
'internal: access_policy.audit_retention or access_policy.invitation_retention in seconds';

CREATE FUNCTION @extschema@.housekeeping()
RETURNS TABLE (invitations_purged bigint, audit_rows_purged bigint, audit_cutoff timestamptz,
			   support_activity_purged bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	inv_keep integer := access_policy_internal._retention_seconds('invitation');
	audit_keep integer := access_policy_internal._retention_seconds('audit');
	activity_keep integer := access_policy_internal._retention_seconds('support_activity');
	cutoff timestamptz;
	n_inv bigint;
	n_audit bigint := 0;
	n_activity bigint := 0;
BEGIN
	-- invitations that can no longer be used, ended longer ago than the retention
	DELETE FROM @extschema@.invitations i
	 WHERE GREATEST(CASE WHEN i.accepted_at IS NULL AND i.revoked_at IS NULL THEN i.expires_at END,
					i.accepted_at, i.revoked_at)
		   < pg_catalog.statement_timestamp() - pg_catalog.make_interval(secs => inv_keep);
	GET DIAGNOSTICS n_inv = ROW_COUNT;

	IF audit_keep > 0 THEN
		cutoff := pg_catalog.statement_timestamp() - pg_catalog.make_interval(secs => audit_keep);
		/*
		 * The audit log refuses every DELETE.  Its append-only trigger is
		 * switched off for this DELETE only, inside this transaction: the
		 * lock ALTER TABLE takes keeps every other session from writing to
		 * (or deleting from) the log until it is switched on again, and an
		 * error rolls both back.
		 */
		ALTER TABLE @extschema@.audit_log DISABLE TRIGGER audit_append_only;
		DELETE FROM @extschema@.audit_log a WHERE a.at < cutoff;
		GET DIAGNOSTICS n_audit = ROW_COUNT;
		ALTER TABLE @extschema@.audit_log ENABLE TRIGGER audit_append_only;
		IF n_audit > 0 THEN
			-- the purge itself is on the record
			INSERT INTO @extschema@.audit_log (actor_user, db_role, action, target_table, target_id, before, after, reason)
			VALUES (@extschema@.current_user_id(), access_policy_internal._outer_role(), 'purge', 'audit_log', NULL, NULL,
					pg_catalog.jsonb_build_object('rows', n_audit, 'older_than', cutoff,
												  'retention_seconds', audit_keep),
					'access_policy.housekeeping(): access_policy.audit_retention');
		END IF;
	END IF;
	IF activity_keep > 0 THEN
		-- append-only too: the same way
		ALTER TABLE @extschema@.support_activity_log DISABLE TRIGGER activity_append_only;
		DELETE FROM @extschema@.support_activity_log l
		 WHERE l.at < pg_catalog.statement_timestamp() - pg_catalog.make_interval(secs => activity_keep);
		GET DIAGNOSTICS n_activity = ROW_COUNT;
		ALTER TABLE @extschema@.support_activity_log ENABLE TRIGGER activity_append_only;
		IF n_activity > 0 THEN
			INSERT INTO @extschema@.audit_log (actor_user, db_role, action, target_table, target_id, before, after, reason)
			VALUES (@extschema@.current_user_id(), access_policy_internal._outer_role(), 'purge', 'support_activity_log',
					NULL, NULL, pg_catalog.jsonb_build_object('rows', n_activity, 'retention_seconds', activity_keep),
					'access_policy.housekeeping(): access_policy.support_activity_retention');
		END IF;
	END IF;
	RETURN QUERY SELECT n_inv, n_audit, cutoff, n_activity;
END;
$$;
COMMENT ON FUNCTION @extschema@.housekeeping() IS
'deletes invitations that ended (expired, accepted, revoked) longer ago than access_policy.invitation_retention, audit rows older than access_policy.audit_retention and support activity entries older than access_policy.support_activity_retention (0: keep), recording each purge in the audit log; schedule it with pg_cron';

REVOKE ALL ON FUNCTION access_policy_internal._retention_seconds(text), @extschema@.housekeeping() FROM PUBLIC;

------------------------------------------------------------------------------
-- Pictures: the access picture of an org subtree as Graphviz DOT.
------------------------------------------------------------------------------

-- _dot_str(s): s as a DOT quoted string (backslash, quote and line breaks
-- escaped, other control characters dropped; '&' written as '&amp;' since
-- Graphviz reads character entities such as &lt; in any string)
CREATE FUNCTION access_policy_internal._dot_str(s text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT '"' || regexp_replace(
		replace(replace(replace(replace(replace(s, '&', '&amp;'), E'\\', E'\\\\'), '"', E'\\"'), E'\r\n', E'\n'), E'\n', E'\\n'),
		'[\x01-\x08\x0b-\x1f\x7f]', '', 'g') || '"'
$$;
COMMENT ON FUNCTION access_policy_internal._dot_str(text) IS 'internal: a text as a Graphviz DOT quoted string';

-- _dot_left(until): "3 d 4 h left" style remaining time, or NULL when permanent
CREATE FUNCTION access_policy_internal._dot_left(until timestamptz)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE
		WHEN until IS NULL OR until = 'infinity' THEN NULL
		WHEN until <= statement_timestamp() THEN 'expired ' || to_char(until AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC'
		ELSE concat_ws(' ',
				NULLIF(extract(day FROM until - statement_timestamp())::int, 0)::text || ' d',
				extract(hour FROM until - statement_timestamp())::int::text || ' h',
				extract(minute FROM until - statement_timestamp())::int::text || ' min') || ' left'
	END
$$;
COMMENT ON FUNCTION access_policy_internal._dot_left(timestamptz) IS 'internal: time left until an expiry, for pictures';

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
	PERFORM access_policy_internal._require(access_graph.org_id, 'members.manage');
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
		SELECT * FROM access_policy_internal._support_rows(ARRAY(SELECT shown.id FROM shown))
	), org_nodes AS (
		SELECT s.id, format('  %s [shape=box, style="rounded,filled", fillcolor=%s, label=%s];',
				access_policy_internal._dot_str('org ' || s.id),
				CASE sr.level WHEN 'write' THEN '"#f8c9b8"' WHEN 'read' THEN '"#fdf1c2"' ELSE '"#e8eef8"' END,
				access_policy_internal._dot_str(s.name || E'\norg ' || s.id || COALESCE(E'\nkey ' || s.key, '') || E'\nsupport: ' || sr.level
					|| ' (' || sr.source || COALESCE(', ' || access_policy_internal._dot_left(sr.expires_at), '') || ')')) AS line
		  FROM shown s JOIN sr ON sr.org_id = s.id
	), org_edges AS (
		SELECT s.id, format('  %s -> %s [arrowhead=none, penwidth=2];',
				access_policy_internal._dot_str('org ' || s.parent_id), access_policy_internal._dot_str('org ' || s.id)) AS line
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
				access_policy_internal._dot_str('user ' || m.user_id),
				CASE WHEN m.is_support_staff THEN '"#fde2e2"' ELSE '"#eef7ee"' END,
				access_policy_internal._dot_str(COALESCE(m.display_name || E'\n', '') || m.user_id
					|| CASE WHEN m.is_support_staff THEN E'\n(support staff)' ELSE '' END)) AS line
		  FROM members m
	), member_edges AS (
		SELECT m.id, format('  %s -> %s [label=%s, style=%s, color=%s];',
				access_policy_internal._dot_str('user ' || m.user_id), access_policy_internal._dot_str('org ' || m.org_id),
				access_policy_internal._dot_str(m.role_name
					|| CASE m.status
						WHEN 'active' THEN COALESCE(E'\n' || access_policy_internal._dot_left(m.expires_at), '')
						WHEN 'not yet valid' THEN E'\nfrom ' || to_char(m.valid_from AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC'
						ELSE E'\n' || m.status END),
				CASE m.status WHEN 'active' THEN 'solid' WHEN 'disabled' THEN 'dotted' ELSE 'dashed' END,
				CASE m.status WHEN 'active' THEN '"#2b6cb0"' ELSE 'gray50' END) AS line
		  FROM members m
	), res AS (
		SELECT r.* FROM @extschema@.resources r JOIN shown s ON s.id = r.org_id
	), res_nodes AS (
		SELECT r.id, format('  %s [shape=component, label=%s];',
				access_policy_internal._dot_str('resource ' || r.id), access_policy_internal._dot_str(r.name || E'\n(' || r.kind || ')')) AS line
		  FROM res r
	), res_edges AS (
		SELECT r.id, format('  %s -> %s [arrowhead=none, style=dotted];',
				access_policy_internal._dot_str(CASE WHEN r.parent_id IS NULL THEN 'org ' || r.org_id ELSE 'resource ' || r.parent_id END),
				access_policy_internal._dot_str('resource ' || r.id)) AS line
		  FROM res r
	), grants AS (
		SELECT g.*, ro.name AS role_name FROM @extschema@.resource_grants g
		  JOIN res r ON r.id = g.resource_id JOIN @extschema@.roles ro ON ro.id = g.role_id
	), outside_nodes AS (
		SELECT DISTINCT g.authorized_org_id, format('  %s [shape=box, style="rounded,dashed", label=%s];',
				access_policy_internal._dot_str('org ' || g.authorized_org_id),
				-- the name of an org outside the subtree only where the acting user may see it
				access_policy_internal._dot_str(CASE WHEN access_policy_internal._is_system() OR @extschema@.can(o.id, 'settings.view')
										  THEN o.name || E'\n' ELSE '' END
									 || 'org ' || g.authorized_org_id || E'\n(outside this subtree)')) AS line
		  FROM grants g JOIN @extschema@.orgs o ON o.id = g.authorized_org_id
		 WHERE g.authorized_org_id NOT IN (SELECT id FROM shown)
	), grant_edges AS (
		SELECT g.id, format('  %s -> %s [label=%s, style=%s, color="#2f855a", fontcolor="#2f855a"];',
				access_policy_internal._dot_str('org ' || g.authorized_org_id), access_policy_internal._dot_str('resource ' || g.resource_id),
				access_policy_internal._dot_str(g.role_name || ' grant'
					|| CASE WHEN g.expires_at <= statement_timestamp() THEN E'\nexpired'
							WHEN g.valid_from > statement_timestamp() THEN E'\nnot yet valid'
							ELSE COALESCE(E'\n' || access_policy_internal._dot_left(g.expires_at), '') END),
				CASE WHEN g.expires_at <= statement_timestamp() OR g.valid_from > statement_timestamp()
					 THEN 'dashed' ELSE 'bold' END) AS line
		  FROM grants g
	)
	SELECT string_agg(line, E'\n' ORDER BY grp, k, line) INTO body
	  FROM (
		SELECT 1 AS grp, id::text AS k, line FROM org_nodes
		UNION ALL SELECT 2, id::text, line FROM org_edges
		UNION ALL SELECT 3, '', format('  %s [shape=note, label=%s];', access_policy_internal._dot_str('more orgs'),
				access_policy_internal._dot_str((SELECT count(*) FROM sub) - max_orgs || ' more orgs below, not shown (max_orgs = ' || max_orgs || ')'))
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
		|| access_policy_internal._dot_str('access_policy: ' || root_name || ' (org ' || access_graph.org_id || ') at '
			|| to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC') || '];' || E'\n'
		|| '  node [fontname="Helvetica", fontsize=10];' || E'\n'
		|| '  edge [fontname="Helvetica", fontsize=9];' || E'\n'
		|| COALESCE(body || E'\n', '')
		|| '}' || E'\n';
END;
$$;
COMMENT ON FUNCTION @extschema@.access_graph(bigint, integer) IS
'the access picture of an org subtree as Graphviz DOT: orgs with their support access and its time left, members with role and status (time left, disabled, expired), resources and resource grants; members.manage at the org';

REVOKE ALL ON FUNCTION access_policy_internal._dot_str(text), access_policy_internal._dot_left(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.access_graph(bigint, integer) FROM PUBLIC;
-- like the other introspection functions: permission is checked inside
GRANT EXECUTE ON FUNCTION @extschema@.access_graph(bigint, integer) TO PUBLIC;
