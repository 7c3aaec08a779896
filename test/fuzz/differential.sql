/* test/fuzz/differential.sql -- randomized differential test: the C checks against the SQL reference */

/*
 * Builds random worlds (org forests with deep chains, custom roles, users,
 * assignments valid, expired, future, disabled and about to change, resource
 * trees with kinds and actions, resource grants to several orgs) and compares
 * every check of the C engine, evaluated as the user after
 * access_policy.set_user(), with the reference model ap_ref
 * (test/reference/reference.sql) evaluated in the same statement, hence at
 * the same statement_timestamp().
 *
 * Each world goes through these phases (the number is printed with a mismatch):
 *   1      the world as built, one autocommit statement per identity;
 *   2      after random changes committed by another session (dblink; made
 *          here if dblink is missing): the cache must see them;
 *   3      inside a transaction (READ COMMITTED or REPEATABLE READ, per world)
 *          after uncommitted changes of its own (set_user local to it);
 *   4      after a rolled back transaction whose changes the engine had seen;
 *   5      after ROLLBACK TO SAVEPOINT of changes the engine had seen;
 *   11-16  u1 stays the identity (no set_user in between, so nothing is
 *          reloaded for a new user) while changes touching what u1 holds are
 *          made here and by another session in turn;
 *   17-18  the checks of the phase before asked again after only keys
 *          changed (set anew, removed, handed over to another org), by
 *          another session (17), then here (18): a key u1's backend looked
 *          up must not keep naming its former org;
 *   71-73  while concurrent writers (other sessions, see ap_fuzz.writer)
 *          keep granting, revoking, expiring, creating, moving and deleting
 *          orgs, changing support access and team membership, each
 *          identity's checks are compared at a barrier where no writer
 *          transaction is in flight (run with -v concurrent=true, as
 *          run_differential.sh does with writers);
 *   6      one statement (PL/pgSQL) that moves validity boundaries (also of
 *          support settings and overrides) to exactly statement_timestamp(),
 *          then evaluates each check for every identity in turn (identity
 *          switches between calls of one call site), with unregistered
 *          permission and action names (the error must match).
 * Support access and team management are part of every world: some users
 * are support staff, orgs have support levels of their own (expired, ending
 * within seconds, permanent) and vendor overrides, the default level is
 * read or none per world, permissions are support_read or support_never;
 * the changes include set_support_access (with cascade), revocations,
 * overrides, staff flags, and team management through the extension's
 * functions: invitations accepted by the invitee (and revoked ones that must
 * not be accepted), change_role, set_member_enabled (disabled members),
 * remove_member.
 * Validity boundaries also fall a few seconds after the world is built, so
 * that some pass while it is being checked.
 * Keys (0.5.0): every world draws a key type for orgs and one for resources
 * (uuid, text, integer, bigint, or none: set_key_type() left unset), and
 * the type the checks pass typed keys as (integer keys also as bigint).
 * Most orgs and resources get a key derived from their id (key_of); the
 * changes set, change and remove keys (set_org_key, set_resource_key,
 * create_org with a key, direct writes in another spelling), the concurrent
 * writers too.  Every check by id whose kinds have keys in the world has a
 * twin by key in the same row (can_key, can_resource_key, can_action_key,
 * can_row_key, org_keys_with, resource_keys_with, resource_keys_allowing),
 * aimed at the same org and resource: mostly their key, as the typed value
 * or as text in another spelling (upper-case uuid, zero-padded integer),
 * else a key no org or resource has (a former key, a key of an id that does
 * not exist, the type's extremes; they answer false) or NULL.  The reference
 * of a twin looks the key up in the tables (ref_key_check), in the same
 * statement as the check by id: when the key names the ids of the check by
 * id, their reference answer is the twin's (mapped to keys for the lists;
 * lists of keys are compared sorted, since their order is not promised).
 * Phase 6 adds errors by key: keys of the wrong type (42804), text that is
 * no value of the type (22P02, 22003), kinds without a key type (55000),
 * unknown names (42704, as by id even for an unknown key or no user).
 * Identities: u1..uN, a canary holding nothing, "ghost" (no such user) and no
 * user at all (clear_user; ap_ref gets NULL).  The canary, the ghost and no
 * user must be refused everything whatever the reference says.
 *
 * Run it with test/fuzz/run_differential.sh, which installs the extension,
 * loads the reference and prints the verdict.  By hand, as a superuser, in a
 * throwaway database (IT EMPTIES THE access_policy TABLES):
 *     psql -X -v seed=0.42 -v worlds=24 -v scale=1 -f test/fuzz/differential.sql
 * psql variables: seed (setseed(), -1..1), worlds, scale (multiplies the
 * number of checks), concurrent (true: phases 71-73, with writers started
 * beside it).  Without writers the same seed builds the same worlds and
 * checks (times are relative to the run); the writers' changes are not
 * reproducible.
 */

\set ON_ERROR_STOP on
\set VERBOSITY terse
\if :{?seed}
\else
\set seed 0.5
\endif
\if :{?worlds}
\else
\set worlds 24
\endif
\if :{?scale}
\else
\set scale 1
\endif
\if :{?concurrent}
\else
\set concurrent false
\endif

SET client_min_messages = warning;
SET search_path = pg_catalog, public;
SET TIME ZONE 'UTC';

-- the barrier of phase 7 (see barrier_open): concurrent writers wait for it
-- from the start; this session lets them in only between comparisons there
SELECT pg_advisory_lock(6206202602) \g /dev/null

-- The built-in roles are restored in every world: keep the pristine copy of
-- an earlier run, if any, since that run may have stopped mid-world.
CREATE TEMP TABLE keep_roles AS SELECT * FROM access_policy.roles WHERE org_id IS NULL;
CREATE TEMP TABLE keep_role_permissions AS
SELECT rp.* FROM access_policy.role_permissions rp
  JOIN access_policy.roles r ON r.id = rp.role_id
 WHERE r.org_id IS NULL;
SELECT to_regclass('ap_fuzz.builtin_roles') IS NOT NULL AS have_old_copy \gset
\if :have_old_copy
TRUNCATE keep_roles, keep_role_permissions;
INSERT INTO keep_roles SELECT * FROM ap_fuzz.builtin_roles;
INSERT INTO keep_role_permissions SELECT * FROM ap_fuzz.builtin_role_permissions;
\endif

DROP SCHEMA IF EXISTS ap_fuzz CASCADE;
CREATE SCHEMA ap_fuzz;

CREATE TABLE ap_fuzz.builtin_roles AS SELECT * FROM keep_roles;
CREATE TABLE ap_fuzz.builtin_role_permissions AS SELECT * FROM keep_role_permissions;

-- dblink, if available, lets another session change the world
SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'dblink') AS have_dblink \gset
\if :have_dblink
CREATE EXTENSION IF NOT EXISTS dblink SCHEMA ap_fuzz;
\endif

-- ids start afresh in every run (they grow from world to world, so that the
-- ids of earlier worlds are unknown ids in later ones)
SELECT setval(pg_get_serial_sequence('access_policy.' || t, 'id'), 1, false)
  FROM unnest(ARRAY['orgs', 'assignments', 'resources', 'resource_grants']) t \g /dev/null
SELECT setval(pg_get_serial_sequence('access_policy.roles', 'id'), 1000, false) \g /dev/null

-- what the script will do, fixed up front from the seed
CREATE TABLE ap_fuzz.plan (
	world		int PRIMARY KEY,
	n_users		int NOT NULL,
	iso			text NOT NULL,
	support_default text NOT NULL,		-- access_policy.support_default_level in this world
	org_key_type text,					-- set_key_type('org', ...) in this world; NULL: none
	res_key_type text,					-- set_key_type('resource', ...); NULL: none
	org_arg_type text,					-- the type the checks pass typed org keys as
	res_arg_type text					-- ... and resource keys
);

CREATE TABLE ap_fuzz.worlds (
	world		int PRIMARY KEY,
	started		timestamptz NOT NULL,
	finished	timestamptz,
	info		text,
	n_checks	int,
	n_positive	int,
	n_mismatch	int,
	n_canary	int,
	remote		boolean,			-- changes made by another session
	n_concurrent int,					-- changes committed by the concurrent writers
	n_by_key	int					-- of n_checks, the checks by key
);

-- one row per change the concurrent writers committed (phase 7)
CREATE TABLE ap_fuzz.concurrent_log (
	at			timestamptz NOT NULL DEFAULT clock_timestamp(),
	pid			int NOT NULL DEFAULT pg_backend_pid(),
	what		text
);
-- stop: the writers leave their loop (also when the checker's session is gone)
CREATE TABLE ap_fuzz.control (stop boolean NOT NULL, checker int NOT NULL);
INSERT INTO ap_fuzz.control VALUES (false, pg_backend_pid());

CREATE TABLE ap_fuzz.checks (
	world		int NOT NULL,
	phase		int NOT NULL,
	id			int NOT NULL,
	who			text,				-- NULL: no user at all
	fn			text NOT NULL,
	org			bigint,
	res			bigint,
	name		text,				-- permission or action
	-- the twin by key (see key_arg): the key arguments as text and the types
	-- they are passed as ('text': as text, to be parsed); for orgs_with,
	-- oktype is the type of org_keys_with's key_type argument
	twin		boolean NOT NULL DEFAULT false,
	okey		text,
	oktype		text,
	rkey		text,
	rktype		text,
	PRIMARY KEY (world, phase, id)
);
CREATE INDEX ON ap_fuzz.checks (world, phase, who);

CREATE TABLE ap_fuzz.results (
	world		int NOT NULL,
	phase		int NOT NULL,
	id			int NOT NULL,
	engine		text,
	reference	text,
	engine_key	text,				-- the twin by key (NULL if none)
	reference_key text,
	at			timestamptz NOT NULL,
	PRIMARY KEY (world, phase, id)
);

-- ancestors-or-self of every org and resource of the current world (harness
-- bookkeeping to aim the checks, not part of the oracle)
CREATE TABLE ap_fuzz.org_closure (org bigint, anc bigint, PRIMARY KEY (org, anc));
CREATE INDEX ON ap_fuzz.org_closure (anc);
CREATE TABLE ap_fuzz.res_closure (res bigint, anc bigint, PRIMARY KEY (res, anc));
CREATE INDEX ON ap_fuzz.res_closure (anc);

------------------------------------------------------------------------------
-- Random helpers
------------------------------------------------------------------------------

-- pick: a random element (NULL for an empty array)
CREATE FUNCTION ap_fuzz.pick(a anyarray) RETURNS anyelement
LANGUAGE sql VOLATILE
AS $$ SELECT a[1 + floor(random() * cardinality(a))::int] $$;

-- sample: n random elements of a, without repetition.  Every draw in this file
-- goes through pick() or sample() over an array sorted by a key, never through
-- a random sort of table rows, so that it does not depend on the physical
-- order of rows (vacuum) and a seed always gives the same worlds.
CREATE FUNCTION ap_fuzz.sample(a anyarray, n int) RETURNS anyarray
LANGUAGE sql VOLATILE
AS $$
	SELECT ARRAY(SELECT s.x
				   FROM (SELECT u.x, random() AS r FROM unnest(a) WITH ORDINALITY AS u (x, i) ORDER BY u.i) s
				  ORDER BY s.r
				  LIMIT n)
$$;

-- rint: a random integer in lo..hi
CREATE FUNCTION ap_fuzz.rint(lo int, hi int) RETURNS int
LANGUAGE sql VOLATILE
AS $$ SELECT lo + floor(random() * (hi - lo + 1))::int $$;

-- validity: a random validity of an assignment (or of a grant: no disabling).
-- "soon" boundaries fall within the next seconds, while the world is checked.
CREATE FUNCTION ap_fuzz.validity(allow_disabled boolean,
								 OUT enabled boolean, OUT valid_from timestamptz, OUT expires_at timestamptz)
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	r double precision := random();
	t timestamptz := clock_timestamp();
BEGIN
	enabled := true;
	valid_from := '-infinity';
	expires_at := 'infinity';
	IF r < 0.50 THEN
		NULL;											-- open-ended
	ELSIF r < 0.60 THEN									-- expired
		valid_from := CASE WHEN random() < 0.5 THEN '-infinity' ELSE t - interval '30 days' END;
		expires_at := t - random() * interval '10 days' - interval '1 second';
	ELSIF r < 0.68 THEN									-- not yet valid
		valid_from := t + interval '1 hour' + random() * interval '10 days';
	ELSIF r < 0.78 THEN									-- ends within the next seconds
		expires_at := t + random() * interval '12 seconds';
	ELSIF r < 0.86 THEN									-- starts within the next seconds
		valid_from := t + random() * interval '12 seconds';
	ELSIF r < 0.93 THEN									-- a window around now
		valid_from := t - random() * interval '2 days';
		expires_at := t + random() * interval '2 days' + interval '1 minute';
	ELSE												-- a window that started and ended
		valid_from := t - interval '20 days';
		expires_at := t - interval '10 days';
	END IF;
	IF allow_disabled AND random() < 0.10 THEN
		enabled := false;
	END IF;
END;
$$;

------------------------------------------------------------------------------
-- Keys
------------------------------------------------------------------------------

-- key_type: the configured key type of kind ('uuid', 'text', 'integer',
-- 'bigint'), NULL if none
CREATE FUNCTION ap_fuzz.key_type(kind text) RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT t.type::text FROM access_policy.key_types t WHERE t.kind = key_type.kind $$;

-- key_of: key number v (0..15) of the org or resource id as the canonical
-- text of kind's configured type (NULL if none, or for an id outside
-- 0..10^8).  One-to-one in (id, v): no two ids share a key, and an id's keys
-- differ from one another.  An org and a resource with the same id get the
-- same key, so a key looked up in the wrong table names something.  Text
-- keys come in four shapes, some longer than the 16 bytes a call site keeps
-- inline, some with a space and a non-ASCII letter.
CREATE FUNCTION ap_fuzz.key_of(kind text, id bigint, v int) RETURNS text
LANGUAGE sql STABLE
AS $$
	SELECT CASE WHEN id NOT BETWEEN 0 AND 100000000 THEN NULL
				ELSE CASE ap_fuzz.key_type(kind)
					WHEN 'uuid' THEN md5(format('fz:%s:%s', id, v % 16))::uuid::text
					WHEN 'text' THEN CASE id % 4 WHEN 0 THEN format('Tenant %s/%s ü', id, v % 16)
												 WHEN 1 THEN format('t%s.%s', id, v % 16)
												 WHEN 2 THEN format('tenant-%s-%s-%s', id, v % 16, md5(id::text))
												 ELSE format('T%s.%s', id, v % 16) END
					WHEN 'integer' THEN ((id * 16 + v % 16) * CASE WHEN id % 4 = 3 THEN -1 ELSE 1 END)::text
					WHEN 'bigint' THEN ((id * 16 + v % 16) * 1000000007 * CASE WHEN id % 4 = 3 THEN -1 ELSE 1 END)::text
				END END
$$;

-- spell: the canonical key k of type t spelled another way as text (the
-- same key): a uuid in upper case, in braces, without hyphens; an integer
-- with blanks around it, zero-padded, with a plus sign; text as it is
CREATE FUNCTION ap_fuzz.spell(k text, t text, sel int) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
	SELECT CASE WHEN t = 'uuid' THEN
					(ARRAY[upper(k), '{' || k || '}', replace(k, '-', ''), upper(replace(k, '-', ''))])[1 + sel % 4]
				WHEN t IN ('integer', 'bigint') THEN
					(ARRAY[' ' || k || ' ', regexp_replace(k, '^(-?)', '\100'),
						   CASE WHEN k LIKE '-%' THEN k || '  ' ELSE '+' || k END,
						   regexp_replace(k, '^(-?)', ' \10')])[1 + sel % 4]
				ELSE k END
$$;

-- unknown_keys: values of arg_type that are no key of kind's type: the
-- type's extremes and values key_of never makes (with bigint arguments to
-- integer keys, also values out of the range of integer)
CREATE FUNCTION ap_fuzz.unknown_keys(kind text, arg_type text) RETURNS text[]
LANGUAGE sql STABLE
AS $$
	SELECT CASE ap_fuzz.key_type(kind)
		WHEN 'uuid' THEN ARRAY['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
							   md5('no such key')::uuid::text]
		WHEN 'text' THEN ARRAY['', 'x', 't1', 'T', repeat('fz', 200), 'Tenant 4/0 u']
		WHEN 'integer' THEN ARRAY['0', '1', '2147483647', '-2147483648']
			|| CASE WHEN arg_type = 'bigint' THEN ARRAY['2147483648', '-9223372036854775808', '9223372036854775807']
					ELSE '{}'::text[] END
		WHEN 'bigint' THEN ARRAY['0', '1', '2147483647', '9223372036854775807', '-9223372036854775808']
	END
$$;

-- key_arg: the key argument of the twin by key of a check aimed at id (an
-- org or a resource) and the type it is passed as: mostly the id's key,
-- typed or as text in another spelling; else another key of the same id (a
-- former key), a key of an id that does not exist, an extreme of the type
-- (all unknown: false) or, rarely, NULL; NULL for a NULL id
CREATE FUNCTION ap_fuzz.key_arg(kind text, x_id bigint, arg_type text, OUT k text, OUT kt text)
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	t text := ap_fuzz.key_type(kind);
	cur text;
	r double precision := random();
