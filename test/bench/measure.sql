/* test/bench/measure.sql -- the timing driver of the benchmark and the cases it times */

/*
 * bench.measure(phase, rounds, warmup) runs every case of the phase once per
 * round, in a fixed order (so the cases are interleaved: round 1 of all, then
 * round 2 of all, ...), after `warmup` unrecorded rounds, and records the
 * wall time of each run in bench.timings.
 *
 * One run of a case:
 *   1. act as the case's user (access_policy.set_user(user), transaction
 *      scope) or as nobody, and take the role: bench_app for the RLS cases (a
 *      login that is not the table owner and has no BYPASSRLS), else the
 *      superuser that owns the tables (B0, B1, B2, B3: not subject to RLS);
 *   2. run the case's warm-up statement (by default the statement itself),
 *      untimed: the per-backend cache holds one acting user at a time, so
 *      switching users between cases empties the derived part of it, and
 *      "warm" means the same user's previous statement ran just before;
 *   3. time the statement: clock_timestamp() before and after EXECUTE, so
 *      parse, plan (including the planner support of can()) and execution
 *      are counted, the client round trip is not.
 * The result of every run is kept as text, so that the run script can check
 * that the RLS query and its baselines return the same answer.
 *
 * The caller sets max_parallel_workers_per_gather = 0 and jit = off.  The
 * whole call is one statement: statement_timestamp() is fixed during it.
 */

\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE TABLE bench.cases (
	phase		text NOT NULL,
	ord			int NOT NULL,
	label		text NOT NULL,
	as_app		boolean NOT NULL,
	ap_user		text,
	sql			text NOT NULL,
	warm_sql	text,			-- NULL: the statement itself; '' : none
	gucs		text[],			-- settings for this case only: {name, value, name, value, ...}
	PRIMARY KEY (phase, label)
);

CREATE TABLE bench.timings (
	phase		text NOT NULL,
	label		text NOT NULL,
	round		int NOT NULL,
	ms			float8 NOT NULL,
	result		text
);

CREATE FUNCTION bench.act(c bench.cases) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	i int;
BEGIN
	PERFORM pg_catalog.set_config('role', 'none', true);
	FOR i IN 1 .. coalesce(cardinality(c.gucs), 0) / 2 LOOP
		PERFORM pg_catalog.set_config(c.gucs[2 * i - 1], c.gucs[2 * i], true);
	END LOOP;
	IF c.ap_user IS NULL THEN
		PERFORM access_policy.clear_user(true);
	ELSE
		PERFORM access_policy.set_user(c.ap_user, true);
	END IF;
	IF c.as_app THEN
		PERFORM pg_catalog.set_config('role', 'bench_app', true);
	END IF;
END;
$$;

-- undo the case's settings (transaction-local, and the driver runs as one transaction)
CREATE FUNCTION bench.unact(c bench.cases) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	i int;
BEGIN
	PERFORM pg_catalog.set_config('role', 'none', true);
	FOR i IN 1 .. coalesce(cardinality(c.gucs), 0) / 2 LOOP
		PERFORM pg_catalog.set_config(c.gucs[2 * i - 1],
			(SELECT s.reset_val FROM pg_catalog.pg_settings s WHERE s.name = c.gucs[2 * i - 1]), true);
	END LOOP;
END;
$$;

CREATE FUNCTION bench.measure(p_phase text, p_rounds int, p_warmup int)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	c bench.cases;
	r int;
	t0 timestamptz;
	t1 timestamptz;
	res text;
	ignored text;
BEGIN
	FOR r IN 1 - p_warmup .. p_rounds LOOP
		FOR c IN SELECT * FROM bench.cases WHERE phase = p_phase ORDER BY ord LOOP
			PERFORM bench.act(c);
			IF c.warm_sql IS NULL THEN
				EXECUTE c.sql INTO ignored;
			ELSIF c.warm_sql <> '' THEN
				EXECUTE c.warm_sql INTO ignored;
			END IF;
			t0 := clock_timestamp();
			EXECUTE c.sql INTO res;
			t1 := clock_timestamp();
			PERFORM bench.unact(c);
			IF r >= 1 THEN
				INSERT INTO bench.timings VALUES (p_phase, c.label, r,
					extract(epoch FROM t1 - t0) * 1000, res);
			END IF;
		END LOOP;
	END LOOP;
END;
$$;

