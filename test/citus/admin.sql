-- test/citus/admin.sql -- administration on the world of test/citus/world.sql,
-- run as the system on a single node and on a Citus coordinator: what each
-- call returns is compared, then every node's policy data and every user's
-- answers (the suite citus).  Errors go to stderr and are not compared: a
-- call that fails on one side only shows as a missing line.
SET client_min_messages = warning;
SELECT 'rename', access_policy.rename_org(13, 'renamed leaf');
SELECT 'move', access_policy.move_org(14, 5);
SELECT 'set_org_key', access_policy.set_org_key(14, 'org-14b');
SELECT 'add_role_permission', access_policy.add_role_permission((SELECT id FROM access_policy.roles WHERE name = 'reader' AND org_id = 1), 'comments.edit');
SELECT 'remove_role_permission', access_policy.remove_role_permission((SELECT id FROM access_policy.roles WHERE name = 'reader' AND org_id = 1), 'comments.view');
SELECT 'set_role_permissions', access_policy.set_role_permissions((SELECT id FROM access_policy.roles WHERE name = 'commenter'), ARRAY['comments.view']);
SELECT 'set_assignment', access_policy.set_assignment((SELECT min(id) FROM access_policy.assignments WHERE user_id = 'u03'), false, NULL, NULL);
SELECT 'revoke_role', access_policy.revoke_role('u02', 1, 'writer');
SELECT 'set_kind_action', access_policy.set_kind_action('app', 'open', ARRAY['docs.view']);
SELECT 'set_resource_key', access_policy.set_key_type('resource', 'text'), access_policy.set_resource_key(1, 'app-1');
SELECT 'revoke_resource', access_policy.revoke_resource(5, 'reader');
SELECT 'delete_resource', access_policy.delete_resource(6);
SELECT 'set_permission_support', access_policy.set_permission_support('docs.edit', false, true);
SELECT 'set_support_expiry', access_policy.set_support_expiry(8, '1 month') IS NOT NULL;
SELECT 'set_support_access', access_policy.set_support_access(3, 'write', 'ticket 3', '1 week', cascade => true) IS NOT NULL;
SELECT 'revoke_support_access', access_policy.revoke_support_access(8);
-- a vendor override (needs a member of access_policy.support_override_role;
-- the superuser is one once the role exists): one stays, one is ended
CREATE ROLE access_policy_support_override;
SELECT 'override_support_access', access_policy.override_support_access(2, 'write', 'incident 7', '1 hour') IS NOT NULL;
SELECT 'override_support_access', access_policy.override_support_access(7, 'read', 'incident 8', '1 hour') IS NOT NULL;
SELECT 'end_support_override', access_policy.end_support_override(7);
SELECT 'map_login', access_policy.map_login('citus_other', 'u02');
SELECT 'unmap_login', access_policy.unmap_login('citus_other');
SELECT 'update_user', access_policy.update_user('u02', display_name => 'User Two');
SELECT 'create_user', access_policy.create_user('u99');
SELECT 'delete_user', access_policy.delete_user('u99');
SELECT 'delete_role', access_policy.delete_role((SELECT id FROM access_policy.roles WHERE name = 'commenter'), cascade => true);
-- an open invitation and a pending support request at org 30 go with it
SELECT 'assign_role', access_policy.assign_role('u01', 3, 'Admin') IS NOT NULL;
BEGIN;
SELECT access_policy.set_user('u01');
SELECT 'invite at 30', access_policy.invite(30, 'someone@example.com', 'Viewer') IS NOT NULL;
SELECT access_policy.set_user('agent');
SELECT 'request at 30', access_policy.request_support_access(30, 'read', 'before the deletion', '1 week') > 0;
COMMIT;
SELECT 'delete_org', access_policy.delete_org(30, cascade => true);
SELECT 'invitations and requests left of org 30',
	   (SELECT count(*) FROM access_policy.invitations WHERE org_id = 30)
	   + (SELECT count(*) FROM access_policy.support_access_requests WHERE org_id = 30);
SELECT 'rows left of org 30', (SELECT count(*) FROM docs WHERE org_id = 30) + (SELECT count(*) FROM comments WHERE org_id = 30);
SELECT 'housekeeping', * FROM access_policy.housekeeping();
BEGIN;
SELECT access_policy.set_user('u01');
SELECT 'invite', access_policy.invite(2, 'u11@example.com', 'Viewer') IS NOT NULL;
SELECT 'revoke_invitation', access_policy.revoke_invitation((SELECT max(id) FROM access_policy.invitations));
SELECT 'members', count(*) FROM access_policy.members;
SELECT 'remove_member', access_policy.remove_member('u07', 2);
SELECT 'set_member_enabled', access_policy.set_member_enabled('u09', 2, true);
SELECT 'change_role', access_policy.assign_role('u12', 2, 'Viewer') IS NOT NULL, access_policy.change_role('u12', 2, 'Editor');
COMMIT;
BEGIN;
SELECT access_policy.set_user('u06');
SELECT 'leave_org', access_policy.leave_org(2);
COMMIT;
BEGIN;
SELECT access_policy.set_user('agent');
SELECT access_policy.request_support_access(9, 'write', 'customer asked', '1 week', ticket => 'T-1') AS req \gset
SELECT 'request', :req > 0;
COMMIT;
BEGIN;
SELECT access_policy.set_user('u01');
SELECT 'approve_support_request', access_policy.approve_support_request(:req) IS NOT NULL;
COMMIT;
BEGIN;
SELECT access_policy.set_user('agent');
SELECT access_policy.request_support_access(7, 'write', 'again', '1 week') AS req2 \gset
COMMIT;
SELECT 'deny_support_request', access_policy.deny_support_request(:req2, 'no');
SELECT 'support_statuses', org_id, level FROM access_policy.support_statuses() ORDER BY org_id;
SELECT 'who_can', user_id FROM access_policy.who_can(5, 'docs.view') ORDER BY 2;
SELECT 'changes', count(*) > 0 FROM access_policy.changes(0, 10);
SELECT 'unprotect_table', access_policy.unprotect_table('comments');
SELECT 'protect_table', access_policy.protect_table('comments', 'org_id', 'comments.view', 'comments.edit');