BEGIN
	kt := arg_type;
	IF x_id IS NULL THEN
		RETURN;
	END IF;
	IF kind = 'org' THEN
		cur := (SELECT o.key FROM access_policy.orgs o WHERE o.id = x_id);
	ELSE
		cur := (SELECT x.key FROM access_policy.resources x WHERE x.id = x_id);
	END IF;
	IF cur IS NOT NULL AND r < 0.70 THEN
		k := cur;
	ELSIF cur IS NOT NULL AND r < 0.85 THEN
		k := ap_fuzz.spell(cur, t, ap_fuzz.rint(0, 3));
		kt := 'text';
	ELSIF r < 0.95 THEN
		k := ap_fuzz.pick(ARRAY(SELECT ap_fuzz.key_of(kind, x_id, v) FROM generate_series(0, 15) v
								 WHERE ap_fuzz.key_of(kind, x_id, v) IS DISTINCT FROM cur ORDER BY v));
		IF k IS NULL THEN
			k := ap_fuzz.pick(ap_fuzz.unknown_keys(kind, arg_type));
		ELSIF random() < 0.3 THEN
			kt := 'text';
		END IF;
	ELSIF r < 0.98 THEN
		k := ap_fuzz.pick(ap_fuzz.unknown_keys(kind, arg_type));
	END IF;
END;
$$;

-- set_keys: keys for most orgs and resources of a new world (key_of(id,
-- 0)), a third of them written in another spelling: the key_guard trigger
-- must store every one canonical
CREATE FUNCTION ap_fuzz.set_keys() RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	ot text := ap_fuzz.key_type('org');
	rt text := ap_fuzz.key_type('resource');
	ids bigint[];
BEGIN
	IF ot IS NOT NULL THEN
		ids := ARRAY(SELECT o.id FROM access_policy.orgs o ORDER BY o.id);
		UPDATE access_policy.orgs o
		   SET key = CASE WHEN o.id % 3 = 0 THEN ap_fuzz.spell(ap_fuzz.key_of('org', o.id, 0), ot, (o.id / 3)::int)
						  ELSE ap_fuzz.key_of('org', o.id, 0) END
		 WHERE o.id = ANY (ap_fuzz.sample(ids, ceil(cardinality(ids) * (0.75 + random() * 0.2))::int));
		IF EXISTS (SELECT 1 FROM access_policy.orgs o WHERE o.key <> ap_fuzz.key_of('org', o.id, 0)) THEN
			RAISE EXCEPTION 'an org key was not stored in canonical form: %',
				(SELECT o.key FROM access_policy.orgs o WHERE o.key <> ap_fuzz.key_of('org', o.id, 0) LIMIT 1);
		END IF;
	END IF;
	IF rt IS NOT NULL THEN
		ids := ARRAY(SELECT x.id FROM access_policy.resources x ORDER BY x.id);
		UPDATE access_policy.resources x
		   SET key = CASE WHEN x.id % 3 = 0 THEN ap_fuzz.spell(ap_fuzz.key_of('resource', x.id, 0), rt, (x.id / 3)::int)
						  ELSE ap_fuzz.key_of('resource', x.id, 0) END
		 WHERE x.id = ANY (ap_fuzz.sample(ids, ceil(cardinality(ids) * (0.75 + random() * 0.2))::int));
		IF EXISTS (SELECT 1 FROM access_policy.resources x WHERE x.key <> ap_fuzz.key_of('resource', x.id, 0)) THEN
			RAISE EXCEPTION 'a resource key was not stored in canonical form';
		END IF;
	END IF;
END;
$$;