-- the plan of a case, as its role and user see it
CREATE FUNCTION bench.plan(p_phase text, p_label text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	c bench.cases;
	line text;
BEGIN
	SELECT * INTO c FROM bench.cases WHERE phase = p_phase AND label = p_label;
	PERFORM bench.act(c);
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || c.sql LOOP
		RETURN NEXT line;
	END LOOP;
	PERFORM bench.unact(c);
END;
$$;

-- median of the recorded runs of a case
CREATE FUNCTION bench.median(p_phase text, p_label text) RETURNS float8 LANGUAGE sql STABLE AS $$
	SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM bench.timings WHERE phase = p_phase AND label = p_label
$$;

------------------------------------------------------------------------------
-- The cases
------------------------------------------------------------------------------

-- constant arrays of the orgs where the named users hold responses.view,
-- computed by the reference model (the run script checks the engine agrees)
CREATE TABLE bench.allowed AS
SELECT u AS ap_user, ap_ref.orgs_with(u, 'responses.view', now()) AS orgs
  FROM unnest(ARRAY['u_most', 'u_sel', 'u_all', 'u_deep', 'u_res', 'u_one', 'u_heavy']) u;
CREATE TABLE bench.allowed_res AS
SELECT 'u_res'::text AS ap_user, b.id AS root, ap_ref.resources_with('u_res', b.id, 'responses.view', now()) AS ids
  FROM bench.big b WHERE b.what = 'app';
-- the same lists as the orgs' uuid keys (bench.tu, issue 15), read from access_policy.orgs
ALTER TABLE bench.allowed ADD COLUMN keys uuid[];
UPDATE bench.allowed a
   SET keys = ARRAY(SELECT o.key::uuid FROM unnest(a.orgs) x (id) JOIN access_policy.orgs o ON o.id = x.id ORDER BY 1);
GRANT SELECT ON bench.allowed, bench.allowed_res TO bench_app;

INSERT INTO bench.cases (phase, ord, label, as_app, ap_user, sql, warm_sql)
SELECT 'q', ord, label, as_app, ap_user, sql, warm_sql FROM (VALUES
	-- T1 / T3: full scan where the user sees most rows
	(10, 'B0_count', false, NULL, 'SELECT count(*) FROM bench.t', ''),
	(11, 'B1_const_array', false, NULL,
		format('SELECT count(*) FROM bench.t WHERE org_id = ANY (%L::bigint[])',
			   (SELECT orgs FROM bench.allowed WHERE ap_user = 'u_most')), ''),
	(12, 'RLS_full', true, 'u_most', 'SELECT count(*) FROM bench.t', NULL),
	(15, 'info_B1_as_seq_scan', false, NULL,
		format('SELECT count(*) FROM bench.t WHERE org_id = ANY (%L::bigint[])',
			   (SELECT orgs FROM bench.allowed WHERE ap_user = 'u_most')), ''),
	(13, 'B3_full_semijoin', false, NULL,
		'SELECT count(*) FROM bench.t WHERE org_id IN (SELECT unnest(ap_ref.orgs_with(''u_most'', ''responses.view'', statement_timestamp())))', ''),
	(14, 'B3_full_any_array', false, NULL,
		'SELECT count(*) FROM bench.t WHERE org_id = ANY (ARRAY(SELECT unnest(ap_ref.orgs_with(''u_most'', ''responses.view'', statement_timestamp()))))', ''),
	-- T3: selective query (<= 1% of the rows), rows fetched
	(20, 'RLS_selective', true, 'u_sel', 'SELECT count(*) || ''/'' || coalesce(sum(v), 0) FROM bench.t', NULL),
	(21, 'const_selective', false, NULL,
		format('SELECT count(*) || ''/'' || coalesce(sum(v), 0) FROM bench.t WHERE org_id = ANY (%L::bigint[])',
			   (SELECT orgs FROM bench.allowed WHERE ap_user = 'u_sel')), ''),
	(22, 'B3_selective_any_array', false, NULL,
		'SELECT count(*) || ''/'' || coalesce(sum(v), 0) FROM bench.t WHERE org_id = ANY (ARRAY(SELECT unnest(ap_ref.orgs_with(''u_sel'', ''responses.view'', statement_timestamp()))))', ''),
	-- T4: single checks, warm, random orgs and resources
	(30, 'T4_scan_only', true, 'u_most', 'SELECT count(*) FILTER (WHERE o > 0) FROM bench.rand_orgs', ''),
	(31, 'T4_can_org', true, 'u_most',
		'SELECT count(*) FILTER (WHERE access_policy.can(o, ''responses.view'')) FROM bench.rand_orgs', NULL),
	(32, 'T4_can_resource', true, 'u_most',
		'SELECT count(*) FILTER (WHERE access_policy.can_resource(r, ''responses.view'')) FROM bench.rand_res', NULL),
	-- T5: depth, warm
	(40, 'T5_depth_1', true, 'u_deep',
		'SELECT count(*) FILTER (WHERE access_policy.can(o, ''responses.view'')) FROM bench.shallow_orgs', NULL),
	(41, 'T5_depth_chain_bottom', true, 'u_deep',
		'SELECT count(*) FILTER (WHERE access_policy.can(o, ''responses.view'')) FROM bench.deep_orgs', NULL),
	-- T6: listing
	(50, 'T6_orgs_with', true, 'u_all', 'SELECT cardinality(access_policy.orgs_with(''responses.view''))', NULL),
	(51, 'T6_resources_with', true, 'u_res',
		format('SELECT cardinality(access_policy.resources_with(%s, ''responses.view''))',
			   (SELECT id FROM bench.big WHERE what = 'app')), NULL),
	(52, 'T6_resources_allowing', true, 'u_res',
		format('SELECT cardinality(access_policy.resources_allowing(%s, ''open''))',
			   (SELECT id FROM bench.big WHERE what = 'app')), NULL),
	(53, 'T6_ref_orgs_with_sql', false, NULL,
		'SELECT cardinality(ap_ref.orgs_with(''u_all'', ''responses.view'', statement_timestamp()))', NULL),
	-- issue 15: the cases of T1, T3 and T4 on bench.tu, the same rows keyed by
	-- the orgs' uuid keys (RLS by can_key()), each next to its bigint case
	(16, 'B0u_count', false, NULL, 'SELECT count(*) FROM bench.tu', ''),
	(17, 'B1u_const_array', false, NULL,
		format('SELECT count(*) FROM bench.tu WHERE org_id = ANY (%L::uuid[])',
			   (SELECT keys FROM bench.allowed WHERE ap_user = 'u_most')), ''),
	(18, 'RLS_full_u', true, 'u_most', 'SELECT count(*) FROM bench.tu', NULL),
	(23, 'RLS_selective_u', true, 'u_sel', 'SELECT count(*) || ''/'' || coalesce(sum(v), 0) FROM bench.tu', NULL),
	(24, 'const_selective_u', false, NULL,
		format('SELECT count(*) || ''/'' || coalesce(sum(v), 0) FROM bench.tu WHERE org_id = ANY (%L::uuid[])',
			   (SELECT keys FROM bench.allowed WHERE ap_user = 'u_sel')), ''),
	(33, 'T4_scan_only_key', true, 'u_most',
		'SELECT count(*) FILTER (WHERE k > ''00000000-0000-0000-0000-000000000000'') FROM bench.rand_org_keys', ''),
	(34, 'T4_can_org_key', true, 'u_most',
		'SELECT count(*) FILTER (WHERE access_policy.can_key(k, ''responses.view'')) FROM bench.rand_org_keys', NULL),
	-- information: the RLS full scans forced into sequential scans, the
	-- policy's check on every row (can() on bench.t, can_key() on bench.tu)
	(60, 'info_RLS_full_seq_scan', true, 'u_most', 'SELECT count(*) FROM bench.t', NULL),
	(61, 'info_RLS_full_u_seq_scan', true, 'u_most', 'SELECT count(*) FROM bench.tu', NULL)
) v (ord, label, as_app, ap_user, sql, warm_sql);

-- information: B1 in the plan shape of the RLS query (sequential scan, the
-- hashed constant array as a filter), to tell the cost of the filter from the
-- plan; the RLS full scans in the same shape
UPDATE bench.cases SET gucs = ARRAY['enable_indexscan', 'off', 'enable_indexonlyscan', 'off', 'enable_bitmapscan', 'off']
 WHERE label IN ('info_B1_as_seq_scan', 'info_RLS_full_seq_scan', 'info_RLS_full_u_seq_scan');

-- T2: the per-row check against the reference model as a per-row SQL helper
INSERT INTO bench.cases (phase, ord, label, as_app, ap_user, sql, warm_sql) VALUES
	('b2', 1, 'RLS_tb2', true, 'u_most', 'SELECT count(*) FROM bench.tb2', NULL),
	('b2', 2, 'B2_sql_helper_tb2', false, NULL,
		'SELECT count(*) FROM bench.tb2 WHERE ap_ref.can(''u_most'', org_id, ''responses.view'', statement_timestamp())',
		'SELECT count(*) FROM bench.tb2 WHERE id <= 1000 AND ap_ref.can(''u_most'', org_id, ''responses.view'', statement_timestamp())');
