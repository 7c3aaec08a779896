/* test/bench/world.sql -- the benchmark world: org tree, users, roles, assignments, resources, grants, tenant tables */

/*
 * Run by test/bench/run as a superuser with no access_policy identity, in a
 * fresh database where access_policy and the reference model (ap_ref) are
 * installed.  Sizes come in as psql variables:
 *   chain        orgs in one chain (org 1 is its root, org k the child of k-1)
 *   orgs_tree    orgs in the tree of depth 1-6 (ids after the chain)
 *   users        regular users u1..uN
 *   assignments  role assignments in total (30% expired or disabled)
 *   resources    apps and pages spread over the tree (one app per ten resources)
 *   big_pages    pages of the one big app (T6)
 *   grants       resource grants in total
 *   rows         rows of the tenant table bench.t
 *   rows_b2      rows of bench.tb2, the table of the per-row SQL baseline (T2)
 *   writers      fresh users w1..wN that only the write benchmarks (T7) use
 *   targets      (writer, org) pairs for the write benchmarks
 *   checks       rows of the tables of random ids for the check benchmarks (T4, T5)
 *
 * Bulk load: the policy tables are filled with INSERT ... SELECT while their
 * user triggers (audit, guards, invalidation) are disabled, and the triggers
 * are enabled again at the end.  The guards' rules are kept by construction
 * (custom roles are assigned only at or below the org defining them, a
 * grant's org_id is its resource's org, a page's parent is in its org).  No
 * backend has a cache yet, so nothing needs the invalidation.
 */

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 2;
SET maintenance_work_mem = '1GB';
SET work_mem = '256MB';

CREATE SCHEMA bench;
CREATE TABLE bench.params (k text PRIMARY KEY, v bigint NOT NULL);
INSERT INTO bench.params VALUES
	('chain', :chain), ('orgs_tree', :orgs_tree), ('users', :users),
	('assignments', :assignments), ('resources', :resources), ('big_pages', :big_pages),
	('grants', :grants), ('rows', :rows), ('rows_b2', :rows_b2),
	('writers', :writers), ('targets', :targets), ('checks', :checks);
CREATE FUNCTION bench.p(text) RETURNS bigint LANGUAGE sql STABLE
AS $$ SELECT v FROM bench.params WHERE k = $1 $$;

-- deterministic pseudo-random integers: h(i, salt) in [0, 2^31)
CREATE FUNCTION bench.h(i bigint, salt int) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (('x' || substr(md5(i::text || ':' || salt::text), 1, 8))::bit(32)::bigint) & 2147483647 $$;

-- names the benchmark uses, registered through the API (audited as usual)
SELECT access_policy.register_permission('app_platform.view', true, 'open the app platform');
SELECT access_policy.register_permission('form.view', true, 'view forms');
SELECT access_policy.register_permission('form.edit', false, 'edit forms');
SELECT access_policy.create_resource_kind('app', 'an application');
SELECT access_policy.create_resource_kind('page', 'a page of an application');
SELECT access_policy.set_kind_action('app', 'open', ARRAY['app_platform.view']);
SELECT access_policy.set_kind_action('page', 'open', ARRAY['app_platform.view', 'form.view']);

ALTER TABLE access_policy.users DISABLE TRIGGER USER;
ALTER TABLE access_policy.orgs DISABLE TRIGGER USER;
ALTER TABLE access_policy.roles DISABLE TRIGGER USER;
ALTER TABLE access_policy.role_permissions DISABLE TRIGGER USER;
ALTER TABLE access_policy.assignments DISABLE TRIGGER USER;
ALTER TABLE access_policy.resources DISABLE TRIGGER USER;
ALTER TABLE access_policy.resource_grants DISABLE TRIGGER USER;

------------------------------------------------------------------------------
-- Orgs: a chain 1..chain, then a tree of depth 1-6 whose level sizes follow
-- 60 : 540 : 1800 : 3000 : 2400 : 1200 (of 9000); bench.orgs_meta keeps each
-- org's depth and root.
------------------------------------------------------------------------------

CREATE TABLE bench.orgs_meta (id bigint PRIMARY KEY, depth int NOT NULL, root bigint NOT NULL, leaf boolean NOT NULL DEFAULT false);

