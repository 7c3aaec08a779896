-- model: orgs, users, permissions, roles and assignments, with every refusal.
\set VERBOSITY terse
SET TIME ZONE 'UTC';

-- orgs: create, rename, move, delete
SELECT access_policy.create_org('Model Root', NULL, 1000);
SELECT access_policy.create_org('Model A', 1000, 1001);
SELECT access_policy.create_org('Model B', 1000, 1002);
SELECT access_policy.create_org('Model A1', 1001, 1003);
SELECT access_policy.create_org('', 1000, 1004);
SELECT access_policy.create_org(repeat('n', 201), 1000, 1004);
SELECT access_policy.create_org('Dup', 1000, 1001);
SELECT access_policy.create_org('Orphan', 999999, 1004);
SELECT access_policy.rename_org(1002, 'Model B renamed');
SELECT access_policy.rename_org(1002, '');
SELECT access_policy.rename_org(999999, 'x');
SELECT name FROM access_policy.orgs WHERE id = 1002;

-- moves: cycles are refused, whoever writes the table
SELECT access_policy.move_org(1000, 1003);
SELECT access_policy.move_org(1001, 1003);
SELECT access_policy.move_org(1001, 1001);
UPDATE access_policy.orgs SET parent_id = 1003 WHERE id = 1000;
SELECT access_policy.move_org(1003, 1002);
SELECT id, parent_id FROM access_policy.orgs WHERE id BETWEEN 1000 AND 1003 ORDER BY id;
SELECT access_policy.move_org(1003, NULL);
SELECT access_policy.move_org(1003, 1001);

-- users
SELECT access_policy.create_user('model_ann', 'ann@example.com', 'Ann');
SELECT access_policy.create_user('model_ann', 'ann2@example.com', 'Ann again');
SELECT access_policy.create_user('model_dup_email', 'ANN@example.com', 'Same email, other case');
SELECT access_policy.create_user('', NULL, NULL);
SELECT access_policy.create_user(repeat('u', 257), NULL, NULL);
SELECT access_policy.create_user('model_bad_email', 'not an email', NULL);
SELECT access_policy.create_user('model_ben', NULL, 'Ben');
SELECT access_policy.create_user('model_cid', NULL, 'Cid');

-- permissions
SELECT access_policy.register_permission('model.view', true, 'look');
SELECT access_policy.register_permission('model.edit', false);
SELECT access_policy.register_permission('model.view', true);
SELECT access_policy.register_permission('Model.View', true);
SELECT access_policy.register_permission('nodot', true);
SELECT access_policy.register_permission('', true);
SELECT access_policy.register_permission(repeat('a', 40) || '.' || repeat('b', 40), true);

-- roles: custom roles belong to an org
SELECT access_policy.create_role(1001, 'Model Editor', '{model.view,model.edit}') AS model_editor \gset
SELECT access_policy.create_role(1001, 'Model Editor', '{model.view}');
SELECT access_policy.create_role(1001, 'Typo', '{model.veiw}');
SELECT access_policy.create_role(1001, '', '{model.view}');
SELECT access_policy.create_role(999999, 'Nowhere', '{model.view}');
SELECT access_policy.set_role_permissions(:model_editor, '{model.view}');
SELECT permission FROM access_policy.role_permissions WHERE role_id = :model_editor;
SELECT access_policy.set_role_permissions(:model_editor, '{model.view,model.edit}');
SELECT access_policy.set_role_permissions(-1, '{model.view}');

