-- test/bench/pgbench/pk_lookup_uuid.sql -- T8u: pk_lookup.sql on bench.tu, the tenant table keyed by uuid (RLS by can_key() for bench_app)
\set id random(1, :nrows)
SELECT v FROM bench.tu WHERE id = :id;
