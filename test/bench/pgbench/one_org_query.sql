-- test/bench/pgbench/one_org_query.sql -- S5: a random one-org user's selective RLS count(*), identity and role for this transaction only
\set k random(0, :nusers - 1)
BEGIN;
SELECT access_policy.set_user(u.id) FROM bench.one_org_users u WHERE u.k = :k;
SET LOCAL ROLE bench_app;
SELECT count(*) FROM bench.t;
COMMIT;
