-- test/bench/pgbench/pk_lookup.sql -- T8: primary-key lookup on the tenant table (RLS applies to bench_app)
\set id random(1, :nrows)
SELECT v FROM bench.t WHERE id = :id;
