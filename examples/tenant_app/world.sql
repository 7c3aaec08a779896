-- examples/tenant_app/world.sql -- the test world of test_app.py (as the system)
SELECT access_policy.create_org('Acme', NULL, 1);
SELECT access_policy.create_org('Globex', NULL, 2);
SELECT access_policy.create_user('alice', 'alice@acme.example');
SELECT access_policy.create_user('bob', 'bob@globex.example');
SELECT access_policy.create_user('carol', 'carol@acme.example');
SELECT access_policy.create_user('sam', 'sam@vendor.example');
SELECT access_policy.create_user('erin', 'erin@nowhere.example');
UPDATE access_policy.users SET is_support_staff = true WHERE id = 'sam';
SELECT access_policy.assign_role('alice', 1, 'Admin');
SELECT access_policy.assign_role('bob', 2, 'Viewer');
INSERT INTO public.notes (org_id, body)
SELECT 1 + g % 2, 'note ' || g FROM generate_series(1, 10) g;
