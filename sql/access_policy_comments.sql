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

COMMENT ON FUNCTION access_policy_internal._invalidate() IS
'internal: cache invalidation trigger of the policy tables: signals the part of the cache a write changes (a user bucket, the channels of the orgs written, or a whole part)';