INSERT INTO access_policy.orgs (id, name, parent_id)
SELECT i, 'chain ' || i, NULLIF(i - 1, 0) FROM generate_series(1, bench.p('chain')) i;
INSERT INTO bench.orgs_meta (id, depth, root) SELECT i, i, 1 FROM generate_series(1, bench.p('chain')) i;

DO $$
DECLARE
	n bigint := bench.p('orgs_tree');
	share float8[] := ARRAY[60, 540, 1800, 3000, 2400, 1200];
	sizes bigint[] := '{}';
	total bigint := 0;
	start bigint := bench.p('chain') + 1;
	prev_start bigint;
	prev_size bigint;
	lvl int;
BEGIN
	FOR lvl IN 1 .. 6 LOOP
		sizes := sizes || greatest(1, round(n * share[lvl] / 9000))::bigint;
		total := total + sizes[lvl];
	END LOOP;
	sizes[4] := sizes[4] + (n - total);			-- the rounding rest goes to the largest level
	FOR lvl IN 1 .. 6 LOOP
		IF lvl = 1 THEN
			INSERT INTO access_policy.orgs (id, name, parent_id)
			SELECT i, 'org ' || i, NULL FROM generate_series(start, start + sizes[1] - 1) i;
			INSERT INTO bench.orgs_meta (id, depth, root)
			SELECT i, 1, i FROM generate_series(start, start + sizes[1] - 1) i;
		ELSE
			-- parents spread over the previous level, children of a parent not adjacent
			INSERT INTO access_policy.orgs (id, name, parent_id)
			SELECT i, 'org ' || i, prev_start + (i - start) % prev_size
			  FROM generate_series(start, start + sizes[lvl] - 1) i;
			INSERT INTO bench.orgs_meta (id, depth, root)
			SELECT i, lvl, m.root
			  FROM generate_series(start, start + sizes[lvl] - 1) i
			  JOIN bench.orgs_meta m ON m.id = prev_start + (i - start) % prev_size;
		END IF;
		prev_start := start;
		prev_size := sizes[lvl];
		start := start + sizes[lvl];
	END LOOP;
END;
$$;
UPDATE bench.orgs_meta m SET leaf = NOT EXISTS (SELECT 1 FROM access_policy.orgs o WHERE o.parent_id = m.id);
SELECT setval(pg_get_serial_sequence('access_policy.orgs', 'id'), (SELECT max(id) FROM access_policy.orgs));
ANALYZE bench.orgs_meta;

CREATE TABLE bench.tree_orgs (k bigint PRIMARY KEY, id bigint NOT NULL);	-- tree orgs numbered 0..n-1
INSERT INTO bench.tree_orgs SELECT row_number() OVER (ORDER BY id) - 1, id FROM bench.orgs_meta WHERE root <> 1;
CREATE TABLE bench.roots (id bigint PRIMARY KEY, k int NOT NULL);	-- tree roots numbered 0..
INSERT INTO bench.roots SELECT id, row_number() OVER (ORDER BY id) - 1 FROM bench.orgs_meta WHERE depth = 1 AND root <> 1;

------------------------------------------------------------------------------
-- Users: u1..uN, the named users of the targets, writers w1..wN
------------------------------------------------------------------------------

INSERT INTO access_policy.users (id, email, display_name)
SELECT 'u' || i, 'u' || i || '@example.com', 'User ' || i FROM generate_series(1, bench.p('users')) i;
INSERT INTO access_policy.users (id, email, display_name)
SELECT 'w' || i, 'w' || i || '@example.com', 'Writer ' || i FROM generate_series(1, bench.p('writers')) i;
INSERT INTO access_policy.users (id, email, display_name) VALUES
	('u_all', 'all@example.com', 'Admin of every root'),
	('u_most', 'most@example.com', 'Viewer of most depth-2 orgs and the chain'),
	('u_sel', 'sel@example.com', 'Viewer of a few leaves'),
	('u_deep', 'deep@example.com', 'Viewer at the chain root and at nine tree roots'),
	('u_res', 'res@example.com', 'Designer below one root: the big app through a grant'),
	('u_admin', 'admin@example.com', 'Admin of every root: the acting admin of the write benchmarks');

------------------------------------------------------------------------------
-- Custom roles: Designer and Analyst defined at every root (tree and chain)
------------------------------------------------------------------------------

