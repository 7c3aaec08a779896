/* sql/upgrade--0.1.0.sql -- first part of the upgrade script from 0.1.0: changes to objects 0.1.0 already had */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION access_policy UPDATE" to load this file. \quit

/*
 * Every change to an object that 0.1.0 created goes here as well as into its
 * source part: functions are dropped and created again (never CREATE OR
 * REPLACE), then their grants are restored.  The upgrade test compares the
 * resulting catalog with a fresh install.
 */

-- _resolve_role: defined again by access_policy_roles.sql (a fast path for
-- built-in role names, with the index roles_name_idx)
DROP FUNCTION @extschema@._resolve_role(bigint, text);
/* sql/access_policy_signals.sql -- cache invalidation signals (new in 0.2.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Cache invalidation signals.  A write to a policy table tells every backend
-- which part of its cache is stale by queueing a relcache invalidation for a
-- small signal relation (delivered to the writer at its next command, to the
-- other backends at commit, to hot standbys through WAL).  Nobody ever opens
-- a signal relation, so an invalidation rebuilds no relcache entry anywhere:
-- the one relcache callback of access_policy just marks the part stale.
-- Assignments and users are signalled per user bucket (16 buckets by a hash
-- of the user id): a backend reloads its acting user's data only when a
-- write touched a user in the same bucket.  A rename of an org signals
-- nothing (the cache holds no names); a move does.
------------------------------------------------------------------------------

DO $$
DECLARE
	s text;
BEGIN
	FOREACH s IN ARRAY ARRAY['orgs', 'roles', 'resources', 'actions', 'logins']
	LOOP
		EXECUTE pg_catalog.format('CREATE TABLE @extschema@.%I ()', '_signal_' || s);
		EXECUTE pg_catalog.format(
			'COMMENT ON TABLE @extschema@.%I IS %L', '_signal_' || s,
			'internal, always empty: a relcache invalidation of this table tells backends that their cached '
			|| s || ' are stale');
	END LOOP;
	FOR b IN 0..15
	LOOP
		EXECUTE pg_catalog.format('CREATE TABLE @extschema@.%I ()', '_signal_user_' || pg_catalog.lpad(b::text, 2, '0'));
		EXECUTE pg_catalog.format(
			'COMMENT ON TABLE @extschema@.%I IS %L', '_signal_user_' || pg_catalog.lpad(b::text, 2, '0'),
			'internal, always empty: a relcache invalidation of this table tells backends acting as a user of hash bucket '
			|| b || ' that their cached user data are stale');
	END LOOP;
END;
$$;

-- users and assignments: one signal per changed row, for the row's user
DROP TRIGGER invalidate ON @extschema@.users;
DROP TRIGGER invalidate ON @extschema@.assignments;
CREATE TRIGGER invalidate_row BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.users
	FOR EACH ROW EXECUTE FUNCTION @extschema@._invalidate('id');
CREATE TRIGGER invalidate AFTER TRUNCATE ON @extschema@.users
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._invalidate();
CREATE TRIGGER invalidate_row BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.assignments
	FOR EACH ROW EXECUTE FUNCTION @extschema@._invalidate('user_id');
CREATE TRIGGER invalidate AFTER TRUNCATE ON @extschema@.assignments
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._invalidate();

-- orgs: a new or removed org, or a move; not a rename
DROP TRIGGER invalidate ON @extschema@.orgs;
CREATE TRIGGER invalidate AFTER INSERT OR DELETE OR TRUNCATE ON @extschema@.orgs
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._invalidate();
CREATE TRIGGER invalidate_move AFTER UPDATE ON @extschema@.orgs
	FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.parent_id IS DISTINCT FROM NEW.parent_id)
	EXECUTE FUNCTION @extschema@._invalidate();
/* sql/access_policy_roles.sql -- role names to ids (0.2.0: replaces the 0.1.0 definition; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Role resolution.  A role name means the nearest definition: a custom role
-- of the org itself, else of its nearest ancestor, else the built-in role.
-- Most calls name a built-in role that no org redefines: two index probes
-- answer them; only a name some org defines walks up the tree.
------------------------------------------------------------------------------

CREATE INDEX roles_name_idx ON @extschema@.roles (name);

CREATE FUNCTION @extschema@._resolve_role(org bigint, role_name text)
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
COMMENT ON FUNCTION @extschema@._resolve_role(bigint, text) IS 'internal: role name to id, nearest definition first';
REVOKE ALL ON FUNCTION @extschema@._resolve_role(bigint, text) FROM PUBLIC;
/* sql/access_policy_restore.sql -- pg_dump and pg_restore of built-in rows (new in 0.2.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Restore: dumped built-in rows replace the shipped ones
------------------------------------------------------------------------------

/*
 * The built-in permissions, the built-in roles and their permission sets ship
 * with this script but can be changed (set_permission_support,
 * set_role_permissions), so pg_dump dumps them like user data.  A restore
 * runs CREATE EXTENSION first, which inserts the shipped rows again; the
 * dumped rows must replace them, not fail on the primary key:
 *   permissions: a built-in permission that exists takes the dumped flags
 *     and description;
 *   roles: a built-in role (org_id NULL) that exists takes the dumped name
 *     and description and loses the permission rows CREATE EXTENSION
 *     inserted (recognised by their xmin, the transaction that created the
 *     extension), so that a permission removed before the dump stays removed;
 *   role_permissions: a dumped row replaces an equal shipped row (and so is
 *     no longer one CREATE EXTENSION inserted).
 * This works in any order of the three tables' data, as a parallel
 * pg_restore loads them.  The triggers are enabled in replica mode only
 * (session_replication_role = replica: the documented restore, which also
 * keeps the audit triggers from logging the restored rows, and logical
 * replication's apply workers); in normal operation inserting an existing
 * built-in row stays an error.
 */