-- key_step: one change of a key: an org's or a resource's key (x_org's,
-- x_res's, else a random one) set, changed or removed through
-- set_org_key() and set_resource_key() (as the system), or written
-- directly in another spelling.  Returns what it did; refusals are caught
-- and reported.
CREATE FUNCTION ap_fuzz.key_step(x_org bigint DEFAULT NULL, x_res bigint DEFAULT NULL) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
	kind text := CASE WHEN x_org IS NOT NULL THEN 'org'
					  WHEN x_res IS NOT NULL THEN 'resource'
					  WHEN random() < 0.65 THEN 'org' ELSE 'resource' END;
	t text := ap_fuzz.key_type(kind);
	r double precision := random();
	x_id bigint;
	x_key text;
BEGIN
	IF t IS NULL THEN
		RETURN 'key: no ' || kind || ' key type';
	END IF;
	IF x_org IS NOT NULL OR x_res IS NOT NULL THEN
		x_id := COALESCE(x_org, x_res);
	ELSIF kind = 'org' THEN
		x_id := ap_fuzz.pick(ARRAY(SELECT o.id FROM access_policy.orgs o ORDER BY o.id));
	ELSE
		x_id := ap_fuzz.pick(ARRAY(SELECT x.id FROM access_policy.resources x ORDER BY x.id));
	END IF;
	IF x_id IS NULL THEN
		RETURN 'key: no ' || kind;
	END IF;
	x_key := CASE WHEN r >= 0.25 THEN ap_fuzz.key_of(kind, x_id, ap_fuzz.rint(0, 15)) END;
	BEGIN
		IF r < 0.80 THEN
			IF random() < 0.3 THEN
				x_key := ap_fuzz.spell(x_key, t, ap_fuzz.rint(0, 3));
			END IF;
			PERFORM ap_fuzz.as_system();
			IF kind = 'org' THEN
				PERFORM access_policy.set_org_key(x_id, x_key);
			ELSE
				PERFORM access_policy.set_resource_key(x_id, x_key);
			END IF;
			RETURN format('key: %s key %s', kind, CASE WHEN x_key IS NULL THEN 'removed' ELSE 'set' END);
		END IF;
		x_key := ap_fuzz.spell(x_key, t, ap_fuzz.rint(0, 3));
		IF kind = 'org' THEN
			UPDATE access_policy.orgs SET key = x_key WHERE id = x_id;
		ELSE
			UPDATE access_policy.resources SET key = x_key WHERE id = x_id;
		END IF;
		RETURN format('key: %s key written', kind);
	EXCEPTION WHEN OTHERS THEN
		RETURN 'key: refused: ' || SQLSTATE;
	END;
END;
$$;

-- key_changes: phases 17 and 18: the keys of some orgs and resources that
-- the checks of phase ph name are set anew, removed, or handed over to
-- another org (as the system, which may give out a retired key), and
-- nothing else changes, so that no other invalidation can hide a key the
-- engine should have forgotten
CREATE FUNCTION ap_fuzz.key_changes(w int, ph int) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	x bigint;
	y bigint;
	k text;
BEGIN
	FOREACH x IN ARRAY ap_fuzz.sample(ARRAY(SELECT DISTINCT c.org FROM ap_fuzz.checks c
											  JOIN access_policy.orgs o ON o.id = c.org AND o.key IS NOT NULL
											 WHERE c.world = w AND c.phase = ph AND c.twin ORDER BY 1), 6) LOOP
		IF random() < 0.3 THEN		-- handed over to another org
			y := ap_fuzz.pick(ARRAY(SELECT o.id FROM access_policy.orgs o WHERE o.id <> x ORDER BY o.id));
			k := (SELECT o.key FROM access_policy.orgs o WHERE o.id = x);
			PERFORM ap_fuzz.as_system();
			PERFORM access_policy.set_org_key(x, NULL);
			PERFORM access_policy.set_org_key(y, k);
		ELSE
			PERFORM ap_fuzz.key_step(x);
		END IF;
	END LOOP;
	FOREACH x IN ARRAY ap_fuzz.sample(ARRAY(SELECT DISTINCT c.res FROM ap_fuzz.checks c
											  JOIN access_policy.resources r ON r.id = c.res AND r.key IS NOT NULL
											 WHERE c.world = w AND c.phase = ph AND c.twin ORDER BY 1), 4) LOOP
		PERFORM ap_fuzz.key_step(NULL, x);
	END LOOP;
END;
$$;

-- copy_checks: the checks of phase src again as phase dst (the same
-- arguments, keys included, asked after changes)
CREATE FUNCTION ap_fuzz.copy_checks(w int, src int, dst int) RETURNS void
LANGUAGE sql
AS $$
	INSERT INTO ap_fuzz.checks (world, phase, id, who, fn, org, res, name, twin, okey, oktype, rkey, rktype)
	SELECT c.world, dst, c.id, c.who, c.fn, c.org, c.res, c.name, c.twin, c.okey, c.oktype, c.rkey, c.rktype
	  FROM ap_fuzz.checks c
	 WHERE c.world = w AND c.phase = src
$$;

------------------------------------------------------------------------------
-- Worlds
------------------------------------------------------------------------------

-- refresh_closure: the org and resource ancestor tables of the current world
CREATE FUNCTION ap_fuzz.refresh_closure() RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
	TRUNCATE ap_fuzz.org_closure, ap_fuzz.res_closure;
	INSERT INTO ap_fuzz.org_closure (org, anc)
	WITH RECURSIVE c (org, anc) AS (
		SELECT o.id, o.id FROM access_policy.orgs o
		UNION ALL
		SELECT c.org, o.parent_id FROM c JOIN access_policy.orgs o ON o.id = c.anc WHERE o.parent_id IS NOT NULL
	)
	SELECT org, anc FROM c;
	INSERT INTO ap_fuzz.res_closure (res, anc)
	WITH RECURSIVE c (res, anc) AS (
		SELECT r.id, r.id FROM access_policy.resources r
		UNION ALL
		SELECT c.res, r.parent_id FROM c JOIN access_policy.resources r ON r.id = c.anc WHERE r.parent_id IS NOT NULL
	)
	SELECT res, anc FROM c;
	ANALYZE ap_fuzz.org_closure, ap_fuzz.res_closure;
END;
$$;

-- wipe: empty the policy tables, keeping the built-in permissions and roles
CREATE FUNCTION ap_fuzz.wipe() RETURNS void
LANGUAGE plpgsql
SET client_min_messages = warning		-- no "truncate cascades" notices
AS $$
BEGIN
	TRUNCATE access_policy.resource_grants, access_policy.resources, access_policy.kind_actions,
			 access_policy.resource_kinds, access_policy.assignments, access_policy.role_permissions,
			 access_policy.roles, access_policy.orgs, access_policy.users, access_policy.login_roles,
			 access_policy.support_settings, access_policy.support_overrides, access_policy.invitations,
			 access_policy.retired_keys
			 CASCADE;
	DELETE FROM access_policy.permissions WHERE NOT builtin;
	INSERT INTO access_policy.roles SELECT * FROM ap_fuzz.builtin_roles;
	INSERT INTO access_policy.role_permissions SELECT * FROM ap_fuzz.builtin_role_permissions;
END;
$$;

-- add_org: a new org under parent (NULL: a new root)
CREATE FUNCTION ap_fuzz.add_org(parent bigint) RETURNS bigint
LANGUAGE sql
AS $$ INSERT INTO access_policy.orgs (name, parent_id) VALUES ('org', parent) RETURNING id $$;

-- add_assignment: a random role for the user at a random org where it may be
-- assigned (a custom role only in its org or below), with a random validity
CREATE FUNCTION ap_fuzz.add_assignment(uid text) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	x_role bigint;
	x_org bigint;
	v record;
BEGIN
	IF random() < 0.5 THEN
		x_role := ap_fuzz.pick(ARRAY(SELECT r.id FROM access_policy.roles r WHERE r.org_id IS NOT NULL ORDER BY r.id));
	END IF;
	IF x_role IS NOT NULL THEN
		x_org := ap_fuzz.pick(ARRAY(SELECT c.org FROM ap_fuzz.org_closure c
									 WHERE c.anc = (SELECT r.org_id FROM access_policy.roles r WHERE r.id = x_role)
									 ORDER BY c.org));
	ELSE
		x_role := ap_fuzz.pick(ARRAY[1, 2, 2, 3, 3, 3]::bigint[]);
		IF random() < 0.25 THEN		-- deep in the tree
			x_org := ap_fuzz.pick(ARRAY(SELECT c.org FROM ap_fuzz.org_closure c GROUP BY c.org
										 HAVING count(*) > 20 ORDER BY c.org));
		END IF;
		IF x_org IS NULL THEN
			x_org := ap_fuzz.pick(ARRAY(SELECT o.id FROM access_policy.orgs o ORDER BY o.id));
		END IF;
	END IF;
	v := ap_fuzz.validity(true);
	INSERT INTO access_policy.assignments (user_id, org_id, role_id, enabled, valid_from, expires_at)
	VALUES (uid, x_org, x_role, v.enabled, v.valid_from, v.expires_at)
	ON CONFLICT (user_id, org_id, role_id) DO NOTHING;
END;
$$;

-- add_grant: a grant of a random role on a random resource to 1-3 orgs
CREATE FUNCTION ap_fuzz.add_grant() RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	x_res bigint;
	x_res_org bigint;
	x_role bigint;
	x_auth bigint;
	v record;
	i int;
BEGIN
	IF random() < 0.5 THEN
		x_res := ap_fuzz.pick(ARRAY(SELECT r.id FROM access_policy.resources r
									 WHERE r.kind IN ('app', 'page', 'doc') ORDER BY r.id));
	ELSE
		x_res := ap_fuzz.pick(ARRAY(SELECT r.id FROM access_policy.resources r ORDER BY r.id));
	END IF;
	IF x_res IS NULL THEN
		RETURN;
	END IF;
	x_res_org := (SELECT r.org_id FROM access_policy.resources r WHERE r.id = x_res);
	x_role := ap_fuzz.pick(ARRAY(SELECT r.id FROM access_policy.roles r ORDER BY r.id));
	FOR i IN 1 .. ap_fuzz.rint(1, 3) LOOP
		x_auth := NULL;
		IF random() < 0.45 THEN		-- the resource's org or below it
			x_auth := ap_fuzz.pick(ARRAY(SELECT c.org FROM ap_fuzz.org_closure c WHERE c.anc = x_res_org ORDER BY c.org));
		ELSIF random() < 0.3 THEN	-- above it
			x_auth := ap_fuzz.pick(ARRAY(SELECT c.anc FROM ap_fuzz.org_closure c WHERE c.org = x_res_org ORDER BY c.anc));
		END IF;
		IF x_auth IS NULL THEN
			x_auth := ap_fuzz.pick(ARRAY(SELECT o.id FROM access_policy.orgs o ORDER BY o.id));
		END IF;
		v := ap_fuzz.validity(false);
		INSERT INTO access_policy.resource_grants (resource_id, role_id, authorized_org_id, valid_from, expires_at)
		VALUES (x_res, x_role, x_auth, v.valid_from, v.expires_at)
		ON CONFLICT (resource_id, role_id, authorized_org_id) DO NOTHING;
	END LOOP;
END;
$$;

-- add_resources: a random subtree of resources below parent (depth grows)
CREATE FUNCTION ap_fuzz.add_resources(x_org bigint, parent bigint, depth int) RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
	n int := 0;
	i int;
	new_id bigint;
	kind text;
BEGIN
	FOR i IN 1 .. greatest(0, ap_fuzz.rint(0, 4) - depth) LOOP
		kind := CASE WHEN depth = 0 THEN ap_fuzz.pick(ARRAY['page', 'page', 'doc'])
					 ELSE ap_fuzz.pick(ARRAY['sub', 'sub', 'page', 'widget']) END;
		INSERT INTO access_policy.resources (org_id, parent_id, kind, name)
		VALUES (x_org, parent, kind, 'res') RETURNING id INTO new_id;
		n := n + 1 + ap_fuzz.add_resources(x_org, new_id, depth + 1);
	END LOOP;
	RETURN n;
END;
$$;

-- add_kind_action: one more permission needed by an action of a kind
CREATE FUNCTION ap_fuzz.add_kind_action(x_kind text, x_action text, n int) RETURNS void
LANGUAGE sql
AS $$
	INSERT INTO access_policy.kind_actions (kind, action, permission)
	SELECT x_kind, x_action, pg_catalog.unnest(ap_fuzz.sample(ARRAY(SELECT p.name FROM access_policy.permissions p
																	ORDER BY p.name), n))
	ON CONFLICT DO NOTHING
$$;

-- support_until: a random end of a support setting or override: permanent
-- (settings only), expired, within the next seconds, in hours or days
CREATE FUNCTION ap_fuzz.support_until(allow_permanent boolean) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	r double precision := random();
	t timestamptz := clock_timestamp();
BEGIN
	RETURN CASE WHEN r < 0.45 AND allow_permanent THEN 'infinity'::timestamptz
				WHEN r < 0.60 THEN t - random() * interval '5 days' - interval '1 second'
				WHEN r < 0.80 THEN t + random() * interval '12 seconds'
				ELSE t + interval '1 hour' + random() * interval '7 days' END;
END;
$$;

-- put_support_setting: the org's own support level, written directly
CREATE FUNCTION ap_fuzz.put_support_setting(x_org bigint) RETURNS void
LANGUAGE sql
AS $$
	INSERT INTO access_policy.support_settings (org_id, level, expires_at, reason)
	SELECT x_org, ap_fuzz.pick(ARRAY['none', 'read', 'read', 'write']), ap_fuzz.support_until(true), 'fz'
	 WHERE EXISTS (SELECT 1 FROM access_policy.orgs o WHERE o.id = x_org)
	ON CONFLICT (org_id) DO UPDATE SET level = EXCLUDED.level, expires_at = EXCLUDED.expires_at
$$;

-- put_support_override: a vendor override at the org, written directly
CREATE FUNCTION ap_fuzz.put_support_override(x_org bigint) RETURNS void
LANGUAGE sql
AS $$
	INSERT INTO access_policy.support_overrides (org_id, level, expires_at, reason, set_by_role)
	SELECT x_org, ap_fuzz.pick(ARRAY['read', 'write']), ap_fuzz.support_until(false), 'fz', 'postgres'
	 WHERE EXISTS (SELECT 1 FROM access_policy.orgs o WHERE o.id = x_org)
	ON CONFLICT (org_id) DO UPDATE SET level = EXCLUDED.level, expires_at = EXCLUDED.expires_at
$$;

-- act_as: make the rest of the transaction act as uid (NULL: no user).  A
-- transaction-scoped identity outside a transaction block is what is meant
-- here (it lasts for the statement); the engine's warning about it is
-- silenced by a SET LOCAL of client_min_messages set back at once (a SET
-- clause on the function would undo the identity at its exit)
CREATE FUNCTION ap_fuzz.act_as(uid text) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	m text := current_setting('client_min_messages');
BEGIN
	PERFORM set_config('client_min_messages', 'error', true);
	IF uid IS NULL THEN
		PERFORM access_policy.clear_user();
	ELSE
		PERFORM access_policy.set_user(uid);
	END IF;
	PERFORM set_config('client_min_messages', m, true);
END;
$$;

-- as_system: make the rest of the transaction act as no user (a superuser
-- acting as nobody is the system for the administration functions); the
-- callers run inside transactions whose identity the script sets again
-- before any check
CREATE FUNCTION ap_fuzz.as_system() RETURNS void
LANGUAGE sql
AS $$ SELECT ap_fuzz.act_as(NULL) $$;

-- support_step: one random change of support access, through the functions
-- of the extension or written directly: an org's level and its end, a
-- cascade over the subtree, a revoke, a vendor override and its end, a user
-- becoming or ceasing to be support staff, what a permission gives support
-- staff.  Returns what it did; refusals are caught and reported.
CREATE FUNCTION ap_fuzz.support_step() RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
	r double precision := random();
	x_org bigint := ap_fuzz.pick(ARRAY(SELECT o.id FROM access_policy.orgs o ORDER BY o.id));
	x_user text;
	x_perm text;
	k double precision;
BEGIN
	IF x_org IS NULL THEN
		RETURN 'support: no org';
	END IF;
	BEGIN
		IF r < 0.25 THEN
			PERFORM ap_fuzz.put_support_setting(x_org);
			RETURN 'support: setting';
		ELSIF r < 0.45 THEN
			PERFORM ap_fuzz.as_system();
			PERFORM access_policy.set_support_access(x_org, ap_fuzz.pick(ARRAY['none', 'read', 'write']), 'fz ticket',
				until => CASE WHEN random() < 0.5 THEN NULL
							  ELSE clock_timestamp() + interval '1 second' + random() * interval '10 seconds' END,
				cascade => random() < 0.4);
			RETURN 'support: set_support_access';
		ELSIF r < 0.53 THEN
			PERFORM ap_fuzz.as_system();
			PERFORM access_policy.revoke_support_access(x_org);
			RETURN 'support: revoke_support_access';
		ELSIF r < 0.63 THEN
			PERFORM ap_fuzz.put_support_override(x_org);
			RETURN 'support: override';
		ELSIF r < 0.68 THEN
			DELETE FROM access_policy.support_overrides
			 WHERE org_id = ap_fuzz.pick(ARRAY(SELECT v.org_id FROM access_policy.support_overrides v ORDER BY 1));
			RETURN 'support: override ended';
		ELSIF r < 0.80 THEN
			x_user := ap_fuzz.pick(ARRAY(SELECT u.id FROM access_policy.users u WHERE u.id <> 'canary' ORDER BY u.id));
			UPDATE access_policy.users SET is_support_staff = NOT is_support_staff WHERE id = x_user;
			RETURN 'support: staff flag';
		ELSIF r < 0.90 THEN
			x_perm := ap_fuzz.pick(ARRAY(SELECT p.name FROM access_policy.permissions p WHERE NOT p.builtin ORDER BY 1));
			k := random();
			UPDATE access_policy.permissions SET support_read = k < 0.3, support_never = k >= 0.3 AND k < 0.5
			 WHERE name = x_perm;
			RETURN 'support: permission flags';
		ELSE
			UPDATE access_policy.support_settings
			   SET expires_at = clock_timestamp() + random() * interval '8 seconds'
			 WHERE org_id = ap_fuzz.pick(ARRAY(SELECT s.org_id FROM access_policy.support_settings s ORDER BY 1));
			RETURN 'support: setting ends soon';
		END IF;
	EXCEPTION WHEN OTHERS THEN
		RETURN 'support: refused: ' || SQLSTATE;
	END;
END;
$$;

-- team_step: one random change through team management: an invitation
-- sent and accepted by the invitee (who becomes a member), one sent and
-- revoked (accepting it must fail and change nothing), a role changed, a
-- member disabled or enabled, a member removed.  Refusals (an existing
-- member, the last admin) are caught and reported.
CREATE FUNCTION ap_fuzz.team_step() RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
	r double precision := random();
	x_org bigint;
	x_user text;
	x_role text;
	x_token text;
	x_inv bigint;
	a record;
BEGIN
	-- a role name that resolves at the org: a built-in one or the nearest
	-- custom role of the org or above it
	BEGIN
		IF r < 0.40 THEN			-- invite and accept
			x_org := ap_fuzz.pick(ARRAY(SELECT o.id FROM access_policy.orgs o ORDER BY o.id));
			x_user := ap_fuzz.pick(ARRAY(SELECT u.id FROM access_policy.users u WHERE u.id <> 'canary' ORDER BY u.id));
			x_role := ap_fuzz.team_role(x_org);
			PERFORM ap_fuzz.as_system();
			x_token := access_policy.invite(x_org, x_user || '@FZ.example', x_role);
			IF random() < 0.15 THEN	-- revoked first: the accept must fail
				x_inv := split_part(x_token, '.', 1)::bigint;
				PERFORM access_policy.revoke_invitation(x_inv);
				BEGIN
					PERFORM ap_fuzz.act_as(x_user);
					PERFORM access_policy.accept_invitation(x_token);
					RAISE EXCEPTION 'a revoked invitation was accepted' USING ERRCODE = 'XX000';
				EXCEPTION WHEN insufficient_privilege OR invalid_parameter_value OR undefined_object
						  OR object_not_in_prerequisite_state OR invalid_authorization_specification THEN
					NULL;
				END;
				PERFORM ap_fuzz.as_system();
				RETURN 'team: invitation revoked';
			END IF;
			PERFORM ap_fuzz.act_as(x_user);
			PERFORM access_policy.accept_invitation(x_token);
			PERFORM ap_fuzz.as_system();
			RETURN 'team: invitation accepted';
		END IF;
		SELECT * INTO a FROM access_policy.assignments
		 WHERE id = ap_fuzz.pick(ARRAY(SELECT x.id FROM access_policy.assignments x
										WHERE x.user_id <> 'canary' ORDER BY x.id));
		IF NOT FOUND THEN
			RETURN 'team: no member';
		END IF;
		PERFORM ap_fuzz.as_system();
		IF r < 0.60 THEN
			PERFORM access_policy.change_role(a.user_id, a.org_id, ap_fuzz.team_role(a.org_id));
			RETURN 'team: change_role';
		ELSIF r < 0.85 THEN
			PERFORM access_policy.set_member_enabled(a.user_id, a.org_id, random() < 0.5);
			RETURN 'team: set_member_enabled';
		ELSE
			PERFORM access_policy.remove_member(a.user_id, a.org_id);
			RETURN 'team: remove_member';
		END IF;
	EXCEPTION WHEN OTHERS THEN
		IF SQLSTATE = 'XX000' THEN
			RAISE;
		END IF;
		RETURN 'team: refused: ' || SQLSTATE;
	END;
END;
$$;

-- team_role: a role name to use at the org: built-in, or (when one is
-- defined at the org or above it) a custom role's name
CREATE FUNCTION ap_fuzz.team_role(x_org bigint) RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	custom text;
BEGIN
	IF random() < 0.3 THEN
		custom := ap_fuzz.pick(ARRAY(SELECT ro.name FROM access_policy.roles ro
									   JOIN ap_fuzz.org_closure c ON c.anc = ro.org_id
									  WHERE c.org = x_org ORDER BY ro.id));
	END IF;
	RETURN COALESCE(custom, ap_fuzz.pick(ARRAY['Admin', 'Editor', 'Viewer', 'Viewer']));
END;
$$;

-- build_world: a fresh random world
CREATE FUNCTION ap_fuzz.build_world(w int) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	pl ap_fuzz.plan := (SELECT p FROM ap_fuzz.plan p WHERE p.world = w);
	n_users int := pl.n_users;
	n_roots int := ap_fuzz.rint(1, 4);
	n_orgs int := ap_fuzz.rint(20, 220);
	chain_len int := CASE WHEN w % 6 = 1 THEN 300
						  WHEN random() < 0.25 THEN 0
						  ELSE ap_fuzz.rint(50, 300) END;
	x_orgs bigint[] := '{}';
	chain bigint[] := '{}';
	parent bigint;
	new_id bigint;
	x_org bigint;
	i int;
	j int;
	k double precision;
	n_res int := 0;
	x_kind text;
	x_action text;
BEGIN
	PERFORM ap_fuzz.wipe();
	DELETE FROM ap_fuzz.worlds WHERE world = w;
	INSERT INTO ap_fuzz.worlds (world, started) VALUES (w, clock_timestamp());

	-- the world's key types (no key exists after wipe(), so they may change)
	PERFORM ap_fuzz.as_system();
	PERFORM access_policy.set_key_type('org', pl.org_key_type::regtype);
	PERFORM access_policy.set_key_type('resource', pl.res_key_type::regtype);

	-- permissions: the built-in ones and 3-8 of the world's own
	FOR i IN 1 .. ap_fuzz.rint(3, 8) LOOP
		INSERT INTO access_policy.permissions (name, read_only) VALUES (format('fz.p%s', i), random() < 0.5);
		-- what support access gives: some support_read, some support_never
		k := random();
		UPDATE access_policy.permissions SET support_read = k < 0.25, support_never = k >= 0.25 AND k < 0.45
		 WHERE name = format('fz.p%s', i);
	END LOOP;

	-- an org forest: new orgs under random orgs or under recent ones (depth)
	FOR i IN 1 .. n_orgs LOOP
		IF i <= n_roots THEN
			parent := NULL;
		ELSIF random() < 0.5 THEN
			parent := ap_fuzz.pick(x_orgs);
		ELSE
			parent := x_orgs[greatest(1, cardinality(x_orgs) - ap_fuzz.rint(0, 6))];
		END IF;
		x_orgs := x_orgs || ap_fuzz.add_org(parent);
	END LOOP;
	-- a deep chain under a random org, with side branches
	parent := ap_fuzz.pick(x_orgs);
	FOR i IN 1 .. chain_len LOOP
		parent := ap_fuzz.add_org(parent);
		chain := chain || parent;
	END LOOP;
	IF chain_len > 0 THEN
		FOR i IN 1 .. ap_fuzz.rint(5, 15) LOOP
			x_orgs := x_orgs || ap_fuzz.add_org(ap_fuzz.pick(chain));
		END LOOP;
	END IF;
	x_orgs := x_orgs || chain;
	PERFORM ap_fuzz.refresh_closure();

	-- custom roles in random orgs (some deep), random permission sets, some empty
	FOR i IN 1 .. ap_fuzz.rint(3, 14) LOOP
		x_org := CASE WHEN chain_len > 0 AND random() < 0.25 THEN ap_fuzz.pick(chain) ELSE ap_fuzz.pick(x_orgs) END;
		INSERT INTO access_policy.roles (name, org_id) VALUES (format('r%s', i), x_org) RETURNING id INTO new_id;
		IF random() < 0.92 THEN
			k := 0.08 + random() * 0.4;
			INSERT INTO access_policy.role_permissions (role_id, permission)
			SELECT new_id, x FROM unnest(ARRAY(SELECT p.name FROM access_policy.permissions p ORDER BY p.name)) x
			 WHERE random() < k;
		END IF;
	END LOOP;
	-- the built-in roles change too (restored next world)
	IF random() < 0.4 THEN
		INSERT INTO access_policy.role_permissions (role_id, permission)
		VALUES (3, ap_fuzz.pick(ARRAY(SELECT p.name FROM access_policy.permissions p WHERE NOT p.builtin ORDER BY p.name)));
	END IF;
	IF random() < 0.3 THEN
		DELETE FROM access_policy.role_permissions
		 WHERE role_id = 2
		   AND permission = (SELECT ap_fuzz.pick(ARRAY(SELECT rp.permission FROM access_policy.role_permissions rp
													  WHERE rp.role_id = 2 ORDER BY rp.permission)));
	END IF;

	-- users and their assignments; the canary holds nothing (and is never
	-- support staff); about a quarter of the others are support staff
	INSERT INTO access_policy.users (id, email, is_support_staff)
	SELECT 'u' || g, format('u%s@fz.example', g), random() < 0.25 FROM generate_series(1, n_users) g;
	INSERT INTO access_policy.users (id, email) VALUES ('canary', 'canary@fz.example');

	-- support access: the world's default level, settings of their own at
	-- some orgs (expired, ending within seconds, permanent), a few vendor
	-- overrides
	PERFORM set_config('access_policy.support_default_level',
					   (SELECT p.support_default FROM ap_fuzz.plan p WHERE p.world = w), false);
	FOREACH x_org IN ARRAY ap_fuzz.sample(x_orgs, greatest(1, cardinality(x_orgs) / 7)) LOOP
		PERFORM ap_fuzz.put_support_setting(x_org);
	END LOOP;
	FOREACH x_org IN ARRAY ap_fuzz.sample(x_orgs, ap_fuzz.rint(0, 4)) LOOP
		PERFORM ap_fuzz.put_support_override(x_org);
	END LOOP;
	FOR i IN 1 .. n_users LOOP
		FOR j IN 1 .. CASE WHEN i = 1 THEN ap_fuzz.rint(3, 7) ELSE ap_fuzz.rint(0, 7) END LOOP
			PERFORM ap_fuzz.add_assignment('u' || i);
		END LOOP;
	END LOOP;

	-- resource kinds and the permissions their actions need; "widget" has no
	-- actions, "publish" exists for pages only
	INSERT INTO access_policy.resource_kinds (name) VALUES ('app'), ('page'), ('doc'), ('sub'), ('widget');
	FOREACH x_kind IN ARRAY ARRAY['app', 'page', 'doc', 'sub'] LOOP
		FOREACH x_action IN ARRAY ARRAY['open', 'edit', 'delete', 'share', 'export'] LOOP
			IF random() < 0.65 OR (x_kind = 'app' AND x_action = 'open') THEN
				PERFORM ap_fuzz.add_kind_action(x_kind, x_action, ap_fuzz.rint(1, 3));
			END IF;
		END LOOP;
	END LOOP;
	PERFORM ap_fuzz.add_kind_action('page', 'publish', ap_fuzz.rint(1, 2));

	-- resource trees: apps in about a third of the orgs and deep in the chain
	FOREACH x_org IN ARRAY x_orgs LOOP
		IF n_res < 700 AND (random() < 0.3 OR x_org = chain[cardinality(chain)]) THEN
			FOR i IN 1 .. ap_fuzz.rint(1, 3) LOOP
				INSERT INTO access_policy.resources (org_id, kind, name) VALUES (x_org, 'app', 'app')
				RETURNING id INTO new_id;
				n_res := n_res + 1 + ap_fuzz.add_resources(x_org, new_id, 0);
			END LOOP;
		END IF;
	END LOOP;
	-- sometimes a deep resource chain
	IF random() < 0.4 THEN
		parent := ap_fuzz.pick(ARRAY(SELECT r.id FROM access_policy.resources r WHERE r.kind = 'app' ORDER BY r.id));
		x_org := (SELECT r.org_id FROM access_policy.resources r WHERE r.id = parent);
		FOR i IN 1 .. CASE WHEN parent IS NULL THEN 0 ELSE ap_fuzz.rint(30, 120) END LOOP
			INSERT INTO access_policy.resources (org_id, parent_id, kind, name)
			VALUES (x_org, parent, ap_fuzz.pick(ARRAY['sub', 'page', 'doc']), 'deep') RETURNING id INTO parent;
		END LOOP;
	END IF;
	PERFORM ap_fuzz.refresh_closure();

	FOR i IN 1 .. ap_fuzz.rint(20, 120) LOOP
		PERFORM ap_fuzz.add_grant();
	END LOOP;
	PERFORM ap_fuzz.set_keys();

	UPDATE ap_fuzz.worlds
	   SET info = format('%s orgs (deepest %s levels, chain %s), %s users, %s custom roles, %s assignments, %s permissions, '
						 '%s resources (deepest %s), %s grants, %s kind actions, '
						 '%s support staff, %s support settings, %s overrides, default %s, '
						 'keys: org %s (%s with one), resource %s (%s with one)',
						 (SELECT count(*) FROM access_policy.orgs),
						 (SELECT max(n) FROM (SELECT count(*) AS n FROM ap_fuzz.org_closure GROUP BY org) d),
						 chain_len, n_users,
						 (SELECT count(*) FROM access_policy.roles WHERE org_id IS NOT NULL),
						 (SELECT count(*) FROM access_policy.assignments),
						 (SELECT count(*) FROM access_policy.permissions),
						 (SELECT count(*) FROM access_policy.resources),
						 (SELECT max(n) FROM (SELECT count(*) AS n FROM ap_fuzz.res_closure GROUP BY res) d),
						 (SELECT count(*) FROM access_policy.resource_grants),
						 (SELECT count(*) FROM access_policy.kind_actions),
						 (SELECT count(*) FROM access_policy.users WHERE is_support_staff),
						 (SELECT count(*) FROM access_policy.support_settings),
						 (SELECT count(*) FROM access_policy.support_overrides),
						 current_setting('access_policy.support_default_level'),
						 COALESCE(pl.org_key_type || CASE WHEN pl.org_arg_type <> pl.org_key_type
														  THEN ' as ' || pl.org_arg_type ELSE '' END, 'none'),
						 (SELECT count(key) FROM access_policy.orgs),
						 COALESCE(pl.res_key_type || CASE WHEN pl.res_arg_type <> pl.res_key_type
														  THEN ' as ' || pl.res_arg_type ELSE '' END, 'none'),
						 (SELECT count(key) FROM access_policy.resources))
	 WHERE world = w;
END;
$$;

-- mutate: a handful of random changes of every kind
CREATE FUNCTION ap_fuzz.mutate(w int, ph int) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	n_users int := (SELECT p.n_users FROM ap_fuzz.plan p WHERE p.world = w);
	rnd double precision;
	x_user text;
	x_rp access_policy.role_permissions;
	x_ka access_policy.kind_actions;
	i int;
	x_id bigint;
	x_org bigint;
	x_parent bigint;
	v record;
BEGIN
	FOR i IN 1 .. ap_fuzz.rint(4, 14) LOOP
		rnd := random();
		IF rnd < 0.20 THEN			-- support access
			PERFORM ap_fuzz.support_step();
			CONTINUE;
		ELSIF rnd < 0.32 THEN		-- team management (invitations, roles, disabled members)
			PERFORM ap_fuzz.team_step();
			PERFORM ap_fuzz.refresh_closure();
			CONTINUE;
		ELSIF rnd < 0.40 THEN		-- a key set, changed or removed
			PERFORM ap_fuzz.key_step();
			CONTINUE;
		END IF;
		rnd := random();
		IF rnd < 0.08 THEN			-- enable or disable an assignment
			UPDATE access_policy.assignments SET enabled = NOT enabled
			 WHERE id = (SELECT ap_fuzz.pick(ARRAY(SELECT a.id FROM access_policy.assignments a ORDER BY a.id)));
		ELSIF rnd < 0.16 THEN			-- new validity of an assignment
			v := ap_fuzz.validity(true);
			UPDATE access_policy.assignments
			   SET enabled = v.enabled, valid_from = v.valid_from, expires_at = v.expires_at
			 WHERE id = (SELECT ap_fuzz.pick(ARRAY(SELECT a.id FROM access_policy.assignments a ORDER BY a.id)));
		ELSIF rnd < 0.22 THEN			-- revoke an assignment
			DELETE FROM access_policy.assignments
			 WHERE id = (SELECT ap_fuzz.pick(ARRAY(SELECT a.id FROM access_policy.assignments a ORDER BY a.id)));
		ELSIF rnd < 0.32 THEN			-- a new assignment
			x_user := ap_fuzz.pick(ARRAY(SELECT u.id FROM access_policy.users u WHERE u.id <> 'canary' ORDER BY u.id));
			IF x_user IS NOT NULL THEN
				PERFORM ap_fuzz.add_assignment(x_user);
			END IF;
		ELSIF rnd < 0.38 THEN			-- a role gains a permission
			INSERT INTO access_policy.role_permissions (role_id, permission)
			SELECT ap_fuzz.pick(ARRAY(SELECT ro.id FROM access_policy.roles ro ORDER BY ro.id)),
				   ap_fuzz.pick(ARRAY(SELECT p.name FROM access_policy.permissions p ORDER BY p.name))
			ON CONFLICT DO NOTHING;
		ELSIF rnd < 0.44 THEN			-- a role loses one
			x_rp := ap_fuzz.pick(ARRAY(SELECT rp FROM access_policy.role_permissions rp
										ORDER BY rp.role_id, rp.permission));
			DELETE FROM access_policy.role_permissions
			 WHERE role_id = x_rp.role_id AND permission = x_rp.permission;
		ELSIF rnd < 0.50 THEN			-- move an org (the guard may refuse)
			x_id := ap_fuzz.pick(ARRAY(SELECT o.id FROM access_policy.orgs o ORDER BY o.id));
			x_parent := NULL;
			IF random() < 0.9 THEN
				x_parent := ap_fuzz.pick(ARRAY(
					SELECT o.id FROM access_policy.orgs o
					 WHERE NOT EXISTS (SELECT 1 FROM ap_fuzz.org_closure c WHERE c.org = o.id AND c.anc = x_id)
					 ORDER BY o.id));
			END IF;
			BEGIN
				UPDATE access_policy.orgs SET parent_id = x_parent WHERE id = x_id;
			EXCEPTION WHEN invalid_parameter_value OR integrity_constraint_violation THEN
				NULL;
			END;
			PERFORM ap_fuzz.refresh_closure();
		ELSIF rnd < 0.54 THEN			-- a new org
			PERFORM ap_fuzz.add_org(ap_fuzz.pick(ARRAY(SELECT o.id FROM access_policy.orgs o ORDER BY o.id)));
			PERFORM ap_fuzz.refresh_closure();
		ELSIF rnd < 0.60 THEN			-- a grant ends
			DELETE FROM access_policy.resource_grants
			 WHERE id = (SELECT ap_fuzz.pick(ARRAY(SELECT g.id FROM access_policy.resource_grants g ORDER BY g.id)));
		ELSIF rnd < 0.68 THEN			-- new grants
			PERFORM ap_fuzz.add_grant();
		ELSIF rnd < 0.72 THEN			-- new validity of a grant
			v := ap_fuzz.validity(false);
			UPDATE access_policy.resource_grants SET valid_from = v.valid_from, expires_at = v.expires_at
			 WHERE id = (SELECT ap_fuzz.pick(ARRAY(SELECT g.id FROM access_policy.resource_grants g ORDER BY g.id)));
		ELSIF rnd < 0.76 THEN			-- a new resource below another, or a new app
			x_parent := ap_fuzz.pick(ARRAY(SELECT r2.id FROM access_policy.resources r2 ORDER BY r2.id));
			x_org := (SELECT r2.org_id FROM access_policy.resources r2 WHERE r2.id = x_parent);
			IF random() < 0.3 OR x_parent IS NULL THEN
				x_parent := NULL;
				x_org := ap_fuzz.pick(ARRAY(SELECT o.id FROM access_policy.orgs o ORDER BY o.id));
			END IF;
			INSERT INTO access_policy.resources (org_id, parent_id, kind, name)
			VALUES (x_org, x_parent, CASE WHEN x_parent IS NULL THEN 'app' ELSE ap_fuzz.pick(ARRAY['page', 'sub', 'widget', 'doc']) END, 'new');
			PERFORM ap_fuzz.refresh_closure();
		ELSIF rnd < 0.80 THEN			-- delete a leaf resource and its grants
			x_id := ap_fuzz.pick(ARRAY(SELECT r2.id FROM access_policy.resources r2
										WHERE NOT EXISTS (SELECT 1 FROM access_policy.resources c WHERE c.parent_id = r2.id)
										ORDER BY r2.id));
			DELETE FROM access_policy.resource_grants WHERE resource_id = x_id;
			DELETE FROM access_policy.resources WHERE id = x_id;
			PERFORM ap_fuzz.refresh_closure();
		ELSIF rnd < 0.84 THEN			-- an action needs one more permission, or one less
			IF random() < 0.5 THEN
				PERFORM ap_fuzz.add_kind_action(ap_fuzz.pick(ARRAY['app', 'page', 'doc', 'sub']),
												ap_fuzz.pick(ARRAY['open', 'edit', 'delete', 'share', 'export']), 1);
			ELSE
				x_ka := ap_fuzz.pick(ARRAY(SELECT ka FROM access_policy.kind_actions ka
											ORDER BY ka.kind, ka.action, ka.permission));
				DELETE FROM access_policy.kind_actions
				 WHERE kind = x_ka.kind AND action = x_ka.action AND permission = x_ka.permission;
			END IF;
		ELSIF rnd < 0.88 THEN			-- a new permission, given to a role
			INSERT INTO access_policy.permissions (name, read_only)
			VALUES (format('fz.m%s_%s', ph, i), random() < 0.5) ON CONFLICT DO NOTHING;
			INSERT INTO access_policy.role_permissions (role_id, permission)
			SELECT ap_fuzz.pick(ARRAY(SELECT ro.id FROM access_policy.roles ro ORDER BY ro.id)), format('fz.m%s_%s', ph, i)
			ON CONFLICT DO NOTHING;
		ELSIF rnd < 0.91 THEN			-- a user leaves (cascading to the assignments)
			DELETE FROM access_policy.users WHERE id = 'u' || ap_fuzz.rint(2, n_users);
		ELSIF rnd < 0.94 THEN			-- users come back, with a fresh assignment
			INSERT INTO access_policy.users (id)
			SELECT 'u' || g FROM generate_series(1, n_users) g ON CONFLICT DO NOTHING;
			PERFORM ap_fuzz.add_assignment('u' || ap_fuzz.rint(1, n_users));
		ELSIF rnd < 0.97 THEN			-- an unused custom role goes
			DELETE FROM access_policy.roles
			 WHERE id = (SELECT ap_fuzz.pick(ARRAY(
							SELECT ro.id FROM access_policy.roles ro
							 WHERE ro.org_id IS NOT NULL
							   AND NOT EXISTS (SELECT 1 FROM access_policy.assignments a WHERE a.role_id = ro.id)
							   AND NOT EXISTS (SELECT 1 FROM access_policy.resource_grants g WHERE g.role_id = ro.id)
							 ORDER BY ro.id)));
		ELSE						-- a new custom role, assigned at once
			INSERT INTO access_policy.roles (name, org_id)
			VALUES (format('m%s_%s', ph, i), ap_fuzz.pick(ARRAY(SELECT o.id FROM access_policy.orgs o ORDER BY o.id)))
			RETURNING id INTO x_id;
			INSERT INTO access_policy.role_permissions (role_id, permission)
			SELECT x_id, unnest(ap_fuzz.sample(ARRAY(SELECT p.name FROM access_policy.permissions p ORDER BY p.name),
											   ap_fuzz.rint(1, 5)));
			INSERT INTO access_policy.assignments (user_id, org_id, role_id)
			SELECT u.id, ro.org_id, ro.id
			  FROM access_policy.users u, access_policy.roles ro
			 WHERE u.id = 'u' || ap_fuzz.rint(1, n_users) AND ro.id = x_id
			ON CONFLICT DO NOTHING;
		END IF;
	END LOOP;
END;
$$;

-- mutate_user: one to three changes that touch what uid holds: its
-- assignments, the permissions of its roles, grants to its orgs, the place of
-- its orgs in the tree
CREATE FUNCTION ap_fuzz.mutate_user(w int, ph int, uid text) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	rnd double precision;
	i int;
	x_id bigint;
	x_role bigint;
	x_org bigint;
	x_parent bigint;
	v record;
BEGIN
	FOR i IN 1 .. ap_fuzz.rint(1, 3) LOOP
		rnd := random();
		x_id := ap_fuzz.pick(ARRAY(SELECT a.id FROM access_policy.assignments a WHERE a.user_id = uid ORDER BY a.id));
		SELECT a.role_id, a.org_id INTO x_role, x_org FROM access_policy.assignments a WHERE a.id = x_id;
		IF random() < 0.2 THEN		-- support access: its staff flag, the level at or above one of its orgs
			rnd := random();
			x_org := COALESCE(x_org, ap_fuzz.pick(ARRAY(SELECT o.id FROM access_policy.orgs o ORDER BY o.id)));
			IF rnd < 0.3 THEN
				UPDATE access_policy.users SET is_support_staff = NOT is_support_staff WHERE id = uid;
			ELSIF rnd < 0.7 THEN
				PERFORM ap_fuzz.put_support_setting(ap_fuzz.pick(ARRAY(SELECT c.anc FROM ap_fuzz.org_closure c
																		 WHERE c.org = x_org ORDER BY c.anc)));
			ELSIF rnd < 0.85 THEN
				PERFORM ap_fuzz.put_support_override(x_org);
			ELSE
				DELETE FROM access_policy.support_settings s
				 WHERE s.org_id IN (SELECT c.anc FROM ap_fuzz.org_closure c WHERE c.org = x_org);
			END IF;
			CONTINUE;
		END IF;
		IF random() < 0.15 THEN		-- the key of one of its orgs, or of one above or below it
			PERFORM ap_fuzz.key_step(ap_fuzz.pick(ARRAY(SELECT c.anc FROM ap_fuzz.org_closure c WHERE c.org = x_org
														 UNION
														 SELECT c.org FROM ap_fuzz.org_closure c WHERE c.anc = x_org
														 ORDER BY 1)));
			CONTINUE;
		END IF;
		IF rnd < 0.15 THEN			-- enable or disable one of its assignments
			UPDATE access_policy.assignments SET enabled = NOT enabled WHERE id = x_id;
		ELSIF rnd < 0.35 THEN		-- new validity of one
			v := ap_fuzz.validity(true);
			UPDATE access_policy.assignments
			   SET enabled = v.enabled, valid_from = v.valid_from, expires_at = v.expires_at
			 WHERE id = x_id;
		ELSIF rnd < 0.45 THEN		-- revoke one
			DELETE FROM access_policy.assignments WHERE id = x_id;
		ELSIF rnd < 0.55 OR x_id IS NULL THEN	-- a new one
			PERFORM ap_fuzz.add_assignment(uid);
		ELSIF rnd < 0.70 THEN		-- a role it holds gains or loses a permission
			IF random() < 0.5 THEN
				INSERT INTO access_policy.role_permissions (role_id, permission)
				VALUES (x_role, ap_fuzz.pick(ARRAY(SELECT p.name FROM access_policy.permissions p ORDER BY p.name)))
				ON CONFLICT DO NOTHING;
			ELSE
				DELETE FROM access_policy.role_permissions
				 WHERE role_id = x_role
				   AND permission = (SELECT ap_fuzz.pick(ARRAY(SELECT rp.permission FROM access_policy.role_permissions rp
															  WHERE rp.role_id = x_role ORDER BY rp.permission)));
			END IF;
		ELSIF rnd < 0.85 THEN		-- a grant of its role to its org or below, or a grant to its orgs ends
			IF random() < 0.6 THEN
				v := ap_fuzz.validity(false);
				INSERT INTO access_policy.resource_grants (resource_id, role_id, authorized_org_id, valid_from, expires_at)
				VALUES (ap_fuzz.pick(ARRAY(SELECT r.id FROM access_policy.resources r ORDER BY r.id)), x_role,
						ap_fuzz.pick(ARRAY(SELECT c.org FROM ap_fuzz.org_closure c WHERE c.anc = x_org ORDER BY c.org)),
						v.valid_from, v.expires_at)
				ON CONFLICT DO NOTHING;
			ELSE
				DELETE FROM access_policy.resource_grants
				 WHERE id = (SELECT ap_fuzz.pick(ARRAY(
								SELECT g.id FROM access_policy.resource_grants g
								  JOIN ap_fuzz.org_closure c ON c.org = g.authorized_org_id
								  JOIN access_policy.assignments a ON a.org_id = c.anc
								 WHERE a.user_id = uid ORDER BY g.id)));
			END IF;
		ELSE						-- move its org, or one above it, elsewhere
			x_id := ap_fuzz.pick(ARRAY(SELECT c.anc FROM ap_fuzz.org_closure c WHERE c.org = x_org ORDER BY c.anc));
			x_parent := NULL;
			IF random() < 0.9 THEN
				x_parent := ap_fuzz.pick(ARRAY(
					SELECT o.id FROM access_policy.orgs o
					 WHERE NOT EXISTS (SELECT 1 FROM ap_fuzz.org_closure c WHERE c.org = o.id AND c.anc = x_id)
					 ORDER BY o.id));
			END IF;
			BEGIN
				UPDATE access_policy.orgs SET parent_id = x_parent WHERE id = x_id;
			EXCEPTION WHEN invalid_parameter_value OR integrity_constraint_violation THEN
				NULL;
			END;
			PERFORM ap_fuzz.refresh_closure();
		END IF;
	END LOOP;
END;
$$;

------------------------------------------------------------------------------
-- Concurrent writers (phase 7)
------------------------------------------------------------------------------

/*
 * While phase 7 runs, other sessions (run_differential.sh starts
 * FUZZ_WRITERS of them, each CALLing ap_fuzz.writer()) keep changing the
 * world: assignments granted, revoked, expired, disabled; orgs created,
 * moved and deleted; grants added, ended, expired; support access and team
 * management steps.  The
 * comparison must stay sound: the engine reads the latest committed state
 * when a statement starts (and a change committed while a statement runs may
 * reach later rows of it), the reference reads the statement's snapshot.
 * So writers and checker meet at a barrier, an advisory lock:
 *   - every writer transaction first takes it in shared mode;
 *   - the checker holds it exclusively all the time, except that before each
 *     comparison it lets go for a moment (barrier_open) and takes it again in
 *     its own statement (barrier_close), which waits until every writer
 *     transaction in flight has committed or aborted; a committing
 *     transaction sends its invalidations before it releases its locks;
 *   - the comparison statement then starts with no writer active: its
 *     snapshot, and the engine's reloads, see the same committed world.
 * Writers change the world between every two comparisons, so the engine's
 * caches are invalidated by other sessions all the time, as in production.
 */

-- barrier_key: the advisory lock of the barrier (also taken by number at
-- the top of this file)
CREATE FUNCTION ap_fuzz.barrier_key() RETURNS bigint
LANGUAGE sql IMMUTABLE
AS $$ SELECT 6206202602::bigint $$;

-- barrier_open: let the writers run for a moment (this session holds the
-- lock once; it is taken at the start of the run)
CREATE FUNCTION ap_fuzz.barrier_open(pause double precision) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
	IF NOT pg_advisory_unlock(ap_fuzz.barrier_key()) THEN
		RAISE EXCEPTION 'the checker does not hold the barrier';
	END IF;
	PERFORM pg_sleep(pause);
END;
$$;

-- barrier_close: wait for the writers' transactions to end and stop new ones
CREATE FUNCTION ap_fuzz.barrier_close() RETURNS void
LANGUAGE sql
AS $$ SELECT pg_advisory_lock(ap_fuzz.barrier_key()) $$;

-- concurrent_step: one random change by a writer; returns what it did
CREATE FUNCTION ap_fuzz.concurrent_step() RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
	r double precision := random();
	x_id bigint;
	x_parent bigint;
	x_user text;
BEGIN
	IF r < 0.20 THEN
		RETURN ap_fuzz.support_step();
	ELSIF r < 0.35 THEN
		RETURN ap_fuzz.team_step();
	ELSIF random() < 0.12 THEN		-- a key set, changed or removed
		RETURN ap_fuzz.key_step();
	END IF;
	BEGIN
		IF r < 0.45 THEN			-- grant a role
			x_user := ap_fuzz.pick(ARRAY(SELECT u.id FROM access_policy.users u WHERE u.id <> 'canary' ORDER BY u.id));
			PERFORM ap_fuzz.add_assignment(x_user);
			RETURN 'grant role';
		END IF;
		x_id := ap_fuzz.pick(ARRAY(SELECT a.id FROM access_policy.assignments a ORDER BY a.id));
		IF r < 0.53 THEN			-- revoke one
			DELETE FROM access_policy.assignments WHERE id = x_id;
			RETURN 'revoke role';
		ELSIF r < 0.61 THEN			-- expire one, now or within seconds
			UPDATE access_policy.assignments
			   SET expires_at = clock_timestamp() + random() * interval '3 seconds', valid_from = '-infinity'
			 WHERE id = x_id;
			RETURN 'expire role';
		ELSIF r < 0.67 THEN			-- disable or enable one
			UPDATE access_policy.assignments SET enabled = NOT enabled WHERE id = x_id;
			RETURN 'toggle role';
		ELSIF r < 0.72 THEN			-- move an org (the cycle guard may refuse)
			x_id := ap_fuzz.pick(ARRAY(SELECT o.id FROM access_policy.orgs o ORDER BY o.id));
			x_parent := ap_fuzz.pick(ARRAY(SELECT o.id FROM access_policy.orgs o ORDER BY o.id));
			IF random() < 0.1 THEN
				x_parent := NULL;
			END IF;
			UPDATE access_policy.orgs SET parent_id = x_parent WHERE id = x_id;
			RETURN 'move org';
		ELSIF r < 0.75 THEN			-- a new org (a signup, or a team below an org), often with its key
			x_parent := ap_fuzz.pick(ARRAY(SELECT o.id FROM access_policy.orgs o ORDER BY o.id));
			IF random() < 0.2 THEN
				x_parent := NULL;
			END IF;
			IF ap_fuzz.key_type('org') IS NOT NULL AND random() < 0.6 THEN
				x_id := nextval(pg_get_serial_sequence('access_policy.orgs', 'id'));
				PERFORM ap_fuzz.as_system();
				PERFORM access_policy.create_org('writer org', x_parent, x_id, ap_fuzz.key_of('org', x_id, ap_fuzz.rint(0, 15)));
				RETURN 'create org with key';
			END IF;
			INSERT INTO access_policy.orgs (name, parent_id) VALUES ('writer org', x_parent);
			RETURN 'create org';
		ELSIF r < 0.77 THEN			-- an org without children goes (rows pointing at it may refuse)
			x_id := ap_fuzz.pick(ARRAY(SELECT o.id FROM access_policy.orgs o
										WHERE NOT EXISTS (SELECT 1 FROM access_policy.orgs c WHERE c.parent_id = o.id)
										ORDER BY o.id));
			DELETE FROM access_policy.orgs WHERE id = x_id;
			RETURN 'delete org';
		ELSIF r < 0.85 THEN			-- a resource grant
			PERFORM ap_fuzz.add_grant();
			RETURN 'grant resource';
		ELSIF r < 0.92 THEN			-- a grant ends
			DELETE FROM access_policy.resource_grants
			 WHERE id = ap_fuzz.pick(ARRAY(SELECT g.id FROM access_policy.resource_grants g ORDER BY g.id));
			RETURN 'revoke resource';
		ELSE						-- a grant expires now or within seconds
			UPDATE access_policy.resource_grants
			   SET expires_at = clock_timestamp() + random() * interval '3 seconds', valid_from = '-infinity'
			 WHERE id = ap_fuzz.pick(ARRAY(SELECT g.id FROM access_policy.resource_grants g ORDER BY g.id));
			RETURN 'expire resource';
		END IF;
	EXCEPTION WHEN OTHERS THEN
		RETURN 'refused: ' || SQLSTATE;
	END;
END;
$$;

-- writer: a concurrent writer's loop, one committed change per transaction,
-- each behind the barrier; it returns when ap_fuzz.control says stop or the
-- checker's session has ended
CREATE PROCEDURE ap_fuzz.writer(max_steps int DEFAULT 1000000)
LANGUAGE plpgsql
AS $$
DECLARE
	i int;
	what text;
BEGIN
	FOR i IN 1 .. max_steps LOOP
		PERFORM pg_advisory_xact_lock_shared(ap_fuzz.barrier_key());
		EXIT WHEN (SELECT c.stop OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = c.checker)
					 FROM ap_fuzz.control c);
		what := ap_fuzz.concurrent_step();
		INSERT INTO ap_fuzz.concurrent_log (what) VALUES (what);
		COMMIT;
	END LOOP;