INSERT INTO access_policy.roles (name, org_id, description)
SELECT r.name, m.id, 'custom role of org ' || m.id
  FROM bench.orgs_meta m CROSS JOIN (VALUES ('Designer'), ('Analyst')) r (name)
 WHERE m.depth = 1
 ORDER BY m.id, r.name;
INSERT INTO access_policy.role_permissions (role_id, permission)
SELECT r.id, p.permission
  FROM access_policy.roles r
  JOIN (VALUES ('Designer', 'app_platform.view'), ('Designer', 'form.view'), ('Designer', 'form.edit'),
			   ('Designer', 'responses.view'), ('Analyst', 'responses.view'), ('Analyst', 'reviews.view'),
			   ('Analyst', 'settings.view')) p (role, permission) ON p.role = r.name
 WHERE r.org_id IS NOT NULL;

------------------------------------------------------------------------------
-- Assignments: the named users first, then regular ones up to the total.
-- Regular: ~5 per user at pseudo-random tree orgs; 10% Admin, 25% Editor,
-- 50% Viewer, 15% a custom role of the org's root; 20% expired, 10% disabled,
-- 10% expiring in the future, the rest open-ended.
------------------------------------------------------------------------------

-- u_all and u_admin: Admin at every root
INSERT INTO access_policy.assignments (user_id, org_id, role_id)
SELECT u, m.id, 1 FROM bench.orgs_meta m CROSS JOIN (VALUES ('u_all'), ('u_admin')) x (u) WHERE m.depth = 1;
-- u_most: Viewer at the chain root and at every depth-2 org but one in seven
INSERT INTO access_policy.assignments (user_id, org_id, role_id)
SELECT 'u_most', d.id, 3
  FROM (SELECT m.id, row_number() OVER (ORDER BY m.id) AS rn FROM bench.orgs_meta m WHERE m.depth = 2 AND m.root <> 1) d
 WHERE d.rn % 7 <> 4
UNION ALL SELECT 'u_most', 1, 3;
-- u_sel: Viewer at leaves making up 0.5% of the orgs (at least one)
INSERT INTO access_policy.assignments (user_id, org_id, role_id)
SELECT 'u_sel', m.id, 3
  FROM bench.orgs_meta m
 WHERE m.leaf AND m.root <> 1
 ORDER BY bench.h(m.id, 1)
 LIMIT greatest(1, (bench.p('chain') + bench.p('orgs_tree')) / 200);
-- u_deep: Viewer at the chain root and at nine tree roots
INSERT INTO access_policy.assignments (user_id, org_id, role_id)
SELECT 'u_deep', 1, 3
UNION ALL
SELECT 'u_deep', r.id, 3 FROM bench.roots r WHERE r.k < 9;
-- u_res: Designer at one depth-4 org (the grant on the big app names it)
CREATE TABLE bench.big (what text PRIMARY KEY, id bigint NOT NULL);
INSERT INTO bench.big
SELECT 'auth_org', min(m.id) FROM bench.orgs_meta m
 WHERE m.depth = (SELECT max(depth) FROM bench.orgs_meta WHERE root <> 1 AND depth <= 4) AND m.root <> 1;
-- the big app's org: another org of the same depth below the same root (not below auth_org)
INSERT INTO bench.big
SELECT 'app_org', max(m.id) FROM bench.orgs_meta m, bench.orgs_meta a, bench.big b
 WHERE b.what = 'auth_org' AND a.id = b.id AND m.root = a.root AND m.depth = a.depth AND m.id <> a.id;
INSERT INTO access_policy.assignments (user_id, org_id, role_id)
SELECT 'u_res', b.id, r.id
  FROM bench.big b JOIN bench.orgs_meta m ON m.id = b.id
  JOIN access_policy.roles r ON r.org_id = m.root AND r.name = 'Designer'
 WHERE b.what = 'auth_org';