CREATE FUNCTION @extschema@._restore_builtin()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_TABLE_NAME = 'permissions' THEN
		IF NEW.builtin THEN
			UPDATE @extschema@.permissions p
			   SET read_only = NEW.read_only, support_read = NEW.support_read,
				   support_never = NEW.support_never, description = NEW.description
			 WHERE p.name = NEW.name AND p.builtin;
			IF FOUND THEN
				RETURN NULL;
			END IF;
		END IF;
	ELSIF TG_TABLE_NAME = 'roles' THEN
		IF NEW.org_id IS NULL THEN
			UPDATE @extschema@.roles r
			   SET name = NEW.name, description = NEW.description
			 WHERE r.id = NEW.id AND r.org_id IS NULL;
			IF FOUND THEN
				-- the shipped permission set goes; rows restored already stay
				DELETE FROM @extschema@.role_permissions rp
				 WHERE rp.role_id = NEW.id
				   AND rp.xmin = (SELECT e.xmin FROM pg_catalog.pg_extension e
								   WHERE e.extname = 'access_policy');
				RETURN NULL;
			END IF;
		END IF;
	ELSE
		-- role_permissions: a restored row replaces an equal shipped one
		DELETE FROM @extschema@.role_permissions rp
		 WHERE rp.role_id = NEW.role_id AND rp.permission = NEW.permission;
	END IF;
	RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@._restore_builtin() IS
'internal: in replica mode (restore), dumped built-in permissions, roles and role permissions replace the shipped ones';

CREATE TRIGGER restore_builtin BEFORE INSERT ON @extschema@.permissions
	FOR EACH ROW EXECUTE FUNCTION @extschema@._restore_builtin();
ALTER TABLE @extschema@.permissions ENABLE REPLICA TRIGGER restore_builtin;
CREATE TRIGGER restore_builtin BEFORE INSERT ON @extschema@.roles
	FOR EACH ROW EXECUTE FUNCTION @extschema@._restore_builtin();
ALTER TABLE @extschema@.roles ENABLE REPLICA TRIGGER restore_builtin;
CREATE TRIGGER restore_builtin BEFORE INSERT ON @extschema@.role_permissions
	FOR EACH ROW EXECUTE FUNCTION @extschema@._restore_builtin();
ALTER TABLE @extschema@.role_permissions ENABLE REPLICA TRIGGER restore_builtin;

-- pg_dump now carries the built-in permissions, roles and permission sets
-- too (0.1.0 left them out, losing changes made to them)
SELECT pg_catalog.pg_extension_config_dump('@extschema@.permissions', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.roles', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.role_permissions', '');


