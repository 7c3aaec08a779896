-- test/bench/pgbench/check.sql -- T7: 100 checks on consecutive orgs from a random one (as bench_admin's mapped user)
\set o random(0, :norgs - 1)
SELECT count(*) FILTER (WHERE access_policy.can(1 + (:o + i) % :norgs, 'responses.view')) FROM generate_series(0, 99) AS i;