INSERT INTO access_policy.assignments (user_id, org_id, role_id, enabled, valid_from, expires_at)
SELECT 'u' || (s.i % bench.p('users') + 1),
	   t.id,
	   CASE WHEN s.r < 10 THEN 1 WHEN s.r < 35 THEN 2 WHEN s.r < 85 THEN 3
			ELSE (SELECT c.id FROM access_policy.roles c
				   WHERE c.org_id = m.root AND c.name = CASE WHEN s.r < 93 THEN 'Analyst' ELSE 'Designer' END) END,
	   s.i % 10 <> 2,
	   CASE WHEN s.i % 10 = 4 THEN now() - interval '100 days' ELSE '-infinity' END,
	   CASE WHEN s.i % 10 IN (0, 1) THEN now() - (1 + s.i % 30) * interval '1 day'
			WHEN s.i % 10 = 3 THEN now() + (1 + s.i % 90) * interval '1 day'
			ELSE 'infinity' END
  FROM (SELECT i, bench.h(i, 2) % 100 AS r,
			   (bench.h(i % bench.p('users'), 3) + (i / bench.p('users')) * 9973) % bench.p('orgs_tree') AS k
		  FROM generate_series(0, bench.p('assignments') - (SELECT count(*) FROM access_policy.assignments) - 1) i) s
  JOIN bench.tree_orgs t ON t.k = s.k
  JOIN bench.orgs_meta m ON m.id = t.id
ON CONFLICT DO NOTHING;
SELECT setval(pg_get_serial_sequence('access_policy.assignments', 'id'), (SELECT max(id) FROM access_policy.assignments));

------------------------------------------------------------------------------
-- Resources: apps (one in ten) in pseudo-random tree orgs, pages below
-- them; then the big app with big_pages pages in its own org.
------------------------------------------------------------------------------

INSERT INTO access_policy.resources (id, org_id, parent_id, kind, name)
SELECT a, t.id, NULL, 'app', 'app ' || a
  FROM generate_series(1, greatest(1, bench.p('resources') / 10)) a
  JOIN bench.tree_orgs t ON t.k = bench.h(a, 4) % bench.p('orgs_tree');
INSERT INTO access_policy.resources (id, org_id, parent_id, kind, name)
SELECT p, app.org_id, app.id, 'page', 'page ' || p
  FROM generate_series(greatest(1, bench.p('resources') / 10) + 1, bench.p('resources')) p
  JOIN access_policy.resources app ON app.id = 1 + p % greatest(1, bench.p('resources') / 10);
INSERT INTO bench.big SELECT 'app', bench.p('resources') + 1;
INSERT INTO access_policy.resources (id, org_id, parent_id, kind, name)
SELECT bench.p('resources') + 1, b.id, NULL, 'app', 'the big app' FROM bench.big b WHERE b.what = 'app_org';
INSERT INTO access_policy.resources (id, org_id, parent_id, kind, name)
SELECT bench.p('resources') + 1 + i, b.id, bench.p('resources') + 1, 'page', 'big page ' || i
  FROM generate_series(1, bench.p('big_pages')) i, bench.big b WHERE b.what = 'app_org';
SELECT setval(pg_get_serial_sequence('access_policy.resources', 'id'), (SELECT max(id) FROM access_policy.resources));

