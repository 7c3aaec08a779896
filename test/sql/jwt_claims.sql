-- jwt_claims: the opt-in identity from PostgREST's request.jwt.claims (issue
-- #7 item 9).  Off by default; only a superuser can turn it on; set_user()
-- wins over it; bad claims mean nobody acts (never an error); the identity
-- follows the claims from transaction to transaction (PostgREST sets them per
-- request with set_config(..., true)); parallel workers agree.
\set VERBOSITY terse
SET TIME ZONE 'UTC';
SELECT access_policy.create_org('JWT Org A', NULL, 9700);
SELECT access_policy.create_org('JWT Org B', NULL, 9701);
SELECT access_policy.create_user('jwt_alice');
SELECT access_policy.create_user('jwt_bob');
SELECT access_policy.assign_role('jwt_alice', 9700, 'Viewer') IS NOT NULL AS ok;
SELECT access_policy.assign_role('jwt_bob', 9701, 'Viewer') IS NOT NULL AS ok;
CREATE TABLE jwt_notes (id int PRIMARY KEY, org_id bigint NOT NULL, body text);
INSERT INTO jwt_notes SELECT g, 9700 + g % 2, 'note ' || g FROM generate_series(1, 10) g;
SELECT access_policy.protect_table('jwt_notes', 'org_id', 'responses.view', 'responses.write');
GRANT SELECT ON jwt_notes TO regress_tenant;
CREATE FUNCTION pg_temp.who() RETURNS text LANGUAGE sql
AS $$ SELECT coalesce(access_policy.current_user_id(), '(nobody)') || ' sees ' || (SELECT count(*) FROM jwt_notes) || ' notes' $$;
GRANT EXECUTE ON FUNCTION pg_temp.who() TO regress_tenant;

-- off by default: claims are ignored
SHOW access_policy.identity_from_jwt;
SHOW access_policy.jwt_claim;
SET ROLE regress_tenant;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"jwt_alice","role":"authenticated"}', true) IS NOT NULL AS claims_set;
SELECT pg_temp.who();
-- and a client cannot turn it on
SET access_policy.identity_from_jwt = on;
ROLLBACK;
SELECT set_config('access_policy.identity_from_jwt', 'on', false);
SET access_policy.jwt_claim = 'email';
CREATE FUNCTION pg_temp.sneaky() RETURNS text LANGUAGE sql SET access_policy.identity_from_jwt = on
AS $$ SELECT access_policy.current_user_id() $$;
RESET ROLE;

-- a superuser turns it on (in production: ALTER ROLE authenticator SET ... or postgresql.conf)
SET access_policy.identity_from_jwt = on;
SET ROLE regress_tenant;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"jwt_alice","role":"authenticated"}', true) IS NOT NULL AS claims_set;
SELECT pg_temp.who();
SELECT access_policy.can(9700, 'responses.view') AS alice_a, access_policy.can(9701, 'responses.view') AS alice_b;
COMMIT;
-- the claims were transaction-local: the next transaction has none, so nobody acts
SELECT pg_temp.who();
-- the next request is bob's
BEGIN;
SELECT set_config('request.jwt.claims', '{"role":"authenticated","sub":"jwt_bob","exp":1999999999}', true) IS NOT NULL AS claims_set;
SELECT pg_temp.who();
SELECT access_policy.can(9700, 'responses.view') AS bob_a, access_policy.can(9701, 'responses.view') AS bob_b;
-- claims changed within the transaction: seen by the next statement
SELECT set_config('request.jwt.claims', '{"sub":"jwt_alice"}', true) IS NOT NULL AS claims_set;
SELECT pg_temp.who();
COMMIT;

-- bad claims: nobody acts, no error.  Each claims text is set by its own
-- statement and looked at by the next one (the identity is taken once per
-- statement); a good claim between the bad ones shows the switch happens.
BEGIN;
SELECT format('SELECT set_config(''request.jwt.claims'', %L, true) IS NOT NULL AS claims_set', c),
	   format('SELECT %L AS claims, pg_temp.who()', c)
  FROM unnest(ARRAY[
	'{"sub":"jwt_alice"}', 'not json', '{"sub":"jwt_alice"}', '{"sub":', '[{"sub":"jwt_alice"}]', '"jwt_alice"',
	'{}', '{"sub":null}', '{"sub":42}', '{"sub":{"id":"jwt_alice"}}', '{"sub":["jwt_alice"]}', '{"sub":""}',
	'{"user":{"sub":"jwt_alice"}}', '{"sub":"nobody_we_know"}', '{"sub":"jwt_alice"}', '']) WITH ORDINALITY AS u(c, n)
 ORDER BY n \gexec
ROLLBACK;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"' || repeat('x', 257) || '"}', true) IS NOT NULL AS huge_claim;
SELECT pg_temp.who();
SELECT set_config('request.jwt.claims', '{"sub":"' || repeat('x', 1000000) || '"}', true) IS NOT NULL AS one_mb_claim;
SELECT pg_temp.who();
-- escapes are decoded as JSON says; a duplicate key: the last one wins, as in jsonb
SELECT set_config('request.jwt.claims', '{"sub":"jwt_\u0061lice"}', true) IS NOT NULL AS escaped;
SELECT pg_temp.who();
SELECT set_config('request.jwt.claims', '{"sub":"jwt_bob","sub":"jwt_alice"}', true) IS NOT NULL AS duplicate;
SELECT pg_temp.who();
ROLLBACK;

-- set_user() wins over the claims (a trusted caller said who acts)
RESET ROLE;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"jwt_alice"}', true) IS NOT NULL AS claims_set;
SELECT access_policy.set_user('jwt_bob');
SET LOCAL ROLE regress_tenant;
SELECT pg_temp.who();
ROLLBACK;

-- another claim name
SET access_policy.jwt_claim = 'user_id';
SET ROLE regress_tenant;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"jwt_alice","user_id":"jwt_bob"}', true) IS NOT NULL AS claims_set;
SELECT pg_temp.who();
ROLLBACK;
RESET ROLE;
SET access_policy.jwt_claim = '';
RESET access_policy.jwt_claim;

-- parallel workers see the same identity (force_parallel_mode is called
-- debug_parallel_query since PostgreSQL 16)
SELECT CASE WHEN current_setting('server_version_num')::int >= 160000 THEN 'debug_parallel_query'
			ELSE 'force_parallel_mode' END AS force_parallel \gset
SET ROLE regress_tenant;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"jwt_alice"}', true) IS NOT NULL AS claims_set;
SET LOCAL :force_parallel = on;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SELECT count(*) AS alice_rows_parallel FROM jwt_notes;
SELECT access_policy.current_user_id() AS in_parallel_mode;
ROLLBACK;
RESET ROLE;

-- turned off again: the claims are ignored
SET access_policy.identity_from_jwt = off;
SET ROLE regress_tenant;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"jwt_alice"}', true) IS NOT NULL AS claims_set;
SELECT pg_temp.who();
ROLLBACK;
RESET ROLE;
RESET access_policy.identity_from_jwt;