END;
$$;

-- conn_value: a value quoted for a libpq connection string
CREATE FUNCTION ap_fuzz.conn_value(v text) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$ SELECT '''' || replace(replace(v, '\', '\\'), '''', '\''') || '''' $$;

-- mutate_elsewhere: mutate() (or mutate_user() for uid, or key_changes() of
-- the checks of the phase before) committed by another
-- session (through dblink, when it is installed and can connect back), so
-- that this backend must see a change it did not make at its next statement;
-- else the same change here.  The random sequence is the same either way.
CREATE FUNCTION ap_fuzz.mutate_elsewhere(w int, ph int, uid text DEFAULT NULL, keys_only boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	seed1 double precision := random() * 2 - 1;
	seed2 double precision := random() * 2 - 1;
	nsp text;
	sockdir text := btrim(split_part(current_setting('unix_socket_directories'), ',', 1));
	conn text;
	change text := CASE WHEN keys_only THEN format('ap_fuzz.key_changes(%s, %s)', w, ph - 1)
						WHEN uid IS NULL THEN format('ap_fuzz.mutate(%s, %s)', w, ph)
						ELSE format('ap_fuzz.mutate_user(%s, %s, %L)', w, ph, uid) END;
BEGIN
	SELECT n.nspname INTO nsp
	  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
	 WHERE e.extname = 'dblink';
	IF nsp IS NOT NULL THEN
		conn := format('dbname=%s user=%s port=%s', ap_fuzz.conn_value(current_database()),
					   ap_fuzz.conn_value(current_user), current_setting('port'));
		IF sockdir <> '' THEN
			conn := conn || ' host=' || ap_fuzz.conn_value(sockdir);
		END IF;
		BEGIN
			EXECUTE format('SELECT %I.dblink_exec($1, $2)', nsp)
			  USING conn, format('DO $do$BEGIN PERFORM setseed(%s); PERFORM %s; END$do$', seed1, change);
		EXCEPTION WHEN OTHERS THEN
			RAISE NOTICE 'world %: changing from another session failed (%), changing here', w, SQLERRM;
			nsp := NULL;
		END;
	END IF;
	IF nsp IS NULL THEN
		PERFORM setseed(seed1);
		EXECUTE 'SELECT ' || change;
	END IF;
	UPDATE ap_fuzz.worlds SET remote = (nsp IS NOT NULL) WHERE world = w;
	PERFORM setseed(seed2);
END;
$$;

------------------------------------------------------------------------------
-- Checks
------------------------------------------------------------------------------

-- arg_id: an id aimed at the user (biased), any, deep in a tree, unknown or NULL
CREATE FUNCTION ap_fuzz.arg_id(biased bigint[], any_ids bigint[], deep bigint[], bad bigint[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	rnd double precision := random();
BEGIN
	RETURN CASE WHEN rnd < 0.45 AND cardinality(biased) > 0 THEN ap_fuzz.pick(biased)
				WHEN rnd < 0.83 THEN ap_fuzz.pick(any_ids)
				WHEN rnd < 0.90 AND cardinality(deep) > 0 THEN ap_fuzz.pick(deep)
				WHEN rnd < 0.965 THEN ap_fuzz.pick(bad)
				ELSE NULL END;
END;
$$;

-- arg_name: a name the user's roles carry (biased), any registered one, or NULL
CREATE FUNCTION ap_fuzz.arg_name(biased text[], any_names text[]) RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	rnd double precision := random();
BEGIN
	RETURN CASE WHEN rnd < 0.55 AND cardinality(biased) > 0 THEN ap_fuzz.pick(biased)
				WHEN rnd < 0.975 THEN ap_fuzz.pick(any_names)
				ELSE NULL END;
END;
$$;

-- whos: the identities checked in world w: u1..uN, the canary, a user that
-- does not exist and no user (NULL)
CREATE FUNCTION ap_fuzz.whos(w int) RETURNS text[]
LANGUAGE sql STABLE
AS $$
	SELECT ARRAY(SELECT 'u' || g FROM generate_series(1, p.n_users) g) || ARRAY['canary', 'ghost', NULL]
	  FROM ap_fuzz.plan p WHERE p.world = w
$$;

-- gen_checks: k random checks per user (fewer for the identities that hold
-- nothing) for phase ph; with interleave, k argument sets each checked for
-- every identity in turn; with only_who, checks for that user only
CREATE FUNCTION ap_fuzz.gen_checks(w int, ph int, k int, interleave boolean DEFAULT false,
								   only_who text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	all_orgs bigint[];
	deep_orgs bigint[];
	bad_orgs bigint[];
	all_res bigint[];
	top_res bigint[];
	deep_res bigint[];
	bad_res bigint[];
	perms text[];
	actions text[];
	x_whos text[] := CASE WHEN only_who IS NULL THEN ap_fuzz.whos(w) ELSE ARRAY[only_who] END;
	x_who text;
	aim text;
	reach_orgs bigint[];
	reach_res bigint[];
	reach_top bigint[];
	who_perms text[];
	n int;
	i int;
	j int;
	rnd double precision;
	x_fn text;
	x_org bigint;
	x_res bigint;
	x_name text;
	lo bigint;
	hi bigint;
	pl ap_fuzz.plan;
	x_twin boolean;
	x_okey text;
	x_oktype text;
	x_rkey text;
	x_rktype text;
BEGIN
	SELECT * INTO pl FROM ap_fuzz.plan p WHERE p.world = w;
	PERFORM ap_fuzz.refresh_closure();
	n := COALESCE((SELECT max(c.id) FROM ap_fuzz.checks c WHERE c.world = w AND c.phase = ph), 0);
	all_orgs := ARRAY(SELECT o.id FROM access_policy.orgs o ORDER BY o.id);
	deep_orgs := ARRAY(SELECT c.org FROM ap_fuzz.org_closure c GROUP BY c.org HAVING count(*) > 40 ORDER BY c.org);
	all_res := ARRAY(SELECT r.id FROM access_policy.resources r ORDER BY r.id);
	top_res := ARRAY(SELECT r.id FROM access_policy.resources r WHERE r.parent_id IS NULL ORDER BY r.id);
	deep_res := ARRAY(SELECT c.res FROM ap_fuzz.res_closure c GROUP BY c.res HAVING count(*) > 4 ORDER BY c.res);
	perms := ARRAY(SELECT p.name FROM access_policy.permissions p ORDER BY p.name);
	actions := ARRAY(SELECT DISTINCT ka.action FROM access_policy.kind_actions ka ORDER BY 1);
	-- unknown ids: extremes, just past the end, ids of earlier worlds and deleted ones
	SELECT min(o.id), max(o.id) INTO lo, hi FROM access_policy.orgs o;
	bad_orgs := ARRAY[0, -1, hi + 1, hi + 1000, 9223372036854775807, -9223372036854775808]::bigint[]
		|| ap_fuzz.sample(ARRAY(SELECT g FROM generate_series(greatest(1, lo - 300), hi) g
								 WHERE NOT EXISTS (SELECT 1 FROM access_policy.orgs o WHERE o.id = g)
								 ORDER BY g), 8);
	SELECT COALESCE(min(r.id), 1), COALESCE(max(r.id), 1) INTO lo, hi FROM access_policy.resources r;
	bad_res := ARRAY[0, -1, hi + 1, hi + 1000, 9223372036854775807, -9223372036854775808]::bigint[]
		|| ap_fuzz.sample(ARRAY(SELECT g FROM generate_series(greatest(1, lo - 300), hi) g
								 WHERE NOT EXISTS (SELECT 1 FROM access_policy.resources r WHERE r.id = g)
								 ORDER BY g), 8);

	FOR i IN 1 .. CASE WHEN interleave THEN k ELSE cardinality(x_whos) END LOOP
		x_who := x_whos[i];
		-- whom the arguments aim at
		aim := CASE WHEN interleave THEN 'u' || ap_fuzz.rint(1, cardinality(x_whos) - 3) ELSE x_who END;
		reach_orgs := ARRAY(SELECT DISTINCT c.org FROM ap_fuzz.org_closure c
							  JOIN access_policy.assignments a ON a.org_id = c.anc
							 WHERE a.user_id = aim ORDER BY 1);
		reach_res := ARRAY(SELECT r.id FROM access_policy.resources r WHERE r.org_id = ANY (reach_orgs)
						   UNION
						   SELECT c.res FROM ap_fuzz.res_closure c
							 JOIN access_policy.resource_grants g ON g.resource_id = c.anc
							WHERE g.authorized_org_id = ANY (reach_orgs)
						   ORDER BY 1);
		reach_top := ARRAY(SELECT x FROM unnest(reach_res) x WHERE x = ANY (top_res) ORDER BY 1);
		who_perms := ARRAY(SELECT DISTINCT rp.permission FROM access_policy.assignments a
							 JOIN access_policy.role_permissions rp ON rp.role_id = a.role_id
							WHERE a.user_id = aim ORDER BY 1);

		FOR j IN 1 .. CASE WHEN interleave THEN 1
						   WHEN x_who LIKE 'u%' THEN k
						   ELSE greatest(5, k / 5) END LOOP
			rnd := random();
			x_fn := CASE WHEN rnd < 0.26 THEN 'can'
						 WHEN rnd < 0.48 THEN 'can_resource'
						 WHEN rnd < 0.62 THEN 'can_action'
						 WHEN rnd < 0.72 THEN 'can_row'
						 WHEN rnd < 0.80 THEN 'orgs_with'
						 WHEN rnd < 0.90 THEN 'resources_with'
						 ELSE 'resources_allowing' END;
			x_org := NULL;
			x_res := NULL;
			IF x_fn = 'can' THEN
				x_org := ap_fuzz.arg_id(reach_orgs, all_orgs, deep_orgs, bad_orgs);
			ELSIF x_fn IN ('can_resource', 'can_action') THEN
				x_res := ap_fuzz.arg_id(reach_res, all_res, deep_res, bad_res);
			ELSIF x_fn = 'can_row' THEN
				x_res := ap_fuzz.arg_id(reach_res, all_res, deep_res, bad_res);
				rnd := random();
				IF rnd < 0.7 THEN
					x_org := COALESCE((SELECT rr.org_id FROM access_policy.resources rr WHERE rr.id = x_res),
									  ap_fuzz.pick(all_orgs));
				ELSIF rnd < 0.95 THEN
					x_org := ap_fuzz.arg_id(reach_orgs, all_orgs, deep_orgs, bad_orgs);
				END IF;
				IF random() < 0.15 THEN
					x_res := NULL;
				END IF;
			ELSIF x_fn IN ('resources_with', 'resources_allowing') THEN
				x_res := CASE WHEN random() < 0.5 THEN ap_fuzz.arg_id(reach_top, top_res, deep_res, bad_res)
							  ELSE ap_fuzz.arg_id(reach_res, all_res, deep_res, bad_res) END;
			END IF;
			x_name := CASE WHEN x_fn IN ('can_action', 'resources_allowing') THEN ap_fuzz.arg_name('{}', actions)
						   ELSE ap_fuzz.arg_name(who_perms, perms) END;

			-- the twin by key, where the kinds of the check have keys
			x_twin := CASE WHEN x_fn IN ('can', 'orgs_with') THEN pl.org_arg_type IS NOT NULL
						   WHEN x_fn = 'can_row' THEN pl.org_arg_type IS NOT NULL
													  AND (x_res IS NULL OR pl.res_arg_type IS NOT NULL)
						   ELSE pl.res_arg_type IS NOT NULL END;
			x_okey := NULL;
			x_oktype := COALESCE(pl.org_arg_type, 'text');
			x_rkey := NULL;
			x_rktype := COALESCE(pl.res_arg_type, 'text');
			IF x_twin THEN
				IF x_fn IN ('can', 'can_row') THEN
					SELECT ka.k, ka.kt INTO x_okey, x_oktype FROM ap_fuzz.key_arg('org', x_org, pl.org_arg_type) ka;
				ELSIF x_fn = 'orgs_with' AND random() < 0.3 THEN
					x_oktype := 'text';		-- org_keys_with(name): text[]
				END IF;
				IF x_fn NOT IN ('can', 'orgs_with') AND x_res IS NOT NULL THEN
					SELECT ka.k, ka.kt INTO x_rkey, x_rktype FROM ap_fuzz.key_arg('resource', x_res, pl.res_arg_type) ka;
				END IF;
			END IF;

			IF interleave THEN
				INSERT INTO ap_fuzz.checks (world, phase, id, who, fn, org, res, name, twin, okey, oktype, rkey, rktype)
				SELECT w, ph, n + t.ord, t.who, x_fn, x_org, x_res, x_name, x_twin, x_okey, x_oktype, x_rkey, x_rktype
				  FROM unnest(x_whos) WITH ORDINALITY AS t (who, ord);
				n := n + cardinality(x_whos);
			ELSE
				n := n + 1;
				INSERT INTO ap_fuzz.checks (world, phase, id, who, fn, org, res, name, twin, okey, oktype, rkey, rktype)
				VALUES (w, ph, n, x_who, x_fn, x_org, x_res, x_name, x_twin, x_okey, x_oktype, x_rkey, x_rktype);
			END IF;
		END LOOP;
	END LOOP;
END;
$$;

-- compare_sql: the statement that evaluates one identity's checks of a phase
-- on both sides, in one statement (one statement_timestamp()); the twin by
-- key of a check in the same row, its key arguments cast to the world's
-- types (or passed as text), its reference derived from the reference by id
-- of the row (ref_twin), which is computed once (OFFSET 0 keeps the
-- subquery from being pulled up and evaluated twice)
CREATE FUNCTION ap_fuzz.compare_sql(w int, ph int, x_who text) RETURNS text
LANGUAGE sql STABLE
AS $$
SELECT format($f$
INSERT INTO ap_fuzz.results (world, phase, id, engine, reference, engine_key, reference_key, at)
SELECT c.world, c.phase, c.id,
	   CASE c.fn
		   WHEN 'can' THEN access_policy.can(c.org, c.name)::text
		   WHEN 'can_resource' THEN access_policy.can_resource(c.res, c.name)::text
		   WHEN 'can_action' THEN access_policy.can_action(c.res, c.name)::text
		   WHEN 'can_row' THEN access_policy.can_row(c.org, c.res, c.name)::text
		   WHEN 'orgs_with' THEN access_policy.orgs_with(c.name)::text
		   WHEN 'resources_with' THEN access_policy.resources_with(c.res, c.name)::text
		   WHEN 'resources_allowing' THEN access_policy.resources_allowing(c.res, c.name)::text
	   END,
	   x.reference,
	   CASE WHEN c.twin THEN CASE c.fn
		   WHEN 'can' THEN CASE WHEN c.oktype = 'text' THEN access_policy.can_key(c.okey, c.name)
								ELSE access_policy.can_key(c.okey::%4$s, c.name) END::text
		   WHEN 'can_resource' THEN CASE WHEN c.rktype = 'text' THEN access_policy.can_resource_key(c.rkey, c.name)
										 ELSE access_policy.can_resource_key(c.rkey::%5$s, c.name) END::text
		   WHEN 'can_action' THEN CASE WHEN c.rktype = 'text' THEN access_policy.can_action_key(c.rkey, c.name)
									   ELSE access_policy.can_action_key(c.rkey::%5$s, c.name) END::text
		   WHEN 'can_row' THEN CASE WHEN c.oktype = 'text' AND c.rktype = 'text' THEN access_policy.can_row_key(c.okey, c.rkey, c.name)
									WHEN c.oktype = 'text' THEN access_policy.can_row_key(c.okey, c.rkey::%5$s, c.name)
									WHEN c.rktype = 'text' THEN access_policy.can_row_key(c.okey::%4$s, c.rkey, c.name)
									ELSE access_policy.can_row_key(c.okey::%4$s, c.rkey::%5$s, c.name) END::text
		   WHEN 'orgs_with' THEN ap_fuzz.key_set(CASE WHEN c.oktype = 'text' THEN access_policy.org_keys_with(c.name)
									  ELSE access_policy.org_keys_with(c.name, NULL::%4$s)::text[] END::text)
		   WHEN 'resources_with' THEN ap_fuzz.key_set(CASE WHEN c.rktype = 'text' THEN access_policy.resource_keys_with(c.rkey, c.name)
										   ELSE access_policy.resource_keys_with(c.rkey::%5$s, c.name)::text[] END::text)
		   WHEN 'resources_allowing' THEN ap_fuzz.key_set(CASE WHEN c.rktype = 'text' THEN access_policy.resource_keys_allowing(c.rkey, c.name)
											   ELSE access_policy.resource_keys_allowing(c.rkey::%5$s, c.name)::text[] END::text)
	   END END,
	   CASE WHEN c.twin THEN ap_fuzz.ref_twin(c, x.reference, statement_timestamp()) END,
	   statement_timestamp()
  FROM ap_fuzz.checks c,
	   LATERAL (SELECT CASE c.fn
		   WHEN 'can' THEN ap_ref.can(c.who, c.org, c.name, statement_timestamp())::text
		   WHEN 'can_resource' THEN ap_ref.can_resource(c.who, c.res, c.name, statement_timestamp())::text
		   WHEN 'can_action' THEN ap_ref.can_action(c.who, c.res, c.name, statement_timestamp())::text
		   WHEN 'can_row' THEN ap_ref.can_row(c.who, c.org, c.res, c.name, statement_timestamp())::text
		   WHEN 'orgs_with' THEN ap_ref.orgs_with(c.who, c.name, statement_timestamp())::text
		   WHEN 'resources_with' THEN ap_ref.resources_with(c.who, c.res, c.name, statement_timestamp())::text
		   WHEN 'resources_allowing' THEN ap_ref.resources_allowing(c.who, c.res, c.name, statement_timestamp())::text
	   END AS reference OFFSET 0) x
 WHERE c.world = %1$s AND c.phase = %2$s AND c.who IS NOT DISTINCT FROM %3$L
$f$, w, ph, x_who, COALESCE(p.org_arg_type, 'text'), COALESCE(p.res_arg_type, 'text'))
  FROM ap_fuzz.plan p
 WHERE p.world = w
$$;

-- warm: run the engine over a phase's checks for the current identity and
-- throw the answers away (to fill its cache before a rollback); then have it
-- look up every key as this transaction sees it (can_key of each org's
-- key, can_resource_key of each resource's, org_keys_with), so that keys
-- set, changed or removed by the changes about to be rolled back are in its
-- maps of keys
CREATE FUNCTION ap_fuzz.warm(w int, ph int, x_who text) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	c ap_fuzz.checks;
	x_perm text;
BEGIN
	FOR c IN SELECT * FROM ap_fuzz.checks ch WHERE ch.world = w AND ch.phase = ph
						 AND ch.who IS NOT DISTINCT FROM x_who ORDER BY ch.id LOOP
		PERFORM ap_fuzz.eval_engine(c.fn, c.org, c.res, c.name);
		IF c.twin THEN
			PERFORM ap_fuzz.eval_engine_key(c);
		END IF;
	END LOOP;
	x_perm := (SELECT min(ch.name) FROM ap_fuzz.checks ch
				WHERE ch.world = w AND ch.phase = ph AND ch.who IS NOT DISTINCT FROM x_who
				  AND ch.fn IN ('can', 'can_resource', 'can_row', 'orgs_with', 'resources_with'));
	IF x_perm IS NOT NULL AND ap_fuzz.key_type('org') IS NOT NULL THEN
		PERFORM count(*) FROM access_policy.orgs o WHERE access_policy.can_key(o.key, x_perm);
		PERFORM access_policy.org_keys_with(x_perm);
	END IF;
	IF x_perm IS NOT NULL AND ap_fuzz.key_type('resource') IS NOT NULL THEN
		PERFORM count(*) FROM access_policy.resources x WHERE access_policy.can_resource_key(x.key, x_perm);
	END IF;
END;
$$;

-- eval_engine: one check of the C engine as text; an error as its SQLSTATE and message
CREATE FUNCTION ap_fuzz.eval_engine(x_fn text, x_org bigint, x_res bigint, x_name text) RETURNS text
LANGUAGE plpgsql
AS $$
BEGIN
	RETURN CASE x_fn
			   WHEN 'can' THEN access_policy.can(x_org, x_name)::text
			   WHEN 'can_resource' THEN access_policy.can_resource(x_res, x_name)::text
			   WHEN 'can_action' THEN access_policy.can_action(x_res, x_name)::text
			   WHEN 'can_row' THEN access_policy.can_row(x_org, x_res, x_name)::text
			   WHEN 'orgs_with' THEN access_policy.orgs_with(x_name)::text
			   WHEN 'resources_with' THEN access_policy.resources_with(x_res, x_name)::text
			   WHEN 'resources_allowing' THEN access_policy.resources_allowing(x_res, x_name)::text
		   END;
EXCEPTION WHEN OTHERS THEN
	-- past 63 characters only the SQLSTATE is compared (the engine shortens the name)
	RETURN 'ERROR ' || SQLSTATE || CASE WHEN length(x_name) < 64 THEN ': ' || SQLERRM ELSE '' END;
END;
$$;

-- eval_ref: the same check in the reference model, at time at
CREATE FUNCTION ap_fuzz.eval_ref(x_who text, x_fn text, x_org bigint, x_res bigint, x_name text, at timestamptz)
RETURNS text
LANGUAGE plpgsql
AS $$
BEGIN
	RETURN CASE x_fn
			   WHEN 'can' THEN ap_ref.can(x_who, x_org, x_name, at)::text
			   WHEN 'can_resource' THEN ap_ref.can_resource(x_who, x_res, x_name, at)::text
			   WHEN 'can_action' THEN ap_ref.can_action(x_who, x_res, x_name, at)::text
			   WHEN 'can_row' THEN ap_ref.can_row(x_who, x_org, x_res, x_name, at)::text
			   WHEN 'orgs_with' THEN ap_ref.orgs_with(x_who, x_name, at)::text
			   WHEN 'resources_with' THEN ap_ref.resources_with(x_who, x_res, x_name, at)::text
			   WHEN 'resources_allowing' THEN ap_ref.resources_allowing(x_who, x_res, x_name, at)::text
		   END;
EXCEPTION WHEN OTHERS THEN
	RETURN 'ERROR ' || SQLSTATE || CASE WHEN length(x_name) < 64 THEN ': ' || SQLERRM ELSE '' END;
END;
$$;

/*
 * The reference by key: a key argument is resolved in the tables (orgs.key,
 * resources.key) as the engine must resolve it: NULL arguments answer first,
 * then an unknown permission (42704, as by id), then a kind without a key
 * type (55000), an argument of a type keys of the kind cannot have (42804),
 * text that is no value of the key type (its input function's error), and a
 * key no row has answers false (lists: '{}').  The checks by id of ap_ref
 * then answer for the ids found.  Where two errors are possible, the order
 * is the engine's; where by id an error is certain, it is by key too (an
 * unknown action is an error whatever the resource and the user).
 */

-- key_set: a list of keys (as the text of an array) sorted, duplicates
-- kept: the lists by key promise no order (resource_keys_with() answers in
-- the order it walks the tree); anything else as it is
CREATE FUNCTION ap_fuzz.key_set(a text) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
	SELECT CASE WHEN a LIKE '{%' THEN ARRAY(SELECT k FROM unnest(a::text[]) k ORDER BY k COLLATE "C")::text ELSE a END
$$;

-- ref_check_type: may a value of argtype be a key of kind?
CREATE FUNCTION ap_fuzz.ref_check_type(kind text, argtype text) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	t text := ap_fuzz.key_type(kind);
BEGIN
	IF t IS NULL THEN
		RAISE EXCEPTION 'no % key type is configured', kind USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF argtype IN ('text', 'varchar') OR argtype = t
	   OR (argtype IN ('smallint', 'integer', 'bigint') AND t IN ('integer', 'bigint')) THEN
		RETURN t;
	END IF;
	RAISE EXCEPTION '% keys are of type %, not %', kind, t, format_type(argtype::regtype, NULL)
		USING ERRCODE = 'datatype_mismatch';
END;
$$;

-- ref_canonical: the canonical key a key argument (k passed as argtype)
-- names; NULL when no key can be that value (an integer out of the range of
-- integer keys)
CREATE FUNCTION ap_fuzz.ref_canonical(kind text, k text, argtype text) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	t text := ap_fuzz.ref_check_type(kind, argtype);
BEGIN
	IF argtype IN ('text', 'varchar') THEN
		RETURN CASE t WHEN 'uuid' THEN k::uuid::text
					  WHEN 'integer' THEN k::integer::text
					  WHEN 'bigint' THEN k::bigint::text
					  ELSE k END;
	ELSIF t = 'uuid' THEN
		RETURN k::uuid::text;
	ELSIF t = 'integer' AND k::bigint NOT BETWEEN -2147483648 AND 2147483647 THEN
		RETURN NULL;
	END IF;
	RETURN k::bigint::text;
END;
$$;

-- ref_org_of, ref_res_of: the org or resource a key argument names, NULL if none
CREATE FUNCTION ap_fuzz.ref_org_of(k text, argtype text) RETURNS bigint
LANGUAGE sql STABLE
AS $$ SELECT o.id FROM access_policy.orgs o WHERE o.key = ap_fuzz.ref_canonical('org', k, argtype) $$;

CREATE FUNCTION ap_fuzz.ref_res_of(k text, argtype text) RETURNS bigint
LANGUAGE sql STABLE
AS $$ SELECT x.id FROM access_policy.resources x WHERE x.key = ap_fuzz.ref_canonical('resource', k, argtype) $$;

-- ref_keys: the keys of a list of ids (ids without a key left out) as the
-- text of an array of elemtype, sorted as key_set() sorts (an integer array
-- cannot hold bigint keys: the cast fails as the engine's array does)
CREATE FUNCTION ap_fuzz.ref_keys(kind text, ids bigint[], elemtype text) RETURNS text
LANGUAGE sql STABLE
AS $$
	SELECT ARRAY(SELECT CASE elemtype WHEN 'integer' THEN k.key::integer::text
									  WHEN 'bigint' THEN k.key::bigint::text
									  WHEN 'smallint' THEN k.key::smallint::text
									  ELSE k.key END
				   FROM unnest(ids) WITH ORDINALITY AS u (id, i),
						LATERAL (SELECT o.key FROM access_policy.orgs o WHERE ref_keys.kind = 'org' AND o.id = u.id
								 UNION ALL
								 SELECT x.key FROM access_policy.resources x
								  WHERE ref_keys.kind = 'resource' AND x.id = u.id) k
				  WHERE k.key IS NOT NULL
				  ORDER BY k.key COLLATE "C")::text
$$;

-- ref_key_check: the reference of the twin by key of a check (fn is the
-- function by id), at time at
CREATE FUNCTION ap_fuzz.ref_key_check(uid text, fn text, okey text, oktype text, rkey text, rktype text,
									  x_name text, at timestamptz) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	org bigint;
	res bigint;
BEGIN
	CASE fn
		WHEN 'can' THEN
			IF okey IS NULL OR x_name IS NULL THEN
				RETURN 'false';
			END IF;
			PERFORM ap_ref._require_permission(x_name);
			org := ap_fuzz.ref_org_of(okey, oktype);
			RETURN COALESCE(ap_ref.can(uid, org, x_name, at), false)::text;
		WHEN 'can_resource' THEN
			IF rkey IS NULL OR x_name IS NULL THEN
				RETURN 'false';
			END IF;
			PERFORM ap_ref._require_permission(x_name);
			res := ap_fuzz.ref_res_of(rkey, rktype);
			RETURN COALESCE(ap_ref.can_resource(uid, res, x_name, at), false)::text;
		WHEN 'can_action' THEN
			IF rkey IS NULL OR x_name IS NULL THEN
				RETURN 'false';
			END IF;
			PERFORM ap_ref._require_action(x_name);
			res := ap_fuzz.ref_res_of(rkey, rktype);
			RETURN COALESCE(ap_ref.can_action(uid, res, x_name, at), false)::text;
		WHEN 'can_row' THEN
			IF okey IS NULL OR x_name IS NULL THEN
				RETURN 'false';
			END IF;
			PERFORM ap_ref._require_permission(x_name);
			org := ap_fuzz.ref_org_of(okey, oktype);
			IF org IS NULL THEN
				RETURN 'false';
			ELSIF rkey IS NULL THEN
				RETURN ap_ref.can(uid, org, x_name, at)::text;
			END IF;
			res := ap_fuzz.ref_res_of(rkey, rktype);
			IF res IS NULL THEN
				RETURN 'false';
			END IF;
			RETURN ap_ref.can_row(uid, org, res, x_name, at)::text;
		WHEN 'orgs_with' THEN
			IF x_name IS NULL THEN
				RETURN '{}';
			END IF;
			PERFORM ap_fuzz.ref_check_type('org', oktype);
			RETURN ap_fuzz.ref_keys('org', ap_ref.orgs_with(uid, x_name, at), oktype);
		ELSE						-- resources_with, resources_allowing
			IF rkey IS NULL OR x_name IS NULL THEN
				RETURN '{}';
			END IF;
			res := ap_fuzz.ref_res_of(rkey, rktype);
			IF res IS NULL THEN
				IF fn = 'resources_with' THEN
					PERFORM ap_ref._require_permission(x_name);
				ELSE
					PERFORM ap_ref._require_action(x_name);
				END IF;
				RETURN '{}';
			END IF;
			RETURN ap_fuzz.ref_keys('resource',
									CASE fn WHEN 'resources_with' THEN ap_ref.resources_with(uid, res, x_name, at)
											ELSE ap_ref.resources_allowing(uid, res, x_name, at) END,
									rktype);
	END CASE;
END;
$$;

-- ref_twin: the reference of a check's twin by key in a comparison, given
-- the reference answer of the check by id in the same statement: when the
-- keys name the check's ids, that answer (the list mapped to keys), else
-- ref_key_check (a key changed since the check was made, or an unknown key)
CREATE FUNCTION ap_fuzz.ref_twin(c ap_fuzz.checks, by_id text, at timestamptz) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	IF c.name IS NOT NULL AND by_id NOT LIKE 'ERROR%' THEN
		IF c.fn IN ('can', 'can_row') AND c.okey IS NOT NULL
		   AND ap_fuzz.ref_org_of(c.okey, c.oktype) IS NOT DISTINCT FROM c.org
		   AND (c.fn = 'can' OR (c.rkey IS NULL AND c.res IS NULL)
				OR ap_fuzz.ref_res_of(c.rkey, c.rktype) IS NOT DISTINCT FROM c.res) THEN
			RETURN by_id;
		ELSIF c.fn IN ('can_resource', 'can_action') AND c.rkey IS NOT NULL
			  AND ap_fuzz.ref_res_of(c.rkey, c.rktype) IS NOT DISTINCT FROM c.res THEN
			RETURN by_id;
		ELSIF c.fn = 'orgs_with' THEN
			PERFORM ap_fuzz.ref_check_type('org', c.oktype);
			RETURN ap_fuzz.ref_keys('org', by_id::bigint[], c.oktype);
		ELSIF c.fn IN ('resources_with', 'resources_allowing') AND c.rkey IS NOT NULL
			  AND ap_fuzz.ref_res_of(c.rkey, c.rktype) IS NOT DISTINCT FROM c.res THEN
			RETURN ap_fuzz.ref_keys('resource', by_id::bigint[], c.rktype);
		END IF;
	END IF;
	RETURN ap_fuzz.ref_key_check(c.who, c.fn, c.okey, c.oktype, c.rkey, c.rktype, c.name, at);
END;
$$;

-- eval_engine_key: the twin by key of a check in the C engine as text (the
-- keys cast to their types here, a new call site each time); an error as
-- its SQLSTATE and message
CREATE FUNCTION ap_fuzz.eval_engine_key(c ap_fuzz.checks) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
	x text;
BEGIN
	EXECUTE CASE c.fn
				WHEN 'can' THEN format('SELECT access_policy.can_key($1::%s, $3)::text', c.oktype)
				WHEN 'can_resource' THEN format('SELECT access_policy.can_resource_key($2::%s, $3)::text', c.rktype)
				WHEN 'can_action' THEN format('SELECT access_policy.can_action_key($2::%s, $3)::text', c.rktype)
				WHEN 'can_row' THEN format('SELECT access_policy.can_row_key($1::%s, $2::%s, $3)::text', c.oktype, c.rktype)
				WHEN 'orgs_with' THEN format('SELECT access_policy.org_keys_with($3, NULL::%s)::text[]::text', c.oktype)
				WHEN 'resources_with' THEN format('SELECT access_policy.resource_keys_with($2::%s, $3)::text[]::text', c.rktype)
				WHEN 'resources_allowing' THEN format('SELECT access_policy.resource_keys_allowing($2::%s, $3)::text[]::text', c.rktype)
			END
	   INTO x USING c.okey, c.rkey, c.name;
	RETURN ap_fuzz.key_set(x);
EXCEPTION WHEN OTHERS THEN
	RETURN 'ERROR ' || SQLSTATE || CASE WHEN length(c.name) < 64 THEN ': ' || SQLERRM ELSE '' END;
END;
$$;

-- eval_ref_key: ref_key_check of a check's twin; an error as its SQLSTATE and message
CREATE FUNCTION ap_fuzz.eval_ref_key(c ap_fuzz.checks, at timestamptz) RETURNS text
LANGUAGE plpgsql
AS $$
BEGIN
	RETURN ap_fuzz.ref_key_check(c.who, c.fn, c.okey, c.oktype, c.rkey, c.rktype, c.name, at);
EXCEPTION WHEN OTHERS THEN
	RETURN 'ERROR ' || SQLSTATE || CASE WHEN length(c.name) < 64 THEN ': ' || SQLERRM ELSE '' END;
END;
$$;

-- interleaved: phase 6, all in one statement: validity boundaries moved to
-- exactly now, random, aimed and erroneous checks, each evaluated for every
-- identity in turn
CREATE FUNCTION ap_fuzz.interleaved(w int, ph int, k int) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	t timestamptz := statement_timestamp();
	x_whos text[] := ap_fuzz.whos(w);
	n int;
	c ap_fuzz.checks;
	cur text := '<none yet>';
	x_engine text;
	x_ref text;
	x_engine_key text;
	x_ref_key text;
	pl ap_fuzz.plan;
	oat text;
	rat text;
	k_o text;
	k_r text;
	u_o text;
	u_r text;
	a_perm text := (SELECT min(p.name) FROM access_policy.permissions p);
	a_act text := (SELECT min(ka.action) FROM access_policy.kind_actions ka);
BEGIN
	SELECT * INTO pl FROM ap_fuzz.plan p WHERE p.world = w;
	-- boundaries at exactly t: "ends now" is over, "starts now" has begun
	UPDATE access_policy.assignments SET enabled = true, valid_from = '-infinity', expires_at = t
	 WHERE id IN (SELECT unnest(ap_fuzz.sample(ARRAY(SELECT a.id FROM access_policy.assignments a ORDER BY a.id), 8)));
	UPDATE access_policy.assignments SET enabled = true, valid_from = t, expires_at = 'infinity'
	 WHERE id IN (SELECT unnest(ap_fuzz.sample(ARRAY(SELECT a.id FROM access_policy.assignments a
												   WHERE a.expires_at <> t ORDER BY a.id), 8)));
	UPDATE access_policy.resource_grants SET valid_from = '-infinity', expires_at = t
	 WHERE id IN (SELECT unnest(ap_fuzz.sample(ARRAY(SELECT g.id FROM access_policy.resource_grants g ORDER BY g.id), 6)));
	UPDATE access_policy.resource_grants SET valid_from = t, expires_at = 'infinity'
	 WHERE id IN (SELECT unnest(ap_fuzz.sample(ARRAY(SELECT g.id FROM access_policy.resource_grants g
												   WHERE g.expires_at <> t ORDER BY g.id), 6)));
	-- support settings and overrides that end exactly now count as absent
	UPDATE access_policy.support_settings SET expires_at = t
	 WHERE org_id IN (SELECT unnest(ap_fuzz.sample(ARRAY(SELECT x.org_id FROM access_policy.support_settings x
														WHERE x.level <> 'none' ORDER BY 1), 4)));
	UPDATE access_policy.support_overrides SET expires_at = t
	 WHERE org_id IN (SELECT unnest(ap_fuzz.sample(ARRAY(SELECT x.org_id FROM access_policy.support_overrides x
														ORDER BY 1), 2)));

	PERFORM ap_fuzz.gen_checks(w, ph, k, true);
	n := (SELECT max(ch.id) FROM ap_fuzz.checks ch WHERE ch.world = w AND ch.phase = ph);

	-- aimed at the boundaries: the assignment's org and a permission of its role,
	-- the granted resource and a permission of the grant's role
	INSERT INTO ap_fuzz.checks (world, phase, id, who, fn, org, res, name)
	SELECT w, ph, n + row_number() OVER (ORDER BY b.ord, t2.ord), t2.who, b.fn, b.org, b.res, b.name
	  FROM (SELECT row_number() OVER (ORDER BY x.fn, x.org, x.res, x.name) AS ord, x.*
			  FROM (SELECT f.fn, a.org_id AS org, NULL::bigint AS res,
						   (SELECT rp.permission FROM access_policy.role_permissions rp
							 WHERE rp.role_id = a.role_id ORDER BY rp.permission LIMIT 1) AS name
					  FROM access_policy.assignments a, unnest(ARRAY['can', 'orgs_with']) f (fn)
					 WHERE t IN (a.valid_from, a.expires_at)
					UNION ALL
					SELECT f.fn, NULL, g.resource_id,
						   (SELECT rp.permission FROM access_policy.role_permissions rp
							 WHERE rp.role_id = g.role_id ORDER BY rp.permission LIMIT 1)
					  FROM access_policy.resource_grants g, unnest(ARRAY['can_resource', 'resources_with']) f (fn)
					 WHERE t IN (g.valid_from, g.expires_at)) x
			 WHERE x.name IS NOT NULL) b,
		   unnest(x_whos) WITH ORDINALITY AS t2 (who, ord);
	n := (SELECT max(ch.id) FROM ap_fuzz.checks ch WHERE ch.world = w AND ch.phase = ph);

	-- names nobody registered or defined (errors, unless a NULL argument answers first)
	INSERT INTO ap_fuzz.checks (world, phase, id, who, fn, org, res, name)
	SELECT w, ph, n + row_number() OVER (ORDER BY e.ord, t2.ord), t2.who, e.fn, e.org, e.res, e.name
	  FROM (SELECT row_number() OVER () AS ord, x.*
			  FROM (VALUES
					('can', (SELECT min(o.id) FROM access_policy.orgs o), NULL::bigint, 'fz.nope'),
					('can', NULL, NULL, 'fz.nope'),
					('can', -1, NULL, 'Reviews.View'),
					('can', (SELECT max(o.id) FROM access_policy.orgs o), NULL, repeat('fz.long', 12)),
					('can_resource', NULL, (SELECT min(r.id) FROM access_policy.resources r), 'reviews.viewx'),
					('can_resource', NULL, -5, 'no.such'),
					('can_resource', NULL, NULL, 'no.such'),
					('can_action', NULL, (SELECT min(r.id) FROM access_policy.resources r), 'fly'),
					('can_action', NULL, -5, 'fly'),
					('can_action', NULL, NULL, 'fly'),
					('can_action', NULL, (SELECT min(r.id) FROM access_policy.resources r), 'OPEN'),
					('can_row', (SELECT min(o.id) FROM access_policy.orgs o), NULL, 'fz.nope'),
					('can_row', NULL, (SELECT min(r.id) FROM access_policy.resources r), 'fz.nope'),
					('can_row', (SELECT r.org_id FROM access_policy.resources r ORDER BY r.id LIMIT 1),
								(SELECT min(r.id) FROM access_policy.resources r), 'fz.nope'),
					('orgs_with', NULL, NULL, 'fz.nope'),
					('orgs_with', NULL, NULL, NULL),
					('resources_with', NULL, (SELECT min(r.id) FROM access_policy.resources r), 'fz.nope'),
					('resources_with', NULL, -5, 'fz.nope'),
					('resources_with', NULL, NULL, 'fz.nope'),
					('resources_allowing', NULL, (SELECT min(r.id) FROM access_policy.resources r), 'fly'),
					('resources_allowing', NULL, -5, 'fly'),
					('resources_allowing', NULL, NULL, 'fly')) AS x (fn, org, res, name)) e,
		   unnest(x_whos) WITH ORDINALITY AS t2 (who, ord);
	n := (SELECT max(ch.id) FROM ap_fuzz.checks ch WHERE ch.world = w AND ch.phase = ph);

	-- by key: errors (a key of a type the kind's keys cannot have, text that
	-- is no value of the type, a kind without a key type, unknown names, as
	-- by id also with an unknown key or no user), and what answers first
	oat := COALESCE(pl.org_arg_type, 'text');
	rat := COALESCE(pl.res_arg_type, 'text');
	k_o := (SELECT o.key FROM access_policy.orgs o WHERE o.key IS NOT NULL ORDER BY o.id LIMIT 1);
	k_r := (SELECT x.key FROM access_policy.resources x WHERE x.key IS NOT NULL ORDER BY x.id LIMIT 1);
	u_o := COALESCE(ap_fuzz.key_of('org', (SELECT max(o.id) FROM access_policy.orgs o) + 1000, 0), 'no such key');
	u_r := COALESCE(ap_fuzz.key_of('resource', (SELECT max(x.id) FROM access_policy.resources x) + 1000, 0), 'no such key');
	INSERT INTO ap_fuzz.checks (world, phase, id, who, fn, org, res, name, twin, okey, oktype, rkey, rktype)
	SELECT w, ph, n + row_number() OVER (ORDER BY e.ord, t2.ord), t2.who, e.fn, NULL, NULL, e.name,
		   true, e.okey, e.oktype, e.rkey, e.rktype
	  FROM (SELECT row_number() OVER () AS ord, x.*
			  FROM (VALUES
					('can', k_o, oat, NULL, rat, 'fz.nope'),
					('can', u_o, oat, NULL, rat, 'fz.nope'),
					('can', NULL, oat, NULL, rat, 'fz.nope'),
					('can', 'no such key', 'text', NULL, rat, a_perm),
					('can', '99999999999', 'text', NULL, rat, a_perm),
					('can', ' 42 ', 'varchar', NULL, rat, a_perm),
					('can', '42', 'integer', NULL, rat, a_perm),
					('can', '42', 'smallint', NULL, rat, a_perm),
					('can', md5('fz')::uuid::text, 'uuid', NULL, rat, a_perm),
					('can', '2024-01-01', 'date', NULL, rat, a_perm),
					('can_resource', NULL, oat, k_r, rat, 'fz.nope'),
					('can_resource', NULL, oat, u_r, rat, 'fz.nope'),
					('can_resource', NULL, oat, 'no such key', 'text', a_perm),
					('can_resource', NULL, oat, '42', 'integer', a_perm),
					('can_resource', NULL, oat, md5('fz')::uuid::text, 'uuid', a_perm),
					('can_action', NULL, oat, k_r, rat, 'fly'),
					('can_action', NULL, oat, u_r, rat, 'fly'),
					('can_action', NULL, oat, NULL, rat, 'fly'),
					('can_action', NULL, oat, 'no such key', 'text', a_act),
					('can_action', NULL, oat, k_r, rat, 'OPEN'),
					('can_row', k_o, oat, 'no such key', 'text', a_perm),
					('can_row', u_o, oat, 'no such key', 'text', a_perm),
					('can_row', k_o, oat, k_r, rat, 'fz.nope'),
					('can_row', 'no such key', 'text', NULL, rat, a_perm),
					('orgs_with', NULL, 'integer', NULL, rat, a_perm),
					('orgs_with', NULL, 'varchar', NULL, rat, a_perm),
					('orgs_with', NULL, 'date', NULL, rat, a_perm),
					('orgs_with', NULL, oat, NULL, rat, 'fz.nope'),
					('orgs_with', NULL, 'date', NULL, rat, NULL),
					('resources_with', NULL, oat, u_r, rat, 'fz.nope'),
					('resources_with', NULL, oat, k_r, rat, 'fz.nope'),
					('resources_with', NULL, oat, 'no such key', 'text', a_perm),
					('resources_with', NULL, oat, '42', 'integer', a_perm),
					('resources_allowing', NULL, oat, u_r, rat, 'fly'),
					('resources_allowing', NULL, oat, k_r, rat, 'fly'),
					('resources_allowing', NULL, oat, NULL, rat, 'fly')) AS x (fn, okey, oktype, rkey, rktype, name)) e,
		   unnest(x_whos) WITH ORDINALITY AS t2 (who, ord);

	FOR c IN SELECT * FROM ap_fuzz.checks ch WHERE ch.world = w AND ch.phase = ph ORDER BY ch.id LOOP
		IF c.who IS DISTINCT FROM cur THEN
			PERFORM ap_fuzz.act_as(c.who);
			cur := c.who;
		END IF;
		x_engine := ap_fuzz.eval_engine(c.fn, c.org, c.res, c.name);
		x_ref := ap_fuzz.eval_ref(c.who, c.fn, c.org, c.res, c.name, t);
		x_engine_key := NULL;
		x_ref_key := NULL;
		IF c.twin THEN
			x_engine_key := ap_fuzz.eval_engine_key(c);
			x_ref_key := ap_fuzz.eval_ref_key(c, t);
		END IF;
		INSERT INTO ap_fuzz.results (world, phase, id, engine, reference, engine_key, reference_key, at)
		VALUES (w, ph, c.id, x_engine, x_ref, x_engine_key, x_ref_key, t);
	END LOOP;
END;
$$;

-- describe: a check as it would be written in SQL
CREATE FUNCTION ap_fuzz.describe(c ap_fuzz.checks) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
	SELECT format('%s(%s)', c.fn,
				  CASE c.fn
					  WHEN 'can' THEN format('%s, %s', COALESCE(c.org::text, 'NULL'), quote_nullable(c.name))
					  WHEN 'can_row' THEN format('%s, %s, %s', COALESCE(c.org::text, 'NULL'),
												 COALESCE(c.res::text, 'NULL'), quote_nullable(c.name))
					  WHEN 'orgs_with' THEN quote_nullable(c.name)
					  ELSE format('%s, %s', COALESCE(c.res::text, 'NULL'), quote_nullable(c.name))
				  END)
$$;

-- describe_key: a check's twin by key as it would be written in SQL, with
-- the ids of the check by id
CREATE FUNCTION ap_fuzz.describe_key(c ap_fuzz.checks) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
	SELECT format('%s(%s) [by id: %s]',
				  CASE c.fn WHEN 'can' THEN 'can_key'
							WHEN 'can_resource' THEN 'can_resource_key'
							WHEN 'can_action' THEN 'can_action_key'
							WHEN 'can_row' THEN 'can_row_key'
							WHEN 'orgs_with' THEN 'org_keys_with'
							WHEN 'resources_with' THEN 'resource_keys_with'
							ELSE 'resource_keys_allowing' END,
				  CASE c.fn
					  WHEN 'can' THEN format('%s::%s, %s', quote_nullable(c.okey), c.oktype, quote_nullable(c.name))
					  WHEN 'can_row' THEN format('%s::%s, %s::%s, %s', quote_nullable(c.okey), c.oktype,
												 quote_nullable(c.rkey), c.rktype, quote_nullable(c.name))
					  WHEN 'orgs_with' THEN format('%s, NULL::%s', quote_nullable(c.name), c.oktype)
					  ELSE format('%s::%s, %s', quote_nullable(c.rkey), c.rktype, quote_nullable(c.name))
				  END,
				  ap_fuzz.describe(c))
$$;

-- answers: every answer of world w, by id and by key, one row each
CREATE FUNCTION ap_fuzz.answers(w int)
RETURNS TABLE (phase int, id int, who text, by_key boolean, what text, engine text, reference text, at timestamptz)
LANGUAGE sql STABLE
AS $$
	SELECT c.phase, c.id, c.who, false, ap_fuzz.describe(c), r.engine, r.reference, r.at
	  FROM ap_fuzz.results r
	  JOIN ap_fuzz.checks c USING (world, phase, id)
	 WHERE r.world = w
	UNION ALL
	SELECT c.phase, c.id, c.who, true, ap_fuzz.describe_key(c), r.engine_key, r.reference_key, r.at
	  FROM ap_fuzz.results r
	  JOIN ap_fuzz.checks c USING (world, phase, id)
	 WHERE r.world = w AND c.twin
$$;

-- answer_diff: for two lists, what only one side has
CREATE FUNCTION ap_fuzz.answer_diff(engine text, reference text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	e text[];
	r text[];
BEGIN
	IF engine NOT LIKE '{%' OR reference NOT LIKE '{%' THEN
		RETURN '';
	END IF;
	e := engine::text[];
	r := reference::text[];
	RETURN format(' [only engine: %s, only reference: %s]',
				  left(ARRAY(SELECT unnest(e) EXCEPT SELECT unnest(r) ORDER BY 1)::text, 200),
				  left(ARRAY(SELECT unnest(r) EXCEPT SELECT unnest(e) ORDER BY 1)::text, 200));
END;
$$;

-- finish_world: record and print the outcome of world w (a check's twin
-- by key counts as a check of its own)
CREATE FUNCTION ap_fuzz.finish_world(w int) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	s record;
	m record;
	shown int := 0;
BEGIN
	ANALYZE ap_fuzz.checks, ap_fuzz.results;	-- they grow world after world
	SELECT count(*) AS n,
		   count(*) FILTER (WHERE a.by_key) AS by_key,
		   count(*) FILTER (WHERE a.engine = 'true' OR a.engine LIKE '{_%') AS positive,
		   count(*) FILTER (WHERE a.engine IS DISTINCT FROM a.reference) AS mismatch,
		   count(*) FILTER (WHERE (a.who IS NULL OR a.who IN ('canary', 'ghost'))
							  AND a.engine IS DISTINCT FROM 'false' AND a.engine IS DISTINCT FROM '{}'
							  AND a.engine NOT LIKE 'ERROR%') AS canary,
		   count(*) FILTER (WHERE a.engine LIKE 'ERROR%') AS errors,
		   count(DISTINCT a.at) AS instants
	  INTO s
	  FROM ap_fuzz.answers(w) a;
	UPDATE ap_fuzz.worlds ww
	   SET finished = clock_timestamp(), n_checks = s.n, n_by_key = s.by_key, n_positive = s.positive,
		   n_mismatch = s.mismatch, n_canary = s.canary,
		   n_concurrent = (SELECT count(*) FROM ap_fuzz.concurrent_log l
							WHERE l.at >= ww.started AND l.at <= clock_timestamp())
	 WHERE world = w;
	SELECT * INTO m FROM ap_fuzz.worlds WHERE world = w;
	RAISE NOTICE 'world %: %; changes by another session: %; concurrent writers committed % changes',
		w, m.info, CASE WHEN m.remote THEN 'yes' ELSE 'no (dblink missing or failing)' END, m.n_concurrent;
	RAISE NOTICE 'world %: % checks (% by key, % positive, % errors, % instants), % mismatches, % canary violations, % s: %',
		w, s.n, s.by_key, s.positive, s.errors, s.instants, s.mismatch, s.canary,
		round(extract(epoch FROM m.finished - m.started)::numeric, 1),
		CASE WHEN s.mismatch = 0 AND s.canary = 0 THEN 'ok' ELSE 'FAILED' END;
	FOR m IN
		SELECT * FROM ap_fuzz.answers(w) a
		 WHERE a.engine IS DISTINCT FROM a.reference
			OR ((a.who IS NULL OR a.who IN ('canary', 'ghost'))
				AND a.engine IS DISTINCT FROM 'false' AND a.engine IS DISTINCT FROM '{}'
				AND a.engine NOT LIKE 'ERROR%')
		 ORDER BY a.phase, a.id, a.by_key
	LOOP
		shown := shown + 1;
		EXIT WHEN shown > 30;
		RAISE WARNING 'MISMATCH world % phase % user %: % engine=% reference=% (at %)',
			w, m.phase, COALESCE(m.who, '(none)'), m.what,
			left(COALESCE(m.engine, 'NULL'), 200),
			left(COALESCE(m.reference, 'NULL'), 200) || ap_fuzz.answer_diff(m.engine, m.reference), m.at;
	END LOOP;
END;
$$;

-- script: every statement of the run, in order; psql runs them with \gexec so
-- that each is its own top-level statement with its own statement_timestamp()
CREATE FUNCTION ap_fuzz.script(scale double precision, concurrent boolean) RETURNS TABLE (ord bigint, stmt text)
LANGUAGE plpgsql
AS $$
DECLARE
	p record;
	x_who text;
	n bigint := 0;
	ph int;
	kk int[] := ARRAY[150, 100, 90, 60, 60, 30, 40, 40];
BEGIN
	FOR i IN 1 .. 8 LOOP
		kk[i] := greatest(1, round(kk[i] * scale));
	END LOOP;
	FOR p IN SELECT * FROM ap_fuzz.plan ORDER BY world LOOP
		n := n + 1; ord := n; stmt := format('SELECT ap_fuzz.build_world(%s)', p.world); RETURN NEXT;
		FOR ph IN 1 .. 5 LOOP
			IF ph = 2 THEN
				n := n + 1; ord := n; stmt := format('SELECT ap_fuzz.mutate_elsewhere(%s, 2)', p.world); RETURN NEXT;
			ELSIF ph = 3 THEN
				n := n + 1; ord := n; stmt := format('BEGIN ISOLATION LEVEL %s', p.iso); RETURN NEXT;
				n := n + 1; ord := n; stmt := format('SELECT ap_fuzz.mutate(%s, 3)', p.world); RETURN NEXT;
			ELSIF ph = 4 THEN
				-- the engine sees changes that are then rolled back
				n := n + 1; ord := n; stmt := 'BEGIN'; RETURN NEXT;
				n := n + 1; ord := n; stmt := format('SELECT ap_fuzz.mutate(%s, 4)', p.world); RETURN NEXT;
				FOREACH x_who IN ARRAY ARRAY['u1', 'u2', 'u3'] LOOP
					n := n + 1; ord := n; stmt := format('SELECT access_policy.set_user(%L::text)', x_who); RETURN NEXT;
					n := n + 1; ord := n; stmt := format('SELECT ap_fuzz.warm(%s, 3, %L)', p.world, x_who); RETURN NEXT;
				END LOOP;
				n := n + 1; ord := n; stmt := 'ROLLBACK'; RETURN NEXT;
			ELSIF ph = 5 THEN
				n := n + 1; ord := n; stmt := 'BEGIN'; RETURN NEXT;
			END IF;
			n := n + 1; ord := n; stmt := format('SELECT ap_fuzz.gen_checks(%s, %s, %s)', p.world, ph, kk[ph]); RETURN NEXT;
			IF ph = 5 THEN
				-- the engine sees changes that are then rolled back to a savepoint
				n := n + 1; ord := n; stmt := 'SAVEPOINT before_changes'; RETURN NEXT;
				n := n + 1; ord := n; stmt := format('SELECT ap_fuzz.mutate(%s, 5)', p.world); RETURN NEXT;
				FOREACH x_who IN ARRAY ARRAY['u1', 'u2', 'u3'] LOOP
					n := n + 1; ord := n; stmt := format('SELECT access_policy.set_user(%L::text)', x_who); RETURN NEXT;
					n := n + 1; ord := n; stmt := format('SELECT ap_fuzz.warm(%s, 5, %L)', p.world, x_who); RETURN NEXT;
				END LOOP;
				n := n + 1; ord := n; stmt := 'ROLLBACK TO SAVEPOINT before_changes'; RETURN NEXT;
			END IF;
			FOREACH x_who IN ARRAY ap_fuzz.whos(p.world) LOOP
				n := n + 1; ord := n;
				IF ph IN (3, 5) THEN	-- inside a transaction: local identity
					stmt := CASE WHEN x_who IS NULL THEN 'SELECT access_policy.clear_user()'
								 ELSE format('SELECT access_policy.set_user(%L::text)', x_who) END;
				ELSE
					stmt := CASE WHEN x_who IS NULL THEN 'SELECT access_policy.clear_user(false)'
								 ELSE format('SELECT access_policy.set_user(%L::text, false)', x_who) END;
				END IF;
				RETURN NEXT;
				n := n + 1; ord := n; stmt := ap_fuzz.compare_sql(p.world, ph, x_who); RETURN NEXT;
			END LOOP;
			IF ph IN (3, 5) THEN
				n := n + 1; ord := n; stmt := 'COMMIT'; RETURN NEXT;
			END IF;
		END LOOP;
		-- phases 11..16: one identity kept across changes that touch it, made
		-- here and by another session in turn
		n := n + 1; ord := n; stmt := 'SELECT access_policy.set_user(''u1''::text, false)'; RETURN NEXT;
		FOR ph IN 11 .. 16 LOOP
			n := n + 1; ord := n;
			stmt := format('SELECT ap_fuzz.gen_checks(%s, %s, %s, false, ''u1'')', p.world, ph, kk[7]);
			RETURN NEXT;
			n := n + 1; ord := n; stmt := ap_fuzz.compare_sql(p.world, ph, 'u1'); RETURN NEXT;
			IF ph < 16 THEN
				n := n + 1; ord := n;
				stmt := format(CASE WHEN ph % 2 = 1 THEN 'SELECT ap_fuzz.mutate_user(%s, %s, ''u1'')'
									ELSE 'SELECT ap_fuzz.mutate_elsewhere(%s, %s, ''u1'')' END, p.world, ph);
				RETURN NEXT;
			END IF;
		END LOOP;
		-- phases 17, 18: only keys change (by another session, then here),
		-- and the checks of the phase before are asked again: the keys u1's
		-- backend has just looked up, now of another org or of none
		FOR ph IN 17 .. 18 LOOP
			n := n + 1; ord := n;
			stmt := format(CASE WHEN ph = 17 THEN 'SELECT ap_fuzz.mutate_elsewhere(%s, %s, ''u1'', true)'
								ELSE 'SELECT ap_fuzz.key_changes(%s, %s - 1)' END, p.world, ph);
			RETURN NEXT;
			n := n + 1; ord := n; stmt := format('SELECT ap_fuzz.copy_checks(%s, %s, %s)', p.world, ph - 1, ph); RETURN NEXT;
			n := n + 1; ord := n; stmt := ap_fuzz.compare_sql(p.world, ph, 'u1'); RETURN NEXT;
		END LOOP;
		-- phases 71..73: concurrent writers change the world between any two
		-- comparisons (see barrier_open); identities set for the session
		IF concurrent THEN
			FOR ph IN 71 .. 73 LOOP
				n := n + 1; ord := n; stmt := format('SELECT ap_fuzz.gen_checks(%s, %s, %s)', p.world, ph, kk[8]); RETURN NEXT;
				FOREACH x_who IN ARRAY ap_fuzz.whos(p.world) LOOP
					n := n + 1; ord := n; stmt := 'SELECT ap_fuzz.barrier_open(0.02)'; RETURN NEXT;
					n := n + 1; ord := n; stmt := 'SELECT ap_fuzz.barrier_close()'; RETURN NEXT;
					n := n + 1; ord := n;
					stmt := CASE WHEN x_who IS NULL THEN 'SELECT access_policy.clear_user(false)'
								 ELSE format('SELECT access_policy.set_user(%L::text, false)', x_who) END;
					RETURN NEXT;
					n := n + 1; ord := n; stmt := ap_fuzz.compare_sql(p.world, ph, x_who); RETURN NEXT;
				END LOOP;
			END LOOP;
		END IF;
		n := n + 1; ord := n; stmt := format('SELECT ap_fuzz.interleaved(%s, 6, %s)', p.world, kk[6]); RETURN NEXT;
		n := n + 1; ord := n; stmt := format('SELECT ap_fuzz.finish_world(%s)', p.world); RETURN NEXT;
	END LOOP;
END;
$$;

-- summary: passed and failed worlds of the run (a world that did not finish failed)
CREATE FUNCTION ap_fuzz.summary(OUT passed int, OUT failed int)
LANGUAGE sql STABLE
AS $$
	SELECT count(*) FILTER (WHERE w.finished IS NOT NULL AND w.n_mismatch = 0 AND w.n_canary = 0)::int,
		   count(*) FILTER (WHERE w.finished IS NULL OR w.n_mismatch > 0 OR w.n_canary > 0)::int
	  FROM ap_fuzz.plan p LEFT JOIN ap_fuzz.worlds w USING (world)
$$;

------------------------------------------------------------------------------
-- The run
------------------------------------------------------------------------------

\echo differential: seed :seed, :worlds worlds, scale :scale
\o /dev/null
SET client_min_messages = notice;		-- the world reports
SELECT setseed(:seed);
INSERT INTO ap_fuzz.plan (world, n_users, iso, support_default)
SELECT g, ap_fuzz.rint(6, 12), CASE WHEN random() < 0.5 THEN 'READ COMMITTED' ELSE 'REPEATABLE READ' END,
	   CASE WHEN random() < 0.3 THEN 'none' ELSE 'read' END
  FROM generate_series(1, :worlds) g
 ORDER BY g;
-- key types: each of uuid, text, integer, bigint in 2 of 9 worlds, none in
-- 1 of 9, for orgs and resources apart; integer keys passed as integer or bigint
DO $$
DECLARE
	p record;
	kinds text[] := ARRAY['uuid', 'text', 'integer', 'bigint', 'uuid', 'text', 'integer', 'bigint', NULL];
BEGIN
	FOR p IN SELECT world FROM ap_fuzz.plan ORDER BY world LOOP
		UPDATE ap_fuzz.plan SET org_key_type = ap_fuzz.pick(kinds), res_key_type = ap_fuzz.pick(kinds)
		 WHERE world = p.world;
		UPDATE ap_fuzz.plan
		   SET org_arg_type = CASE WHEN org_key_type = 'integer' AND random() < 0.5 THEN 'bigint' ELSE org_key_type END,
			   res_arg_type = CASE WHEN res_key_type = 'integer' AND random() < 0.5 THEN 'bigint' ELSE res_key_type END
		 WHERE world = p.world;
	END LOOP;
END
$$;

SELECT s.stmt FROM ap_fuzz.script(:scale, :concurrent) s ORDER BY s.ord \gexec
-- the writers leave their loop
UPDATE ap_fuzz.control SET stop = true;
SELECT pg_advisory_unlock_all();
\o

SELECT format('differential: %s worlds, %s checks, %s by key, %s positive, %s mismatches, %s canary violations, %s s',
			  count(*), sum(n_checks), sum(n_by_key), sum(n_positive), sum(n_mismatch), sum(n_canary),
			  round(extract(epoch FROM max(finished) - min(started))::numeric, 1)) AS line
  FROM ap_fuzz.worlds \gset
\echo :line