------------------------------------------------------------------------------
-- Grants: one on the big app (Designer, authorized at u_res's org), one in
-- forty on pages of the big app (Viewer), the rest on the other resources
-- (Viewer or Editor at pseudo-random tree orgs); 20% expired.
------------------------------------------------------------------------------

INSERT INTO access_policy.resource_grants (resource_id, org_id, role_id, authorized_org_id)
SELECT b.id, ao.id, r.id, au.id
  FROM bench.big b, bench.big ao, bench.big au, bench.orgs_meta m, access_policy.roles r
 WHERE b.what = 'app' AND ao.what = 'app_org' AND au.what = 'auth_org'
   AND m.id = ao.id AND r.org_id = m.root AND r.name = 'Designer';

INSERT INTO access_policy.resource_grants (resource_id, org_id, role_id, authorized_org_id, expires_at)
SELECT bench.p('resources') + 2 + bench.h(g, 5) % greatest(1, bench.p('big_pages')),
	   b.id, 3, t.id,
	   CASE WHEN g % 5 = 0 THEN now() - interval '1 day' ELSE 'infinity' END
  FROM generate_series(1, bench.p('grants') / 40) g
  JOIN bench.tree_orgs t ON t.k = bench.h(g, 6) % bench.p('orgs_tree')
 CROSS JOIN bench.big b
 WHERE b.what = 'app_org'
ON CONFLICT DO NOTHING;

INSERT INTO access_policy.resource_grants (resource_id, org_id, role_id, authorized_org_id, expires_at)
SELECT res.id, res.org_id, CASE WHEN (s.g / bench.p('resources')) % 2 = 0 THEN 3 ELSE 2 END, t.id,
	   CASE WHEN s.g % 5 = 0 THEN now() - interval '1 day' ELSE 'infinity' END
  FROM (SELECT g FROM generate_series(0, bench.p('grants') * 2) g) s
  JOIN access_policy.resources res ON res.id = 1 + s.g % bench.p('resources')
  JOIN bench.tree_orgs t ON t.k = bench.h(s.g, 7) % bench.p('orgs_tree')
 WHERE s.g < bench.p('grants') * 2
 ORDER BY s.g
 LIMIT bench.p('grants') - (SELECT count(*) FROM access_policy.resource_grants)
ON CONFLICT DO NOTHING;
SELECT setval(pg_get_serial_sequence('access_policy.resource_grants', 'id'), (SELECT max(id) FROM access_policy.resource_grants));

ALTER TABLE access_policy.users ENABLE TRIGGER USER;
ALTER TABLE access_policy.orgs ENABLE TRIGGER USER;
ALTER TABLE access_policy.roles ENABLE TRIGGER USER;
ALTER TABLE access_policy.role_permissions ENABLE TRIGGER USER;
ALTER TABLE access_policy.assignments ENABLE TRIGGER USER;
ALTER TABLE access_policy.resources ENABLE TRIGGER USER;
ALTER TABLE access_policy.resource_grants ENABLE TRIGGER USER;

------------------------------------------------------------------------------
-- Tenant tables.  bench.t: rows rows, org_id uniform over all orgs in random
-- order (no clustering by org), indexed; bench.tb2: its first rows_b2 rows.
-- Both protected with protect_table() and read as bench_app.
------------------------------------------------------------------------------

SELECT setseed(0.42);
CREATE TABLE bench.t (id bigint NOT NULL, org_id bigint NOT NULL, v int);
INSERT INTO bench.t (id, org_id, v)
SELECT i, 1 + floor(random() * (bench.p('chain') + bench.p('orgs_tree')))::bigint, (random() * 1000)::int
  FROM generate_series(1, bench.p('rows')) i;
ALTER TABLE bench.t ADD PRIMARY KEY (id);
CREATE INDEX t_org_idx ON bench.t (org_id);
CREATE TABLE bench.tb2 (id bigint NOT NULL, org_id bigint NOT NULL, v int);
INSERT INTO bench.tb2 SELECT * FROM bench.t WHERE id <= bench.p('rows_b2') ORDER BY id;
ALTER TABLE bench.tb2 ADD PRIMARY KEY (id);
CREATE INDEX tb2_org_idx ON bench.tb2 (org_id);
-- owned by a login that is not a superuser: the no-RLS baseline of T8 runs as the owner
CREATE ROLE bench_owner LOGIN;
GRANT USAGE ON SCHEMA bench TO bench_owner;
ALTER TABLE bench.t OWNER TO bench_owner;
ALTER TABLE bench.tb2 OWNER TO bench_owner;
SELECT access_policy.protect_table('bench.t', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('bench.tb2', 'org_id', 'responses.view', 'responses.write');

------------------------------------------------------------------------------
-- Inputs of the check benchmarks: random ids, materialized so that no
-- random() runs inside a timed statement.
------------------------------------------------------------------------------

CREATE TABLE bench.all_orgs AS SELECT id FROM access_policy.orgs ORDER BY id;
CREATE TABLE bench.all_res AS SELECT id FROM access_policy.resources ORDER BY id;
CREATE TABLE bench.rand_orgs AS
SELECT 1 + floor(random() * (bench.p('chain') + bench.p('orgs_tree')))::bigint AS o
  FROM generate_series(1, bench.p('checks'));
CREATE TABLE bench.rand_res AS
SELECT 1 + floor(random() * bench.p('resources'))::bigint AS r
  FROM generate_series(1, bench.p('checks'));
-- depth: the ten orgs at the bottom of the chain vs ten orgs of depth 1 (the
-- chain root and tree roots), all held by u_deep; each table cycles through
-- its ten ids so that consecutive rows never repeat an org (no call-site
-- shortcut: every check is a cache lookup)
CREATE TABLE bench.deep_orgs AS
SELECT bench.p('chain') - (g % least(10, bench.p('chain'))) AS o
  FROM generate_series(1, bench.p('checks')) g;
CREATE TABLE bench.shallow_orgs AS
WITH ten AS (SELECT ARRAY[1::bigint] || array_agg(r.id ORDER BY r.k) AS ids FROM bench.roots r WHERE r.k < 9)
SELECT ten.ids[1 + g % cardinality(ten.ids)] AS o
  FROM generate_series(1, bench.p('checks')) g, ten;

------------------------------------------------------------------------------
-- Write benchmark inputs: (writer, tree org) pairs, distinct, in a fixed
-- order, and a plain table with the same columns and indexes as assignments.
------------------------------------------------------------------------------

CREATE TABLE bench.wtargets (n bigint PRIMARY KEY, user_id text NOT NULL, org_id bigint NOT NULL, UNIQUE (user_id, org_id));
INSERT INTO bench.wtargets (n, user_id, org_id)
SELECT s.n, 'w' || ((s.n - 1) % bench.p('writers') + 1), t.id
  FROM generate_series(1, bench.p('targets')) s (n)
  JOIN bench.tree_orgs t
	ON t.k = (((s.n - 1) / bench.p('writers')) * 9973 + ((s.n - 1) % bench.p('writers')) * 13) % bench.p('orgs_tree');
CREATE SEQUENCE bench.wseq_a;
CREATE SEQUENCE bench.wseq_r;
CREATE SEQUENCE bench.wseq_i;
CREATE SEQUENCE bench.wseq_d;
CREATE SEQUENCE bench.wseq_mix;
CREATE SEQUENCE bench.wseq_di;
CREATE SEQUENCE bench.wseq_dd;

CREATE TABLE bench.assign_copy (LIKE access_policy.assignments INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS);
ALTER TABLE bench.assign_copy ADD PRIMARY KEY (id);
ALTER TABLE bench.assign_copy ADD UNIQUE (user_id, org_id, role_id);
CREATE INDEX ON bench.assign_copy (org_id);
CREATE INDEX ON bench.assign_copy (role_id);

------------------------------------------------------------------------------
-- Roles: bench_app reads tenant tables (no BYPASSRLS, not the owner) and is
-- mapped to u_most; bench_admin is mapped to u_admin and writes.
------------------------------------------------------------------------------

CREATE ROLE bench_app LOGIN;
CREATE ROLE bench_admin LOGIN;
GRANT USAGE ON SCHEMA bench TO bench_app, bench_admin;
GRANT SELECT ON ALL TABLES IN SCHEMA bench TO bench_app, bench_admin;
GRANT INSERT, DELETE ON bench.assign_copy TO bench_admin;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA bench TO bench_admin;
GRANT EXECUTE ON FUNCTION access_policy.set_user(text, boolean), access_policy.clear_user(boolean) TO bench_app, bench_admin;
GRANT pg_read_all_stats TO bench_app;	-- T9 reads pg_backend_memory_contexts
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA access_policy TO bench_admin;
SELECT access_policy.map_login('bench_app', 'u_most');
SELECT access_policy.map_login('bench_admin', 'u_admin');

VACUUM (ANALYZE) access_policy.users, access_policy.orgs, access_policy.roles, access_policy.role_permissions,
	access_policy.assignments, access_policy.resources, access_policy.resource_grants, access_policy.audit_log;
VACUUM (ANALYZE) bench.t, bench.tb2, bench.all_orgs, bench.all_res, bench.rand_orgs, bench.rand_res,
	bench.deep_orgs, bench.shallow_orgs, bench.wtargets, bench.assign_copy, bench.orgs_meta, bench.tree_orgs;

-- what was built
SELECT 'orgs' AS what, count(*) AS n FROM access_policy.orgs
UNION ALL SELECT 'max depth', max(depth) FROM bench.orgs_meta
UNION ALL SELECT 'users', count(*) FROM access_policy.users
UNION ALL SELECT 'custom roles', count(*) FROM access_policy.roles WHERE org_id IS NOT NULL
UNION ALL SELECT 'assignments', count(*) FROM access_policy.assignments
UNION ALL SELECT 'assignments expired or disabled', count(*) FROM access_policy.assignments WHERE NOT enabled OR expires_at <= now()
UNION ALL SELECT 'resources', count(*) FROM access_policy.resources
UNION ALL SELECT 'resource grants', count(*) FROM access_policy.resource_grants
UNION ALL SELECT 'tenant rows (bench.t)', count(*) FROM bench.t
UNION ALL SELECT 'tenant rows (bench.tb2)', count(*) FROM bench.tb2;
