-- test/citus/world.sql -- the generated world of the Citus suite, built
-- through the API, the same on a single node and on a Citus coordinator
-- (after examples/citus/distribute.sql).  Deterministic: no random(), no
-- clock-dependent state except expiries far from now.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT access_policy.set_key_type('org', 'text');
SELECT access_policy.register_permission('docs.view', true);
SELECT access_policy.register_permission('docs.edit', false);
SELECT access_policy.register_permission('comments.view', true);
SELECT access_policy.register_permission('comments.edit', false);

-- 30 orgs: 3 roots, 3 children each, 2 grandchildren each; org i has key 'org-i'
SELECT access_policy.create_org('root ' || r, NULL, r, key => 'org-' || r) FROM generate_series(1, 3) r;
SELECT access_policy.create_org('child ' || c, (c - 4) / 3 + 1, c, key => 'org-' || c) FROM generate_series(4, 12) c;
SELECT access_policy.create_org('leaf ' || l, (l - 13) / 2 + 4, l, key => 'org-' || l) FROM generate_series(13, 30) l;

-- custom roles at each root; a narrower one at a child
SELECT access_policy.create_role(r, 'reader', ARRAY['docs.view', 'comments.view']) FROM generate_series(1, 3) r;
SELECT access_policy.create_role(1, 'writer', ARRAY['docs.view', 'docs.edit', 'comments.view', 'comments.edit']);
SELECT access_policy.create_role(5, 'commenter', ARRAY['comments.view', 'comments.edit']);

-- 24 users, each with one or two roles somewhere; some expired, some not yet
-- valid, some disabled; one support agent
SELECT access_policy.create_user('u' || lpad(i::text, 2, '0'), 'u' || i || '@example.com') FROM generate_series(1, 24) i;
SELECT access_policy.create_user('agent', 'agent@vendor.example', is_support_staff => true);
SELECT access_policy.assign_role('u' || lpad(i::text, 2, '0'), (i * 7) % 30 + 1,
		(ARRAY['Admin', 'reader', 'Viewer', 'Editor'])[i % 4 + 1])
FROM generate_series(1, 24) i;
SELECT access_policy.assign_role('u' || lpad(i::text, 2, '0'), 1, 'writer') FROM generate_series(2, 24, 5) i;
SELECT access_policy.assign_role('u' || lpad(i::text, 2, '0'), 5, 'commenter') FROM generate_series(3, 24, 6) i;
SELECT access_policy.assign_role('u20', 2, 'Admin', expires_at => '2999-01-01');
SELECT access_policy.assign_role('u21', 3, 'Admin', valid_from => '2999-01-01');
SELECT access_policy.assign_role('u22', 4, 'reader', expires_at => '2999-01-01');

-- resources: an app per root, a page under it; grants to roles at chosen orgs
SELECT access_policy.create_resource_kind('app', 'an application');
SELECT access_policy.create_resource(r, 'app', 'app of root ' || r) FROM generate_series(1, 3) r;
SELECT access_policy.create_resource(r, 'app', 'page of root ' || r, parent_id => r) FROM generate_series(1, 3) r;
SELECT access_policy.grant_resource(1, 'reader', ARRAY[4, 5]::bigint[]);
SELECT access_policy.grant_resource(5, 'reader', ARRAY[9]::bigint[]);

-- support access: read on root 1 and below, write on org 8
SELECT access_policy.set_support_access(1, 'read', 'ticket 1', 'permanent', cascade => true);
SELECT access_policy.set_support_access(8, 'write', 'ticket 2', '1 year');

-- team management, acting as users: an invitation accepted, a role
-- changed, a member disabled
SELECT access_policy.assign_role('u01', 2, 'Admin');
SELECT access_policy.assign_role(u, 2, 'Viewer') FROM unnest(ARRAY['u07', 'u09']) u;
BEGIN;
SELECT access_policy.set_user('u01');
SELECT access_policy.invite(2, 'u6@example.com', 'Viewer') AS token \gset
SELECT access_policy.set_user('u06');
SELECT access_policy.accept_invitation(:'token');
SELECT access_policy.set_user('u01');
SELECT access_policy.change_role('u07', 2, 'Editor');
SELECT access_policy.set_member_enabled('u09', 2, false);
COMMIT;

-- the tenant tables: documents and their comments, by org
CREATE TABLE docs (org_id bigint NOT NULL, id bigint NOT NULL, body text, PRIMARY KEY (org_id, id));
CREATE TABLE comments (org_id bigint NOT NULL, doc_id bigint NOT NULL, id bigint NOT NULL, body text,
	PRIMARY KEY (org_id, doc_id, id), FOREIGN KEY (org_id, doc_id) REFERENCES docs (org_id, id));
\if :citus
SELECT create_distributed_table('docs', 'org_id');
SELECT create_distributed_table('comments', 'org_id', colocate_with => 'docs');
\endif
INSERT INTO docs SELECT o, d, 'doc ' || d || ' of org ' || o FROM generate_series(1, 30) o, generate_series(1, 4) d;
INSERT INTO comments SELECT o, d, c, 'comment' FROM generate_series(1, 30) o, generate_series(1, 4) d, generate_series(1, 2) c;
SELECT access_policy.protect_table('docs', 'org_id', 'docs.view', 'docs.edit');
SELECT access_policy.protect_table('comments', 'org_id', 'comments.view', 'comments.edit');

-- the application's role, and a function that tries a write and says how it went
CREATE ROLE citus_app LOGIN;
CREATE ROLE citus_other LOGIN;
SELECT access_policy.grant_api('citus_app', 'application');
SELECT access_policy.grant_api('citus_other', 'application');
GRANT SELECT, INSERT, UPDATE, DELETE ON docs, comments TO citus_app, citus_other;
CREATE FUNCTION try_write(sql text, org bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	EXECUTE format(sql, org);
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN 'ok ' || n;
EXCEPTION WHEN insufficient_privilege OR check_violation OR foreign_key_violation THEN
	RETURN 'refused';
END
$$;