-- assignments: a custom role is assignable in its org and below only
SELECT access_policy.assign_role('model_ann', 1001, 'Model Editor') IS NOT NULL AS ok;
SELECT access_policy.assign_role('model_ben', 1003, 'Model Editor') IS NOT NULL AS ok;
SELECT access_policy.assign_role('model_cid', 1002, 'Model Editor');
INSERT INTO access_policy.assignments (user_id, org_id, role_id) VALUES ('model_cid', 1002, :model_editor);
SELECT access_policy.assign_role('model_ann', 1001, 'Model Editor');
SELECT access_policy.assign_role('nobody', 1001, 'Viewer');
SELECT access_policy.assign_role('model_cid', 1001, 'No Such Role');
SELECT access_policy.assign_role('model_cid', 1001, 'Viewer', '2000-01-01');
SELECT access_policy.assign_role('model_cid', 1001, 'Viewer', '2100-01-01', '2100-01-02');
-- moving an org away from the org that defines a role assigned below it is refused
SELECT access_policy.move_org(1003, 1002);

-- validity windows decide, at the statement's time
SELECT access_policy.assign_role('model_cid', 1002, 'Viewer', valid_from => '2100-01-01') AS future \gset
SELECT access_policy.assign_role('model_cid', 1001, 'Viewer', expires_at => statement_timestamp() + interval '1 hour') AS soon \gset
SELECT access_policy.set_assignment(:soon, enabled => false);
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('model_cid');
SELECT access_policy.can(1002, 'settings.view') AS future_window, access_policy.can(1001, 'settings.view') AS disabled;
COMMIT;
RESET ROLE;
SELECT access_policy.set_assignment(:soon, enabled => true);
SELECT access_policy.set_assignment(:future, valid_from => '-infinity');
SELECT access_policy.set_assignment(:future, expires_at => '-infinity');
SELECT access_policy.set_assignment(-1, enabled => true);
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('model_cid');
SELECT access_policy.can(1002, 'settings.view') AS now_valid, access_policy.can(1001, 'settings.view') AS enabled_again;
COMMIT;
RESET ROLE;
-- an assignment that expires while a transaction is open stops at the next statement
UPDATE access_policy.assignments SET expires_at = clock_timestamp() + interval '300 ms' WHERE id = :soon;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('model_cid');
SELECT access_policy.can(1001, 'settings.view') AS before_expiry;
SELECT pg_sleep(0.5);
SELECT access_policy.can(1001, 'settings.view') AS after_expiry;
COMMIT;
RESET ROLE;

-- revoke
SELECT access_policy.revoke_role('model_ben', 1003, 'Model Editor');
SELECT access_policy.revoke_role('model_ben', 1003, 'Model Editor');

-- deleting roles and orgs that are still in use is refused unless cascaded
SELECT access_policy.delete_role(:model_editor);
SELECT access_policy.delete_role(1);
SELECT access_policy.delete_org(1001);
SELECT access_policy.delete_org(1003);
SELECT access_policy.delete_org(1003, cascade => true);
SELECT access_policy.delete_role(:model_editor, cascade => true);
SELECT count(*) AS assignments_left FROM access_policy.assignments WHERE role_id = :model_editor;
SELECT access_policy.delete_org(1000, cascade => true);
SELECT count(*) AS orgs_left FROM access_policy.orgs WHERE id BETWEEN 1000 AND 1999;
SELECT count(*) AS assignments_left FROM access_policy.assignments WHERE org_id BETWEEN 1000 AND 1999;

-- a deep tree: no recursion limit, no crash
INSERT INTO access_policy.orgs (id, name, parent_id)
SELECT 1100 + g, 'deep ' || g, CASE WHEN g = 0 THEN NULL ELSE 1100 + g - 1 END FROM generate_series(0, 799) g;
SELECT access_policy.assign_role('model_ann', 1100, 'Viewer') IS NOT NULL AS ok;
SELECT access_policy.move_org(1100, 1899);
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('model_ann');
SELECT access_policy.can(1899, 'settings.view') AS bottom, cardinality(access_policy.orgs_with('settings.view')) AS orgs;
COMMIT;
RESET ROLE;
SELECT access_policy.delete_org(1100, cascade => true);

-- deleting a user removes their assignments
SELECT access_policy.delete_user('model_cid');
SELECT access_policy.delete_user('model_cid');
SELECT count(*) AS assignments_left FROM access_policy.assignments WHERE user_id = 'model_cid';
