/* sql/upgrade--0.3.0.sql -- first part of the upgrade script from 0.3.0: drops what the newest version defines again */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION access_policy UPDATE" to load this file. \quit

-- orgs_parent_idx (parent_id) becomes orgs_children_idx (parent_id) INCLUDE
-- (id): the child lists of a subtree are read from it in one pass
CREATE INDEX orgs_children_idx ON @extschema@.orgs (parent_id) INCLUDE (id);
DROP INDEX @extschema@.orgs_parent_idx;

-- _holds, _require, _require_role_perms and _assignment_guard are C
-- functions now (the write path of a grant): defined again below, the
-- trigger again in the post part
DROP FUNCTION @extschema@._holds(bigint, text);
DROP FUNCTION @extschema@._require(bigint, text);
DROP FUNCTION @extschema@._require_role_perms(bigint, bigint);
DROP TRIGGER assignment_guard ON @extschema@.assignments;
DROP FUNCTION @extschema@._assignment_guard();

-- _org_guard reads the moved subtree's assignments instead of every
-- custom-role assignment of the world
DROP TRIGGER org_guard ON @extschema@.orgs;
DROP FUNCTION @extschema@._org_guard();
CREATE FUNCTION @extschema@._org_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
-- the moved subtree is read down through orgs_children_idx, an index probe
-- per org, whatever the statistics say (a hash join would read the whole
-- table once per level: minutes for a 20,000-deep chain)
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
BEGIN
	IF NEW.parent_id IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.parent_id IS DISTINCT FROM OLD.parent_id) THEN
		-- serialize tree moves so that two halves of a cycle cannot both pass
		PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('access_policy.org_tree'));
		-- also on INSERT: rows inserted earlier by the same statement can close a loop
		IF @extschema@._org_is_descendant(NEW.parent_id, NEW.id) THEN
			RAISE EXCEPTION 'moving org % under org % would create a cycle', NEW.id, NEW.parent_id
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = pg_catalog.format('Org %s is %s org %s.', NEW.parent_id,
						CASE WHEN NEW.parent_id = NEW.id THEN 'the same as' ELSE 'a descendant of' END, NEW.id);
		END IF;
	END IF;
	IF TG_OP = 'UPDATE' AND NEW.parent_id IS DISTINCT FROM OLD.parent_id THEN
		-- a custom role stays usable only below the org that defines it: the
		-- assignments of the moved subtree (read down from the org, so that a
		-- move costs its subtree, not the world)
		IF EXISTS (
			WITH RECURSIVE subtree (id) AS (
				SELECT NEW.id
				UNION
				SELECT o.id FROM @extschema@.orgs o JOIN subtree s ON o.parent_id = s.id
			)
			SELECT 1
			  FROM subtree s
			  JOIN @extschema@.assignments a ON a.org_id = s.id
			  JOIN @extschema@.roles r ON r.id = a.role_id
			 WHERE r.org_id IS NOT NULL
			   AND NOT @extschema@._org_is_descendant(r.org_id, NEW.id)
			   AND (NEW.parent_id IS NULL OR NOT @extschema@._org_is_descendant(NEW.parent_id, r.org_id))) THEN
			RAISE EXCEPTION 'cannot move org %: custom roles defined above it are assigned in its subtree', NEW.id
				USING ERRCODE = 'integrity_constraint_violation',
					  HINT = 'Revoke those assignments first, or move the org within the subtree of the org that defines the role.';
		END IF;
	END IF;
	RETURN NEW;
END;
$$;

COMMENT ON FUNCTION @extschema@._org_guard() IS 'internal: refuses org cycles and moves that strand custom role assignments';
CREATE FUNCTION @extschema@._assignment_guard()
RETURNS trigger
AS 'MODULE_PATHNAME', 'assignment_guard' LANGUAGE C;

COMMENT ON FUNCTION @extschema@._assignment_guard() IS 'internal: custom roles are assignable only in their org and below';
CREATE FUNCTION @extschema@._require(org bigint, permission text)
RETURNS void
AS 'MODULE_PATHNAME', 'require' LANGUAGE C STABLE;

