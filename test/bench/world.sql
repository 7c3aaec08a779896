/* test/bench/world.sql -- the benchmark world: org tree, users, roles, assignments, resources, grants, org keys, tenant tables */

/*
 * Run by test/bench/run as a superuser with no access_policy identity, in a
 * fresh database where access_policy and the reference model (ap_ref) are
 * installed.  Sizes come in as psql variables:
 *   chain        orgs in one chain (org 1 is its root, org k the child of k-1)
 *   orgs_tree    orgs in the tree (ids after the chain)
 *   levels       the tree's level sizes, as shares of orgs_tree separated by
 *                colons: '60:540:1800:3000:2400:1200' (small, full, the
 *                10,000-org reference world) or '9:90:900:9000:90000:900000'
 *                with orgs_tree = 999999 (large: nine complete 10-ary trees)
 *   users        regular users u1..uN
 *   assignments  role assignments in total (30% expired or disabled)
 *   resources    apps and pages spread over the tree (one app per ten resources)
 *   big_pages    pages of the one big app (T6)
 *   grants       resource grants in total
 *   rows         rows of the tenant table bench.t
 *   rows_b2      rows of bench.tb2, the table of the per-row SQL baseline (T2)
 *   writers      fresh users w1..wN that only the write benchmarks (T7) use
 *   targets      (writer, org) pairs for the write benchmarks
 *   checks       rows of the tables of random ids for the check benchmarks (T4, T5, K2)
 * The statements use the variables themselves, constants to the planner (a
 * function reading them from a table would run once per generated row);
 * bench.params keeps them for the DO block and for later readers.
 *
 * Bulk load: the policy tables are filled with INSERT ... SELECT while their
 * user triggers (audit, guards, invalidation) are disabled, and the triggers
 * are enabled again at the end.  The guards' rules are kept by construction
 * (custom roles are assigned only at or below the org defining them, a
 * grant's org_id is its resource's org, a page's parent is in its org).  No
 * backend has a cache yet, so nothing needs the invalidation.  The org keys
 * (uuid) are written afterwards, with every trigger enabled.
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
-- Orgs: a chain 1..chain, then a tree whose level sizes follow the shares
-- in :levels (the rounding rest goes to the largest level).  The i-th org
-- of a level is a child of the (i mod n)-th org of the level above, n its
-- size: the children of a parent are not adjacent, and where every level
-- is ten times the one above, every org above the last level has exactly
-- ten children.  One INSERT ... SELECT per level, parent ids by arithmetic.
-- bench.orgs_meta keeps each org's depth, root and whether it is a leaf.
------------------------------------------------------------------------------

CREATE TABLE bench.orgs_meta (id bigint PRIMARY KEY, depth int NOT NULL, root bigint NOT NULL, leaf boolean NOT NULL DEFAULT false);
CREATE TABLE bench.levels (depth int PRIMARY KEY, share float8 NOT NULL CHECK (share > 0), size bigint);
INSERT INTO bench.levels (depth, share)
SELECT l.depth, l.share::float8 FROM unnest(string_to_array(:'levels', ':')) WITH ORDINALITY AS l (share, depth);

INSERT INTO access_policy.orgs (id, name, parent_id)
SELECT i, 'chain ' || i, NULLIF(i - 1, 0) FROM generate_series(1, :chain) i;
INSERT INTO bench.orgs_meta (id, depth, root) SELECT i, i, 1 FROM generate_series(1, :chain) i;

DO $$
DECLARE
	n bigint := bench.p('orgs_tree');
	total_share float8 := (SELECT sum(share) FROM bench.levels);
	nlevels int := (SELECT count(*) FROM bench.levels);
	largest int := (SELECT depth FROM bench.levels ORDER BY share DESC, depth LIMIT 1);
	start bigint := bench.p('chain') + 1;
	lsize bigint;
	prev_start bigint;
	prev_size bigint;
	lvl int;
BEGIN
	UPDATE bench.levels SET size = greatest(1, round(n * share / total_share));
	UPDATE bench.levels SET size = size + (n - (SELECT sum(l.size) FROM bench.levels l)) WHERE depth = largest;
	FOR lvl IN 1 .. nlevels LOOP
		lsize := (SELECT l.size FROM bench.levels l WHERE l.depth = lvl);
		IF lvl = 1 THEN
			INSERT INTO access_policy.orgs (id, name, parent_id)
			SELECT i, 'org ' || i, NULL FROM generate_series(start, start + lsize - 1) i;
			INSERT INTO bench.orgs_meta (id, depth, root)
			SELECT i, 1, i FROM generate_series(start, start + lsize - 1) i;
		ELSE
			INSERT INTO access_policy.orgs (id, name, parent_id)
			SELECT i, 'org ' || i, prev_start + (i - start) % prev_size
			  FROM generate_series(start, start + lsize - 1) i;
			INSERT INTO bench.orgs_meta (id, depth, root)
			SELECT i, lvl, m.root
			  FROM generate_series(start, start + lsize - 1) i
			  JOIN bench.orgs_meta m ON m.id = prev_start + (i - start) % prev_size;
		END IF;
		prev_start := start;
		prev_size := lsize;
		start := start + lsize;
	END LOOP;
END;
$$;
ANALYZE bench.orgs_meta;
ANALYZE access_policy.orgs;
UPDATE bench.orgs_meta m SET leaf = true WHERE NOT EXISTS (SELECT 1 FROM access_policy.orgs o WHERE o.parent_id = m.id);
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
SELECT 'u' || i, 'u' || i || '@example.com', 'User ' || i FROM generate_series(1, :users) i;
INSERT INTO access_policy.users (id, email, display_name)
SELECT 'w' || i, 'w' || i || '@example.com', 'Writer ' || i FROM generate_series(1, :writers) i;
INSERT INTO access_policy.users (id, email, display_name) VALUES
	('u_all', 'all@example.com', 'Admin of every root'),
	('u_most', 'most@example.com', 'Viewer of most depth-2 orgs and the chain'),
	('u_sel', 'sel@example.com', 'Viewer of a few leaves'),
	('u_deep', 'deep@example.com', 'Viewer at the chain root and at nine tree roots'),
	('u_res', 'res@example.com', 'Designer below one root: the big app through a grant'),
	('u_admin', 'admin@example.com', 'Admin of every root: the acting admin of the write benchmarks'),
	('u_one', 'one@example.com', 'Viewer at one leaf: a typical free-tier user'),
	('u_heavy', 'heavy@example.com', 'Admin of one tree root: the heaviest user who is not support staff');

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
-- Regular users are a free-tier crowd: each holds a role at a pseudo-random
-- tree org, one in four a second one at another, and one in ten (the power
-- users: agencies, consultants) share the rest of the total.  Roles: 10%
-- Admin, 25% Editor, 50% Viewer, 15% a custom role of the org's root; by a
-- hash of the assignment: 20% expired, 10% disabled, 10% expiring in the
-- future, the rest open-ended.
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
 LIMIT greatest(1, (:chain + :orgs_tree) / 200);
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

-- u_heavy: Admin at the first tree root (all of that root's orgs)
INSERT INTO access_policy.assignments (user_id, org_id, role_id)
SELECT 'u_heavy', r.id, 1 FROM bench.roots r WHERE r.k = 0;
-- u_one: Viewer at one leaf of the deepest level below the first tree root
CREATE TABLE bench.anchors (what text PRIMARY KEY, id bigint NOT NULL);	-- orgs the S lines name
INSERT INTO bench.anchors
SELECT 'u_one_org', m.id FROM bench.orgs_meta m JOIN bench.roots r ON r.id = m.root
 WHERE r.k = 0 AND m.leaf ORDER BY m.depth DESC, m.id LIMIT 1;
INSERT INTO access_policy.assignments (user_id, org_id, role_id)
SELECT 'u_one', a.id, 3 FROM bench.anchors a WHERE a.what = 'u_one_org';
-- where S3 writes, away from u_one: below the last tree root (the chain
-- when the tree has one root) a leaf moves between its parent and its
-- grandparent, and new orgs appear below the grandparent
INSERT INTO bench.anchors
SELECT 'unrelated_root', coalesce((SELECT r.id FROM bench.roots r WHERE r.k > 0 ORDER BY r.k DESC LIMIT 1), 1);
INSERT INTO bench.anchors
SELECT 'move_org', max(m.id) FROM bench.orgs_meta m, bench.anchors a
 WHERE a.what = 'unrelated_root' AND m.root = a.id AND m.leaf;
INSERT INTO bench.anchors
SELECT 'move_from', o.parent_id FROM access_policy.orgs o, bench.anchors a WHERE a.what = 'move_org' AND o.id = a.id;
INSERT INTO bench.anchors
SELECT 'move_to', o.parent_id FROM access_policy.orgs o, bench.anchors a WHERE a.what = 'move_from' AND o.id = a.id;

-- regular slots 0..: one per user (u1..uN), then a second one for u2, u6,
-- u10, ..., then the power users u3, u13, u23, ... in turns, a turn adding
-- an org 9973 tree orgs further from the user's first
WITH sz AS (SELECT :users AS nu, greatest(1, :users / 10) AS np, :orgs_tree AS nt)
INSERT INTO access_policy.assignments (user_id, org_id, role_id, enabled, valid_from, expires_at)
SELECT 'u' || s.j,
	   t.id,
	   CASE WHEN s.r < 10 THEN 1 WHEN s.r < 35 THEN 2 WHEN s.r < 85 THEN 3
			ELSE (SELECT c.id FROM access_policy.roles c
				   WHERE c.org_id = m.root AND c.name = CASE WHEN s.r < 93 THEN 'Analyst' ELSE 'Designer' END) END,
	   s.v <> 2,
	   CASE WHEN s.v = 4 THEN now() - interval '100 days' ELSE '-infinity' END,
	   CASE WHEN s.v IN (0, 1) THEN now() - (1 + s.i % 30) * interval '1 day'
			WHEN s.v = 3 THEN now() + (1 + s.i % 90) * interval '1 day'
			ELSE 'infinity' END
  FROM (SELECT x.i, x.j, bench.h(x.i, 2) % 100 AS r, bench.h(x.i, 9) % 10 AS v,
			   (CASE x.turn WHEN 0 THEN bench.h(x.j, 3) WHEN 1 THEN bench.h(x.j, 8)
					ELSE bench.h(x.j, 3) + (x.turn - 1) * 9973 END) % x.nt AS k
		  FROM (SELECT g.i, sz.nt,
					   CASE WHEN g.i < sz.nu THEN g.i + 1
							WHEN g.i < sz.nu + sz.nu / 4 THEN 4 * (g.i - sz.nu) + 2
							ELSE 10 * ((g.i - sz.nu - sz.nu / 4) % sz.np) + 3 END AS j,
					   CASE WHEN g.i < sz.nu THEN 0
							WHEN g.i < sz.nu + sz.nu / 4 THEN 1
							ELSE 2 + (g.i - sz.nu - sz.nu / 4) / sz.np END AS turn
				  FROM sz, generate_series(0, :assignments - (SELECT count(*) FROM access_policy.assignments) - 1) g (i)) x) s
  JOIN bench.tree_orgs t ON t.k = s.k
  JOIN bench.orgs_meta m ON m.id = t.id
ON CONFLICT DO NOTHING;
SELECT setval(pg_get_serial_sequence('access_policy.assignments', 'id'), (SELECT max(id) FROM access_policy.assignments));

-- regular users holding exactly one valid role, numbered 0.. (S5 picks from them)
CREATE TABLE bench.one_org_users (k bigint PRIMARY KEY, id text NOT NULL);
INSERT INTO bench.one_org_users
SELECT row_number() OVER (ORDER BY s.user_id) - 1, s.user_id
  FROM (SELECT a.user_id FROM access_policy.assignments a
		 WHERE a.user_id ~ '^u[0-9]+$' AND a.enabled AND a.valid_from <= now() AND a.expires_at > now()
		 GROUP BY a.user_id HAVING count(*) = 1) s;

------------------------------------------------------------------------------
-- Resources: apps (one in ten) in pseudo-random tree orgs, pages below
-- them; then the big app with big_pages pages in its own org.
------------------------------------------------------------------------------

INSERT INTO access_policy.resources (id, org_id, parent_id, kind, name)
SELECT a, t.id, NULL, 'app', 'app ' || a
  FROM generate_series(1, greatest(1, :resources / 10)) a
  JOIN bench.tree_orgs t ON t.k = bench.h(a, 4) % :orgs_tree;
INSERT INTO access_policy.resources (id, org_id, parent_id, kind, name)
SELECT p, app.org_id, app.id, 'page', 'page ' || p
  FROM generate_series(greatest(1, :resources / 10) + 1, :resources) p
  JOIN access_policy.resources app ON app.id = 1 + p % greatest(1, :resources / 10);
INSERT INTO bench.big SELECT 'app', :resources + 1;
INSERT INTO access_policy.resources (id, org_id, parent_id, kind, name)
SELECT :resources + 1, b.id, NULL, 'app', 'the big app' FROM bench.big b WHERE b.what = 'app_org';
INSERT INTO access_policy.resources (id, org_id, parent_id, kind, name)
SELECT :resources + 1 + i, b.id, :resources + 1, 'page', 'big page ' || i
  FROM generate_series(1, :big_pages) i, bench.big b WHERE b.what = 'app_org';
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
SELECT :resources + 2 + bench.h(g, 5) % greatest(1, :big_pages),
	   b.id, 3, t.id,
	   CASE WHEN g % 5 = 0 THEN now() - interval '1 day' ELSE 'infinity' END
  FROM generate_series(1, :grants / 40) g
  JOIN bench.tree_orgs t ON t.k = bench.h(g, 6) % :orgs_tree
 CROSS JOIN bench.big b
 WHERE b.what = 'app_org'
ON CONFLICT DO NOTHING;

INSERT INTO access_policy.resource_grants (resource_id, org_id, role_id, authorized_org_id, expires_at)
SELECT res.id, res.org_id, CASE WHEN (s.g / :resources) % 2 = 0 THEN 3 ELSE 2 END, t.id,
	   CASE WHEN s.g % 5 = 0 THEN now() - interval '1 day' ELSE 'infinity' END
  FROM (SELECT g FROM generate_series(0, :grants * 2) g) s
  JOIN access_policy.resources res ON res.id = 1 + s.g % :resources
  JOIN bench.tree_orgs t ON t.k = bench.h(s.g, 7) % :orgs_tree
 WHERE s.g < :grants * 2
 ORDER BY s.g
 LIMIT :grants - (SELECT count(*) FROM access_policy.resource_grants)
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
-- Tenant keys (issue 15): orgs carry the application's uuid keys.  Every org
-- gets a key derived from its id, md5(id)::uuid, in one UPDATE through the
-- API's triggers (none disabled: key_guard checks and canonicalizes each key,
-- invalidate_move signals the org); bench.org_keys_match proves that each
-- stored key is that derivation, which the uuid tables below rely on.
------------------------------------------------------------------------------

SELECT access_policy.set_key_type('org', 'uuid');
UPDATE access_policy.orgs SET key = md5(id::text)::uuid::text;
CREATE TABLE bench.org_keys_match AS
SELECT count(*) FILTER (WHERE key IS NOT DISTINCT FROM md5(id::text)::uuid::text) AS ok, count(*) AS n
  FROM access_policy.orgs;

------------------------------------------------------------------------------
-- Tenant tables.  bench.t: rows rows, org_id uniform over all orgs in random
-- order (no clustering by org), indexed; bench.tb2: its first rows_b2 rows.
-- bench.tu: bench.t keyed by uuid, the same rows in the same order, org_id
-- the key of the row's org (uuid, indexed).  All protected with
-- protect_table() (bench.tu by key: the policies call can_key()) and read as
-- bench_app.
------------------------------------------------------------------------------

SELECT setseed(0.42);
CREATE TABLE bench.t (id bigint NOT NULL, org_id bigint NOT NULL, v int);
INSERT INTO bench.t (id, org_id, v)
SELECT i, 1 + floor(random() * (:chain + :orgs_tree))::bigint, (random() * 1000)::int
  FROM generate_series(1, :rows) i;
ALTER TABLE bench.t ADD PRIMARY KEY (id);
CREATE INDEX t_org_idx ON bench.t (org_id);
CREATE TABLE bench.tb2 (id bigint NOT NULL, org_id bigint NOT NULL, v int);
INSERT INTO bench.tb2 SELECT * FROM bench.t WHERE id <= :rows_b2 ORDER BY id;
ALTER TABLE bench.tb2 ADD PRIMARY KEY (id);
CREATE INDEX tb2_org_idx ON bench.tb2 (org_id);
-- one sequential scan of bench.t (INSERT does not run in parallel): the rows in id order
CREATE TABLE bench.tu (id bigint NOT NULL, org_id uuid NOT NULL, v int);
INSERT INTO bench.tu (id, org_id, v) SELECT id, md5(org_id::text)::uuid, v FROM bench.t;
ALTER TABLE bench.tu ADD PRIMARY KEY (id);
CREATE INDEX tu_org_idx ON bench.tu (org_id);
-- owned by a login that is not a superuser: the no-RLS baseline of T8 runs as the owner
-- (roles belong to the cluster: a second world in another database of the
-- same cluster, the 10,000-org reference of S1, finds them made)
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'bench_owner') THEN
		CREATE ROLE bench_owner LOGIN;
	END IF;
END;
$$;
GRANT USAGE ON SCHEMA bench TO bench_owner;
ALTER TABLE bench.t OWNER TO bench_owner;
ALTER TABLE bench.tb2 OWNER TO bench_owner;
ALTER TABLE bench.tu OWNER TO bench_owner;
SELECT access_policy.protect_table('bench.t', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('bench.tb2', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('bench.tu', 'org_id', 'responses.view', 'responses.write');

------------------------------------------------------------------------------
-- Inputs of the check benchmarks: random ids, materialized so that no
-- random() runs inside a timed statement.
------------------------------------------------------------------------------

CREATE TABLE bench.all_orgs AS SELECT id FROM access_policy.orgs ORDER BY id;
CREATE TABLE bench.all_res AS SELECT id FROM access_policy.resources ORDER BY id;
CREATE TABLE bench.rand_orgs AS
SELECT 1 + floor(random() * (:chain + :orgs_tree))::bigint AS o
  FROM generate_series(1, :checks);
-- the keys of the same random orgs, in the same order (no parallel scan): K2
SET max_parallel_workers_per_gather = 0;
CREATE TABLE bench.rand_org_keys AS SELECT md5(o::text)::uuid AS k FROM bench.rand_orgs;
SET max_parallel_workers_per_gather = 2;
CREATE TABLE bench.rand_res AS
SELECT 1 + floor(random() * :resources)::bigint AS r
  FROM generate_series(1, :checks);
-- depth: the ten orgs at the bottom of the chain vs ten orgs of depth 1 (the
-- chain root and tree roots), all held by u_deep; each table cycles through
-- its ten ids so that consecutive rows never repeat an org (no call-site
-- shortcut: every check is a cache lookup)
CREATE TABLE bench.deep_orgs AS
SELECT :chain - (g % least(10, :chain)) AS o
  FROM generate_series(1, :checks) g;
CREATE TABLE bench.shallow_orgs AS
WITH ten AS (SELECT ARRAY[1::bigint] || array_agg(r.id ORDER BY r.k) AS ids FROM bench.roots r WHERE r.k < 9)
SELECT ten.ids[1 + g % cardinality(ten.ids)] AS o
  FROM generate_series(1, :checks) g, ten;

------------------------------------------------------------------------------
-- Write benchmark inputs: (writer, tree org) pairs, distinct, in a fixed
-- order, and a plain table with the same columns and indexes as assignments.
------------------------------------------------------------------------------

CREATE TABLE bench.wtargets (n bigint PRIMARY KEY, user_id text NOT NULL, org_id bigint NOT NULL, UNIQUE (user_id, org_id));
INSERT INTO bench.wtargets (n, user_id, org_id)
SELECT s.n, 'w' || ((s.n - 1) % :writers + 1), t.id
  FROM generate_series(1, :targets) s (n)
  JOIN bench.tree_orgs t
	ON t.k = (((s.n - 1) / :writers) * 9973 + ((s.n - 1) % :writers) * 13) % :orgs_tree;
CREATE SEQUENCE bench.wseq_a;
CREATE SEQUENCE bench.wseq_r;
CREATE SEQUENCE bench.wseq_i;
CREATE SEQUENCE bench.wseq_d;
CREATE SEQUENCE bench.wseq_mix;
CREATE SEQUENCE bench.wseq_di;
CREATE SEQUENCE bench.wseq_dd;
CREATE SEQUENCE bench.signup_seq;	-- S5: fresh users signup1, signup2, ...

CREATE TABLE bench.assign_copy (LIKE access_policy.assignments INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS);
ALTER TABLE bench.assign_copy ADD PRIMARY KEY (id);
ALTER TABLE bench.assign_copy ADD UNIQUE (user_id, org_id, role_id);
CREATE INDEX ON bench.assign_copy (org_id);
CREATE INDEX ON bench.assign_copy (role_id);

------------------------------------------------------------------------------
-- Roles: bench_app reads tenant tables (no BYPASSRLS, not the owner) and is
-- mapped to u_most; bench_admin is mapped to u_admin and writes.
------------------------------------------------------------------------------

DO $$	-- once per cluster, as bench_owner
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'bench_app') THEN
		CREATE ROLE bench_app LOGIN;
		CREATE ROLE bench_admin LOGIN;
		GRANT pg_read_all_stats TO bench_app;	-- T9 and S2 read pg_backend_memory_contexts
	END IF;
END;
$$;
GRANT USAGE ON SCHEMA bench TO bench_app, bench_admin;
GRANT SELECT ON ALL TABLES IN SCHEMA bench TO bench_app, bench_admin;
GRANT INSERT, DELETE ON bench.assign_copy TO bench_admin;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA bench TO bench_admin;
GRANT EXECUTE ON FUNCTION access_policy.set_user(text, boolean), access_policy.clear_user(boolean) TO bench_app, bench_admin;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA access_policy TO bench_admin;
SELECT access_policy.map_login('bench_app', 'u_most');
SELECT access_policy.map_login('bench_admin', 'u_admin');

VACUUM (ANALYZE) access_policy.users, access_policy.orgs, access_policy.roles, access_policy.role_permissions,
	access_policy.assignments, access_policy.resources, access_policy.resource_grants, access_policy.audit_log;
VACUUM (ANALYZE) bench.t, bench.tb2, bench.tu, bench.all_orgs, bench.all_res, bench.rand_orgs, bench.rand_org_keys, bench.rand_res,
	bench.deep_orgs, bench.shallow_orgs, bench.wtargets, bench.assign_copy, bench.orgs_meta, bench.tree_orgs,
	bench.one_org_users, bench.anchors;

-- what was built
SELECT 'orgs' AS what, count(*) AS n FROM access_policy.orgs
UNION ALL SELECT 'max depth', max(depth) FROM bench.orgs_meta
UNION ALL SELECT 'tree roots', count(*) FROM bench.roots
UNION ALL SELECT 'orgs below the first tree root (u_heavy)', count(*) FROM bench.orgs_meta m JOIN bench.roots r ON r.id = m.root WHERE r.k = 0
UNION ALL SELECT 'users', count(*) FROM access_policy.users
UNION ALL SELECT 'regular users with roles in one or two orgs', count(*)
		FROM (SELECT user_id FROM access_policy.assignments WHERE user_id ~ '^u[0-9]+$' GROUP BY user_id HAVING count(DISTINCT org_id) <= 2) s
UNION ALL SELECT 'regular users with exactly one valid role (bench.one_org_users)', count(*) FROM bench.one_org_users
UNION ALL SELECT 'custom roles', count(*) FROM access_policy.roles WHERE org_id IS NOT NULL
UNION ALL SELECT 'assignments', count(*) FROM access_policy.assignments
UNION ALL SELECT 'assignments expired or disabled', count(*) FROM access_policy.assignments WHERE NOT enabled OR expires_at <= now()
UNION ALL SELECT 'resources', count(*) FROM access_policy.resources
UNION ALL SELECT 'resource grants', count(*) FROM access_policy.resource_grants
UNION ALL SELECT 'tenant rows (bench.t)', count(*) FROM bench.t
UNION ALL SELECT 'tenant rows (bench.tb2)', count(*) FROM bench.tb2
UNION ALL SELECT 'orgs with a uuid key', count(*) FROM access_policy.orgs WHERE key IS NOT NULL
UNION ALL SELECT 'tenant rows (bench.tu, by uuid key)', count(*) FROM bench.tu;