REVOKE ALL ON FUNCTION @extschema@._restore_builtin() FROM PUBLIC;
/* sql/access_policy_ops.sql -- operations: housekeeping, pictures, PostgREST identity (new in 0.2.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Housekeeping: purge long-ended invitations and apply the audit retention.
-- Meant to run from a scheduler (pg_cron: see README, "Housekeeping").
------------------------------------------------------------------------------

CREATE FUNCTION @extschema@._retention_seconds(which text)
RETURNS integer
AS 'MODULE_PATHNAME', 'retention_seconds' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._retention_seconds(text) IS
'internal: access_policy.audit_retention or access_policy.invitation_retention in seconds';

CREATE FUNCTION @extschema@.housekeeping()
RETURNS TABLE (invitations_purged bigint, audit_rows_purged bigint, audit_cutoff timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	inv_keep integer := @extschema@._retention_seconds('invitation');
	audit_keep integer := @extschema@._retention_seconds('audit');
	cutoff timestamptz;
	n_inv bigint;
	n_audit bigint := 0;
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
			VALUES (@extschema@.current_user_id(), @extschema@._outer_role(), 'purge', 'audit_log', NULL, NULL,
					pg_catalog.jsonb_build_object('rows', n_audit, 'older_than', cutoff,
												  'retention_seconds', audit_keep),
					'access_policy.housekeeping(): access_policy.audit_retention');
		END IF;
	END IF;
	RETURN QUERY SELECT n_inv, n_audit, cutoff;
END;
$$;
COMMENT ON FUNCTION @extschema@.housekeeping() IS
'deletes invitations that ended (expired, accepted, revoked) longer ago than access_policy.invitation_retention and audit rows older than access_policy.audit_retention (0: keep), recording the purge in the audit log; schedule it with pg_cron';

REVOKE ALL ON FUNCTION @extschema@._retention_seconds(text), @extschema@.housekeeping() FROM PUBLIC;

------------------------------------------------------------------------------
-- Pictures: the access picture of an org subtree as Graphviz DOT.
------------------------------------------------------------------------------

-- _dot_str(s): s as a DOT quoted string (backslash, quote and line breaks
-- escaped, other control characters dropped; '&' written as '&amp;' since
-- Graphviz reads character entities such as &lt; in any string)
CREATE FUNCTION @extschema@._dot_str(s text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT '"' || regexp_replace(
		replace(replace(replace(replace(replace(s, '&', '&amp;'), E'\\', E'\\\\'), '"', E'\\"'), E'\r\n', E'\n'), E'\n', E'\\n'),
		'[\x01-\x08\x0b-\x1f\x7f]', '', 'g') || '"'
$$;
COMMENT ON FUNCTION @extschema@._dot_str(text) IS 'internal: a text as a Graphviz DOT quoted string';

-- _dot_left(until): "3 d 4 h left" style remaining time, or NULL when permanent
CREATE FUNCTION @extschema@._dot_left(until timestamptz)
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
COMMENT ON FUNCTION @extschema@._dot_left(timestamptz) IS 'internal: time left until an expiry, for pictures';

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
	), org_nodes AS (
		SELECT s.id, format('  %s [shape=box, style="rounded,filled", fillcolor=%s, label=%s];',
				@extschema@._dot_str('org ' || s.id),
				CASE sr.level WHEN 'write' THEN '"#f8c9b8"' WHEN 'read' THEN '"#fdf1c2"' ELSE '"#e8eef8"' END,
				@extschema@._dot_str(s.name || E'\norg ' || s.id || E'\nsupport: ' || sr.level
					|| ' (' || sr.source || COALESCE(', ' || @extschema@._dot_left(sr.expires_at), '') || ')')) AS line
		  FROM shown s, @extschema@._support_row(s.id) sr
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
				@extschema@._dot_str(o.name || E'\norg ' || g.authorized_org_id || E'\n(outside this subtree)')) AS line
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

REVOKE ALL ON FUNCTION @extschema@._dot_str(text), @extschema@._dot_left(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.access_graph(bigint, integer) FROM PUBLIC;
-- like the other introspection functions: permission is checked inside
GRANT EXECUTE ON FUNCTION @extschema@.access_graph(bigint, integer) TO PUBLIC;
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