COMMENT ON FUNCTION @extschema@._require(bigint, text) IS 'internal: raises unless the acting user holds permission at org through a role';
CREATE FUNCTION @extschema@._holds(org bigint, permission text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'holds' LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._holds(bigint, text) IS 'internal: does the acting user hold permission at org through an active role assignment (support access not counted)?';
CREATE FUNCTION @extschema@._require_role_perms(org bigint, role bigint)
RETURNS void
AS 'MODULE_PATHNAME', 'require_role_perms' LANGUAGE C STABLE;

COMMENT ON FUNCTION @extschema@._require_role_perms(bigint, bigint) IS 'internal: no one grants permissions they lack';
/* sql/upgrade--0.3.0-post.sql -- upgrade from 0.3.0: privileges and dependants of the functions defined again */

CREATE TRIGGER org_guard BEFORE INSERT OR UPDATE OF parent_id ON @extschema@.orgs
	FOR EACH ROW EXECUTE FUNCTION @extschema@._org_guard();
CREATE TRIGGER assignment_guard BEFORE INSERT OR UPDATE OF org_id, role_id ON @extschema@.assignments
	FOR EACH ROW EXECUTE FUNCTION @extschema@._assignment_guard();

-- internal functions: executable by their owner only, as in a fresh install
REVOKE ALL ON FUNCTION
	@extschema@._holds(bigint, text),
	@extschema@._org_guard(),
	@extschema@._require(bigint, text),
	@extschema@._require_role_perms(bigint, bigint),
	@extschema@._assignment_guard()
FROM PUBLIC;
/* sql/access_policy_channels.sql -- org channels: cache invalidation per org (new in 0.4.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- A write to an org, a support setting or a support override signals the
-- channels of the orgs it changes (the org, and for an org row its old and
-- new parent), one of 4096 by a hash of the org id, instead of the whole
-- org tree: a backend reloads the orgs it cached only when one of the
-- channels it read them from is signalled (src/orgs.c, OrgTouch).  A new
-- org elsewhere (a signup) costs the other backends nothing.  TRUNCATE
-- still signals the whole tree.  These triggers replace the statement
-- triggers of 0.3.0, which signalled the whole tree for any change.
------------------------------------------------------------------------------

DROP TRIGGER invalidate ON @extschema@.orgs;
DROP TRIGGER invalidate_move ON @extschema@.orgs;
CREATE TRIGGER invalidate_row AFTER INSERT OR DELETE ON @extschema@.orgs
	FOR EACH ROW EXECUTE FUNCTION @extschema@._invalidate('id', 'parent_id');
-- a move (or a changed id); not a rename
CREATE TRIGGER invalidate_move AFTER UPDATE ON @extschema@.orgs
	FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.parent_id IS DISTINCT FROM NEW.parent_id)
	EXECUTE FUNCTION @extschema@._invalidate('id', 'parent_id');
CREATE TRIGGER invalidate AFTER TRUNCATE ON @extschema@.orgs
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._invalidate();

DROP TRIGGER invalidate ON @extschema@.support_settings;
CREATE TRIGGER invalidate_row AFTER INSERT OR UPDATE OR DELETE ON @extschema@.support_settings
	FOR EACH ROW EXECUTE FUNCTION @extschema@._invalidate('org_id');
CREATE TRIGGER invalidate AFTER TRUNCATE ON @extschema@.support_settings
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._invalidate();

DROP TRIGGER invalidate ON @extschema@.support_overrides;
CREATE TRIGGER invalidate_row AFTER INSERT OR UPDATE OR DELETE ON @extschema@.support_overrides
	FOR EACH ROW EXECUTE FUNCTION @extschema@._invalidate('org_id');
CREATE TRIGGER invalidate AFTER TRUNCATE ON @extschema@.support_overrides
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._invalidate();
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

COMMENT ON FUNCTION @extschema@._invalidate() IS
'internal: cache invalidation trigger of the policy tables: signals the part of the cache a write changes (a user bucket, the channels of the orgs written, or a whole part)';
