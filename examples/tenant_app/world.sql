-- examples/tenant_app/world.sql -- the test world of test_app.py (as the system):
-- two tenants, Acme and Globex, named by their uuids (the orgs' keys)
SELECT access_policy.create_org('Acme', key => 'a1000000-0000-4000-8000-000000000001');
SELECT access_policy.create_org('Globex', key => 'b2000000-0000-4000-8000-000000000002');
SELECT access_policy.create_user('alice', 'alice@acme.example');
SELECT access_policy.create_user('bob', 'bob@globex.example');
SELECT access_policy.create_user('carol', 'carol@acme.example');
SELECT access_policy.create_user('sam', 'sam@vendor.example', 'Sam (support)', is_support_staff => true);
SELECT access_policy.create_user('erin', 'erin@nowhere.example');
-- the administration functions take org ids: org_id() resolves a key
SELECT access_policy.assign_role('alice', access_policy.org_id('a1000000-0000-4000-8000-000000000001'::uuid), 'Admin');
SELECT access_policy.assign_role('bob', access_policy.org_id('b2000000-0000-4000-8000-000000000002'::uuid), 'Viewer');
INSERT INTO public.notes (tenant_id, body)
SELECT (ARRAY['a1000000-0000-4000-8000-000000000001', 'b2000000-0000-4000-8000-000000000002']::uuid[])[1 + g % 2],
	   'note ' || g
  FROM generate_series(1, 10) g;
